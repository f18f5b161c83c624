import { diagramOf, type Diagram } from '@yishi/domain';
import * as Y from 'yjs';

/**
 * A diagram's content (a named version's bytes, or a live document's state) read as the domain's plain
 * diagram, the same reading the editor and the board make (`diagramOf`): nothing in the bytes is trusted,
 * a bad field reads as absent and a dangling edge is left out [D31, D33].
 */
export function diagramOfContent(content: Uint8Array): Diagram {
  const doc = new Y.Doc({ gc: false });
  try {
    if (content.byteLength > 0) Y.applyUpdate(doc, content);
    return diagramOfDoc(doc);
  } finally {
    doc.destroy();
  }
}

export function diagramOfDoc(doc: Y.Doc): Diagram {
  return diagramOf({ nodes: doc.getMap('nodes').entries(), edges: doc.getMap('edges').entries() });
}
