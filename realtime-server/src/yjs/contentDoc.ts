import * as Y from 'yjs';

/** Reads stored content (a named version's bytes, a document's state) in a throwaway Y.Doc, destroyed after. */
export function readContent<T>(content: Uint8Array, read: (doc: Y.Doc) => T): T {
  const doc = new Y.Doc({ gc: false });
  try {
    if (content.byteLength > 0) Y.applyUpdate(doc, content);
    return read(doc);
  } finally {
    doc.destroy();
  }
}
