export type { DecideContext } from './decision.ts';
export type { MeetingDecision as Decision } from './registry.ts';
export {
  ClientCommandSchema,
  ServerCommandSchema,
  MeetingEventSchema,
  COMMAND_RIGHTS,
  decide,
  evolve,
  replay,
  advanceSeq,
  commandResult,
  lazyForPhones,
  supersededAsSkips,
  type ClientCommand,
  type ServerCommand,
  type Command,
  type CommandType,
  type MeetingEvent,
  type MeetingEventType,
  type LogEntry,
  type NewEntry,
  type EventMessage
} from './registry.ts';
export { permits, type CommandBody } from './permits.ts';
export type { Audience } from './audience.ts';
export { projectState, projectEvent, projectShared, type Delivery } from './projection.ts';
export type { Projection, PrivatePart, SharedAudience } from './feature.ts';
export type { MeetingState, MeetingStateJSON, MeetingDocument, DocumentVersion, BoardDocument, Participant, Person, Topic, Merge, PaperParticipant, RecordFields, StoredState } from './state.ts';
export { STATE_FORMAT, toStoredState, fromStoredState, reviveState } from './state.ts';
export { PMap } from './pmap.ts';
export type { MeetingIndex } from './indexes.ts';
export { participantCountsByGroup, paperCountsByGroup, personOf, shownPublicly, PAPER_COUNT_MAX } from './meeting/index.ts';
export { createPhases, currentPhase, TEMPLATES, KIND_DEFAULTS, MAX_PHASES } from './phases/index.ts';
export { readTimer, displaySeconds, estimateClockOffset, TIMER_MAX_MS, EXTEND_MAX_MINUTES, type PhaseTimer, type TimerReading, type ClockSample } from './timer/index.ts';
export { visibleTopics, convenersOf, topicCounts, MAX_OPEN_TOPICS_PER_PARTICIPANT, TopicViewSchema, type TopicRow, type MergeGroup, type TopicView } from './topics/index.ts';
export { exhaustive } from './exhaustive.ts';
export { RECORD_SECTIONS } from './registry.ts';
export { RECORD_LIMITS, recordFields } from './record/index.ts';
export { buildMinutes, recordContext, type MinutesOptions } from './record/minutes.ts';
export { section, type Block, type Inline, type RecordContext, type RecordDocument, type RecordSection } from './record/model.ts';
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
} from './documents/index.ts';
export { articleLabel, chapterLabel, sectionLabel, chineseNumeral } from './documents/numerals.ts';
export { compareOutlines, diffWords, wordsOf, COMPARE_LIMITS, type Comparison, type ComparisonEntry, type ComparedSide, type VersionComparison, type OutlineVersionComparison, type DiagramVersionComparison, type ComparisonSummary, type WordPart, type Place as ComparisonPlace } from './documents/compare.ts';
export { compareDiagrams, type DiagramComparison, type DiagramChange, type DiagramChangeKind, type DiagramComparisonSummary, type NodeRef as DiagramNodeRef, type EndRef as DiagramEndRef, type EdgeRef as DiagramEdgeRef } from './documents/diagramCompare.ts';
export { outlineOf, isSafeHref, articleIdOf, runsText, type Outline, type OutlineBlock, type OutlineRun, type TreeNode } from './documents/outline.ts';
export { buildVersionDocument, outlineBlocks, isMinutesDraft, diagramBlocks, DIAGRAM_KIND_WORDS, type VersionDocumentInput } from './documents/index.ts';
export { documentRight, documentList, documentVersion, DOCUMENT_KINDS, DOCUMENT_ACCESS, DOCUMENT_LIMITS, type DocumentRight, type DocumentKind, type DocumentAccess } from './documents/index.ts';
