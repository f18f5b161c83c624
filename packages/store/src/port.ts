import type { CommandValue, LogEntry, NewEntry, Role } from '@yishi/protocol';

export type StoreKind = 'sqlite' | 'redis';

export interface MeetingRecord {
  meetingId: string;
  joinCode: string;
  createdAt: number;
  status: 'live' | 'ended';
}

/** A credential. Only `tokenHash` (sha256 of the secret) is stored; the secret itself never is. */
export interface TokenRecord {
  /** Public id, used to list and revoke links; not a secret. */
  tokenId: string;
  tokenHash: string;
  meetingId: string;
  role: Role;
  participantId: string | null;
  /** `link` for secretary/board links, `recovery` for the facilitator's paper code, `session` otherwise. */
  kind: 'session' | 'link' | 'recovery';
  label: string;
  createdAt: number;
  revokedAt: number | null;
  /** After this time the token opens nothing; null for links and codes that live until revoked. */
  expiresAt: number | null;
}

export interface Head {
  seq: number;
  hash: string;
}

/**
 * What a command ended with, remembered per meeting and command key for idempotent retries; `result`
 * is the command's own result (absent for commands without one).
 */
export type CommandResult = { ok: true; seq: number; result?: CommandValue } | { ok: false; error: { code: string; message: string; field?: string; reason?: string } };

/** The result an append with a command key stores (no `result` key when the command has none). */
export function succeeded(seq: number, result?: CommandValue): CommandResult {
  return result === undefined ? { ok: true, seq } : { ok: true, seq, result };
}

export type CreateMeetingResult = { ok: true } | { ok: false; reason: 'join_code_taken' | 'exists' };

/** A meeting created together with its first log entries and its first tokens, or not at all. */
export type CreateMeetingWithLogResult = { ok: true; entries: LogEntry[]; head: Head } | { ok: false; reason: 'join_code_taken' | 'exists' };

export type AppendResult = { ok: true; entries: LogEntry[]; head: Head } | { ok: false; reason: 'stale'; head: Head };

/** A phone's join key (its hash) and the participant it joins as. */
export interface JoinKeyClaim {
  keyHash: string;
  participantId: string;
}

/** `claimed`: some keys were claimed already (by another attempt); each is answered with its participant. */
export type AppendJoinsResult = AppendResult | { ok: false; reason: 'claimed'; claims: JoinKeyClaim[] };

export interface Snapshot {
  seq: number;
  hash: string;
  state: unknown;
}

export type VerifyResult =
  | { ok: true; count: number; head: Head }
  | { ok: false; seq: number; problem: 'altered' | 'gap' | 'broken_link' | 'unreadable'; detail: string };

/** A stored document update and whether the server that wrote it had checked it [S22]. */
export interface StoredDocUpdate {
  update: Uint8Array;
  checked: boolean;
}

export interface AppendDocOptions {
  /** [S22] Every update of the group was checked by its writer: a load need not check it again. */
  checked?: boolean;
}

export interface DocCompaction {
  /** Updates folded into one. */
  merged: number;
  /** Updates that arrived during compaction and were kept after it. */
  kept: number;
}

/**
 * The storage port. The server knows nothing else about persistence; both adapters pass the same
 * contract suite (`packages/store/SPEC.md`).
 */
export interface Store {
  readonly kind: StoreKind;

  /** [S1] Refuses (`{ok:false}`) when the join code belongs to a live meeting. */
  createMeeting(meeting: MeetingRecord): Promise<CreateMeetingResult>;
  /**
   * [S15] One atomic write: the meeting (refused as `createMeeting` refuses), its first log entries
   * (chained from the genesis head, as `append` chains them) and its first tokens. Refused, it writes
   * nothing; a crash leaves all of it or none.
   */
  createMeetingWithLog(meeting: MeetingRecord, entries: NewEntry[], tokens: TokenRecord[]): Promise<CreateMeetingWithLogResult>;
  getMeeting(meetingId: string): Promise<MeetingRecord | null>;
  findMeetingByJoinCode(joinCode: string): Promise<MeetingRecord | null>;
  setMeetingStatus(meetingId: string, status: MeetingRecord['status']): Promise<void>;

