import type { Actor, Convener, Language, Phase, TemplateId } from '@yishi/protocol';
import { buildIndex, type MeetingIndex } from './indexes.ts';
import { PMap } from './pmap.ts';
import type { DocumentAccess, DocumentKind } from './documents/schemas.ts';
import type { TopicView } from './topics/schemas.ts';
import type { PhaseTimer } from './timer/timer.ts';

/**
 * The shape of `MeetingState` as stored in snapshots. Bump it whenever that shape changes: a snapshot
 * of another format is ignored and the state rebuilt from the log, which is the record (a snapshot is
 * only a shortcut). Snapshots written before formats existed hold the bare state and count as format 1.
 * Format 3: views hold head counts and only the people they show (`self`, `people`, `attendance`).
 * Format 4: the meeting's time zone, the record's fields (`record`), whether the minutes are published,
 * and paper participants (`paper`, `paperCount`).
 * Format 5: the meeting's documents (`documents`).
 * Format 6: each document's named versions (`MeetingDocument.versions`).
 * Format 7: the document the board shows (`boardDocument`).
 * Format 8: the phases that have run (`phasesReached`) and the phase timer (`timer`).
 */
export const STATE_FORMAT = 8;

/** What a snapshot stores: the state, tagged with its format (in JSON, the state is a `MeetingStateJSON`). */
export interface StoredState {
  format: number;
  state: MeetingState;
}

export function toStoredState(state: MeetingState): StoredState {
  return { format: STATE_FORMAT, state };
}

/** The state a stored snapshot holds, or null when it was written in another format (or is not one). */
export function fromStoredState(stored: unknown): MeetingState | null {
  if (stored === null || typeof stored !== 'object' || !('format' in stored) || !('state' in stored)) return null;
  return (stored as StoredState).format === STATE_FORMAT ? reviveState((stored as { state: MeetingStateJSON }).state) : null;
}

/**
 * The meeting as the log has built it so far. Immutable: every event makes a new state that shares what
 * it did not change. Its records are persistent maps (one event costs O(log n), not a copy of a whole
 * record) that are plain records in JSON, and its index is left out of JSON: so the state's JSON (stored
 * as a snapshot, sent to clients) is plain records and arrays, and `reviveState` of it gives back an
 * equal state [D1].
 */
export interface MeetingState {
  /**
   * `full` is the authority's state (and what the facilitator and secretary hold). `public` is the
   * redacted view a participant or the board holds: hidden and withdrawn topics are absent, so
   * `evolve` removes a topic on `topic.hidden`/`topic.withdrawn` instead of flagging it.
   */
  view: 'full' | 'public';
  /**
   * Whose phone holds this view: a participant's own view also holds their own record and their own
   * topics the facilitator hid (flagged). Null in the full state and on the board.
   */
  self: string | null;
  /** The seq of the last log entry folded in. */
  seq: number;
  meetingId: string;
  joinCode: string;
  title: string;
  templateId: TemplateId;
  language: Language;
  groups: string[];
  phases: Phase[];
  phaseId: string;
  /**
   * The ids of the phases that have been current, in the order first reached (at most `MAX_PHASES`): they
   * stay in the agenda, since the record names them with their times [D38]. Every view holds it.
   */
  phasesReached: string[];
  /** The current phase's countdown, or null when it is not started [D40]. Every view holds it. */
  timer: PhaseTimer | null;
  joiningOpen: boolean;
  ended: boolean;
  /** IANA zone the record's dates and times are written in (the facilitator's browser's at creation). */
  timeZone: string;
  createdAt: number;
  endedAt: number | null;
  /** The full state: everyone who joined. A phone's view: its own participant only; the board's: nobody. */
  participants: PMap<Participant>;
  /**
   * A public view: the people it names, by name and group only — the conveners of the topics it holds.
   * Everyone else is counted in `attendance`. Empty in the full state (which names everyone in
   * `participants`); read a name with `personOf`. (Whom the views name is, on the full state, the
   * index's `publicTopics`: a lookup per event, not a pass over every topic.)
   */
  people: PMap<Person>;
  /**
   * People present (joined, not removed) per stakeholder group, every meeting group listed (at most
   * `LIMITS.groupsMax`). Every view holds it: a view counts the people it does not name.
   */
  attendance: PMap<number>;
  topics: PMap<Topic>;
  /** Every merge ever made, active or undone, so a second unmerge is a conflict, not a not_found. */
  merges: PMap<Merge>;
  /**
   * The topic the board shows in full, or null. Always a topic every audience may see: hiding,
   * withdrawing or merging it away, and the end of the meeting, take it down.
   */
  spotlight: string | null;
  /**
   * People without a phone, declared by staff (by name, or as a count per group), by paper id. The full
   * state holds every declaration; a public view none (their names are the staff's) [D18].
   */
  paper: PMap<PaperParticipant>;
  /**
   * Paper participants per stakeholder group (a named one counts 1), every meeting group listed. Every
   * view holds it: the hall's head count includes them, labelled as paper [D17].
   */
  paperCount: PMap<number>;
  /** What the secretary enters for the minutes. Staff only: null in a public view [D18]. */
  record: RecordFields | null;
  /** Whether participants may download the minutes (the facilitator publishes them). Every view holds it. */
  minutesPublished: boolean;
  /**
   * The meeting's co-edited documents (their content is in Yjs). A public view holds every one, with a
   * named set reduced to the view's own participant when they are in it [D21].
   */
  documents: PMap<MeetingDocument>;
  /**
   * The document the board shows in place of the topic wall, and the article under discussion (its
   * stable id), or null. Every view holds it; the end takes it down [D23].
   */
  boardDocument: BoardDocument | null;
  /** What decisions look up instead of scanning the meeting; derived from the records, never in JSON. */
  index: MeetingIndex;
}

