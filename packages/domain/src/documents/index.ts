import type { CommandSpecs, EventSpecs } from '../feature.ts';
import {
  boardDocumentShown,
  createdDocument,
  decideBoardDocument,
  decideAccess,
  decideCreate,
  decideRename,
  decideVersionRecord,
  decideVersionSave,
  documentAccessChanged,
  documentCreated,
  documentRenamed,
  documentVersioned,
  projectEditors,
  savedVersion
} from './documents.ts';
import { versionsSection } from './record.ts';
import { documentCommandSchemas, documentEventSchemas, documentServerCommandSchemas, type DocumentCommand, type DocumentEvent, type DocumentServerCommand } from './schemas.ts';

/**
 * Documents: the meeting's co-edited texts (the charter, notes, the minutes draft), created and ruled
 * by staff, also after the end to complete the record [D8]. Who may read or write one is
 * `documentRight` [D21]; the content itself travels over /yjs.
 */
export const documents = {
  clientCommands: documentCommandSchemas,
  serverCommands: documentServerCommandSchemas,
  events: documentEventSchemas,
  commands: {
    'document.create': { rights: ['facilitator', 'secretary'], afterEnd: 'record', decide: decideCreate, result: createdDocument },
    'document.rename': { rights: ['facilitator', 'secretary'], afterEnd: 'record', decide: (state, command) => decideRename(state, command) },
    'document.access.set': { rights: ['facilitator', 'secretary'], afterEnd: 'record', decide: (state, command) => decideAccess(state, command) },
    // Finer rule (write right on the document, per its access) in decide [D22].
    'document.version.save': { rights: ['facilitator', 'secretary', 'participant'], afterEnd: 'record', decide: (state, command, actor) => decideVersionSave(state, command, actor) },
    'document.version.record': { rights: ['facilitator', 'secretary', 'participant'], afterEnd: 'record', decide: (state, command, actor) => decideVersionRecord(state, command, actor), result: savedVersion },
    // The board shows what the facilitator chooses [D23]; nothing is presented after the end.
    'board.document': { rights: ['facilitator'], decide: (state, command) => decideBoardDocument(state, command) }
  } satisfies CommandSpecs<DocumentCommand | DocumentServerCommand, DocumentEvent>,
  eventSpecs: {
    'document.created': { evolve: documentCreated, actor: 'private', project: projectEditors },
    'document.renamed': { evolve: (state, event) => documentRenamed(state, event), actor: 'private' },
    'document.accessChanged': { evolve: (state, event) => documentAccessChanged(state, event), actor: 'private', project: projectEditors },
    // Every view holds every document, and everyone who may see a document may read it: the versions go to all [D22].
    'document.versioned': { evolve: documentVersioned, actor: 'private' },
    // Every view lists every document, and the board reads each: what it shows goes to all [D23].
    'board.documentShown': { evolve: (state, event) => boardDocumentShown(state, event), actor: 'private' }
  } satisfies EventSpecs<DocumentEvent>,
  /** The minutes list the named versions saved in the meeting; each version also exports on its own (`buildVersionDocument`) [D26]. */
  sections: [versionsSection]
};
export { documentRight, documentList, documentsForView, documentVersion, type DocumentRight } from './documents.ts';
export { DOCUMENT_KINDS, DOCUMENT_ACCESS, DOCUMENT_LIMITS, type DocumentKind, type DocumentAccess } from './schemas.ts';

export {
  DIAGRAM_KINDS,
  DIAGRAM_NODE_KINDS,
  DIAGRAM_COLOURS,
  DIAGRAM_LIMITS,
  DIAGRAM_ID,
  NODE_FIELDS,
  EDGE_FIELDS,
  NODE_KINDS_BY_DIAGRAM,
  isDiagramKind,
  diagramFieldProblem,
  diagramOf,
  type DiagramKind,
  type DiagramNodeKind,
  type DiagramColour,
  type Diagram,
  type DiagramNode,
  type DiagramEdge,
  type DiagramEntries
} from './diagram.ts';
export { buildVersionDocument, outlineBlocks, isMinutesDraft, diagramBlocks, DIAGRAM_KIND_WORDS, type VersionDocumentInput } from './record.ts';
