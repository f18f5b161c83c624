import { diagramOf, type Diagram } from '@yishi/domain';
import type * as Y from 'yjs';
import { readContent } from './contentDoc.ts';

/**
 * A diagram's content (a named version's bytes, or a live document's state) read as the domain's plain
 * diagram, the same reading the editor and the board make (`diagramOf`): nothing in the bytes is trusted,
 * a bad field reads as absent and a dangling edge is left out [D31, D33].
 */
export function diagramOfContent(content: Uint8Array): Diagram {
  return readContent(content, diagramOfDoc);
}

export function diagramOfDoc(doc: Y.Doc): Diagram {
  return diagramOf({ nodes: doc.getMap('nodes').entries(), edges: doc.getMap('edges').entries() });
}