/** A state as JSON carries it (a stored snapshot, a client's snapshot): its records are plain objects. */
export type MeetingStateJSON = Omit<MeetingState, 'participants' | 'people' | 'attendance' | 'topics' | 'merges' | 'paper' | 'paperCount' | 'documents' | 'index'> & {
  participants: Record<string, Participant>;
  people: Record<string, Person>;
  attendance: Record<string, number>;
  topics: Record<string, Topic>;
  merges: Record<string, Merge>;
  paper: Record<string, PaperParticipant>;
  paperCount: Record<string, number>;
  documents: Record<string, MeetingDocument>;
};

/** The state a JSON snapshot holds, with its maps and index rebuilt: wherever a state arrives as JSON. */
export function reviveState(json: MeetingStateJSON): MeetingState {
  const topics = PMap.fromRecord(json.topics);
  const merges = PMap.fromRecord(json.merges);
  return {
    ...json,
    participants: PMap.fromRecord(json.participants),
    people: PMap.fromRecord(json.people),
    attendance: PMap.fromRecord(json.attendance),
    topics,
    merges,
    paper: PMap.fromRecord(json.paper),
    paperCount: PMap.fromRecord(json.paperCount),
    documents: PMap.fromRecord(json.documents),
    index: buildIndex(topics, merges)
  };
}

/** What the board shows in place of the topic wall [D23]. */
export interface BoardDocument {
  docId: string;
  articleId: string | null;
}

/** What a public view knows of someone it shows: what a topic card says of its convener. */
export interface Person {
  name: string;
  group: string;
}

export interface Participant {
  id: string;
  name: string;
  group: string;
  joinedAt: number;
  /** The seq of the join: orders people as they arrived. */
  order: number;
  removed: boolean;
  /** The name was corrected after the meeting ended ("added after the meeting" in the record). */
  amendedAfterEnd: boolean;
}

/** Someone without a phone, declared by staff: one named person, or `count` unnamed people of a group. */
export interface PaperParticipant {
  id: string;
  group: string;
  /** Null for a count of unnamed people. */
  name: string | null;
  /** 1 for a named person. */
  count: number;
  addedAt: number;
  /** The seq of the declaration: orders them as they were entered. */
  order: number;
  /** Declared after the meeting ended (staff completing the record) [D8]. */
  amendedAfterEnd: boolean;
}

/** The minutes' own fields, typed on the secretary's desk. Empty strings until someone fills them in. */
export interface RecordFields {
  place: string;
  facilitatorName: string;
  secretaryName: string;
  /** The secretary's notes for the minutes: multi-line plain text. */
  notes: string;
}

/**
 * A topic holds exactly what `TopicView` carries plus its flags, so an audience that gets a topic
 * back through `topic.unhidden` builds the same object the authority holds. `order` is the seq of the
 * posting. Whether a topic is merged is read from `merges`, not stored on the topic, for the same reason.
 */
export interface Topic extends TopicView {
  hidden: boolean;
  withdrawn: boolean;
  /**
   * Posted, edited or withdrawn after the meeting ended (by staff completing the record). Nothing can
   * unhide a topic after the end, so a topic an audience gets back through `topic.unhidden` never has it.
   */
  amendedAfterEnd: boolean;
}

/** A co-edited document of the meeting: what the list shows and what its rights are read from [D21]. */
export interface MeetingDocument {
  id: string;
  kind: DocumentKind;
  title: string;
  access: DocumentAccess;
  /** With `named` access, the participants who edit (on a public view: only its own participant, if named). */
  editors: string[];
  createdAt: number;
  createdBy: 'facilitator' | 'secretary';
  /** The seq of the creation: orders the list. */
  order: number;
  /** Its named versions, oldest first; every view that may read the document holds them [D22]. */
  versions: DocumentVersion[];
}

/** A named version of a document: its content is stored apart, immutable, and vouched for by `contentHash` [D22]. */
export interface DocumentVersion {
  id: string;
  /** Names need not be unique: two saves with one name are two versions. */
  name: string;
  /** SHA-256 (hex) of the stored content, a Yjs update of the whole document. */
  contentHash: string;
  /** The content's size in bytes. */
  bytes: number;
  at: number;
  by: 'facilitator' | 'secretary' | 'participant';
  /** The seq of the `document.versioned` entry. */
  seq: number;
}

export interface Merge {
  id: string;
  targetId: string;
  sourceIds: string[];
  /** The seq of the merge. */
  order: number;
  mergedAt: number;
  active: boolean;
  unmergedAt: number | null;
}

export type { Actor, Convener };