  putToken(token: TokenRecord): Promise<void>;
  /**
   * [S18] The joins of one group commit in one atomic write: `entries` appended as `append` appends
   * them (refused as `stale` the same way), `tokens` put as `putToken` puts them, and each join key
   * claimed for its participant. A key claimed already refuses the whole write (`claimed`, naming the
   * participant of every such key). Refused, it writes nothing.
   */
  appendJoins(meetingId: string, expected: Head, entries: NewEntry[], tokens: TokenRecord[], claims: JoinKeyClaim[]): Promise<AppendJoinsResult>;
  /** Looks a token up by the hash of its secret; use `hashToken` to compute it. */
  findToken(tokenHash: string): Promise<TokenRecord | null>;
  listTokens(meetingId: string): Promise<TokenRecord[]>;
  /** A meeting's token by its public id (download links name the token they were issued to). */
  getToken(meetingId: string, tokenId: string): Promise<TokenRecord | null>;
  revokeToken(meetingId: string, tokenId: string, at: number): Promise<boolean>;

  head(meetingId: string): Promise<Head>;
  /**
   * Appends entries only if the log is still at `expected` (seq and head hash). On success, and when
   * `commandKey` is given, the command's result `{ok:true, seq, result}` is remembered in the same atomic write.
   */
  append(meetingId: string, expected: Head, entries: NewEntry[], commandKey?: string, result?: CommandValue): Promise<AppendResult>;
  /** Entries with seq >= fromSeq, in order. */
  readLog(meetingId: string, fromSeq?: number): Promise<LogEntry[]>;
  verifyLog(meetingId: string): Promise<VerifyResult>;

  saveSnapshot(meetingId: string, snapshot: Snapshot): Promise<void>;
  loadSnapshot(meetingId: string): Promise<Snapshot | null>;

  getCommandResult(meetingId: string, commandKey: string): Promise<CommandResult | null>;
  /** Put-if-absent; returns whichever result was stored first. */
  putCommandResult(meetingId: string, commandKey: string, result: CommandResult): Promise<CommandResult>;

  appendDocUpdate(meetingId: string, docId: string, update: Uint8Array): Promise<void>;
  /**
   * [S20] A group commit: the updates appended in one atomic write (one SQLite transaction, one Redis
   * MULTI), in the order given, after everything appended before. Resolved, all of them survive the
   * process being killed; failed, none of them is stored. An empty list writes nothing. [S23] Against a
   * power cut: Redis as its other writes (AOF, `appendfsync always`); SQLite commits a group without
   * waiting for the disk and syncs it right after, off the event loop (`syncDocs` waits for that).
   */
  appendDocUpdates(meetingId: string, docId: string, updates: Uint8Array[], opts?: AppendDocOptions): Promise<void>;
  loadDocUpdates(meetingId: string, docId: string): Promise<Uint8Array[]>;
  /**
   * [S22] The stored updates in order (as `loadDocUpdates`), each with whether its writer checked it
   * (`appendDocUpdates` with `checked`, or a compaction of only such updates). Rows written without the
   * mark (by a store or server that predates it) answer `checked: false`.
   */
  loadDocRows(meetingId: string, docId: string): Promise<StoredDocUpdate[]>;
  /** [S23] Resolves once every document update appended so far is on disk (SQLite's WAL fsynced; Redis: at once). */
  syncDocs(): Promise<void>;
  /** [S17] The ids of the meeting's documents that have at least one stored update, sorted. */
  listDocs(meetingId: string): Promise<string[]>;
  /** Merges stored updates into one without losing any that arrive while it runs. */
  compactDoc(meetingId: string, docId: string): Promise<DocCompaction>;

  /**
   * [S21] Stores a named version's content, put-if-absent: a version is immutable, so a second put under
   * the same ids writes nothing. Answers whether this put stored it. The list of versions is the log's.
   */
  putDocVersion(meetingId: string, docId: string, versionId: string, content: Uint8Array): Promise<boolean>;
  /** [S21] A version's content byte for byte, or null when none is stored under these ids. */
  getDocVersion(meetingId: string, docId: string, versionId: string): Promise<Uint8Array | null>;

  /**
   * [S19] Deletes the meeting and everything stored for it in one atomic write: its record, log, head,
   * snapshot, command results, join keys, tokens (and their index), documents, and its join code when
   * the code still points at it. Answers whether there was anything to delete.
   */
  deleteMeeting(meetingId: string): Promise<boolean>;

  close(): Promise<void>;
}

/**
 * Seams for tests: a contract test uses them to make something happen at an exact point inside an
 * operation instead of hoping a race lands there. Production code passes none.
 */
export interface StoreHooks {
  /** Runs after `compactDoc` has read and merged a doc's updates and before it writes the result. */
  beforeCompactCommit?(meetingId: string, docId: string): Promise<void> | void;
}
