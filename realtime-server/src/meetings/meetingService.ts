import { commandResult, decide, evolve, fromStoredState, replay, toStoredState, type Command, type LogEntry, type MeetingState, type NewEntry } from '@yishi/domain';
import { protocolError, type Actor, type CommandValue, type LogEntry as StoredEntry, type ProtocolError } from '@yishi/protocol';
import type { CommandResult, Head, JoinKeyClaim, MeetingRecord, Store, TokenRecord } from '@yishi/store';
import { genesisHash } from '@yishi/store';
import type { Logger } from '../logger.ts';
import { newId } from '../secrets.ts';

/** What a command's ack says: its seq and, where its feature declares one, its result (the same on a retry). */
export type ExecuteResult = { ok: true; seq: number; result?: CommandValue } | { ok: false; error: ProtocolError };

interface Loaded {
  state: MeetingState | null;
  head: Head;
  snapshotSeq: number;
}

export interface CommittedEntry {
  entry: LogEntry;
  before: MeetingState;
  after: MeetingState;
}

export type CommitListener = (meetingId: string, committed: CommittedEntry[]) => void;

/** A phone joining (`POST /api/join`). */
export interface JoinRequest {
  name: string;
  group: string;
  /** The hash of the phone's join key, or null: with one, a retry gets the participant of the first attempt. */
  keyHash: string | null;
  /** The session token to store for the participant (its `participantId` is filled in). */
  token: TokenRecord;
}

export type JoinResult = { ok: true; participantId: string } | { ok: false; error: ProtocolError };

interface PendingJoin {
  request: JoinRequest;
  resolve: (result: JoinResult) => void;
  reject: (err: unknown) => void;
}

const MAX_ATTEMPTS = 50;
/** Upper bound of the random pause after a lost race, so two busy nodes do not keep colliding. */
const MAX_BACKOFF_MS = 50;
/** Joins committed in one write at most; a bigger crowd waits for the next. */
const MAX_JOIN_BATCH = 200;
/** Meetings kept in memory; the least recently used beyond this are reloaded from the store on demand. */
const MAX_CACHED_MEETINGS = 500;

/**
 * The command path: decide on the current state, append atomically at the head that decision was
 * made on, and only then report success. State is cached per meeting, but the cache is never trusted
 * for correctness: the store's compare-and-set on (seq, head hash) refuses an append decided on a stale
 * log, and then the tail is reloaded and the command decided again. So several nodes can share a meeting.
 */
export class MeetingService {
  private readonly cache = new Map<string, Loaded>();
  private readonly loading = new Map<string, Promise<Loaded>>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<CommitListener>();
  /** Per meeting: joins waiting for the meeting's queue; the next turn takes them all (group commit). */
  private readonly joins = new Map<string, PendingJoin[]>();
  /** Appends refused because another writer moved the log first, each followed by a fresh decision. */
  staleRetries = 0;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly opts: { snapshotEvery: number; now?: () => number } = { snapshotEvery: 100 }
  ) {}

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The meeting's current state, refreshed from the store's tail. Not queued behind this node's
   * commands: reads (authentication, snapshots) do not wait for a hall's joins to be written. It may
   * run alongside a write; the cache is only moved on from what it held when the read began.
   */
  async current(meetingId: string): Promise<Loaded> {
    return this.refresh(meetingId);
  }

  /** Drops the meeting's cached state (it was deleted): a later read finds what the store holds. */
  forget(meetingId: string): void {
    this.cache.delete(meetingId);
  }

  /**
   * A phone joins. Joins that arrive while the meeting's queue is busy are committed together in its
   * next turn: each decided in order on the state the ones before it made, and all of them, their
   * tokens and their join keys written at once (`appendJoins`). Each is answered on its own, and only
   * once that write is durable.
   */
  join(meetingId: string, request: JoinRequest): Promise<JoinResult> {
    return new Promise<JoinResult>((resolve, reject) => {
      let pending = this.joins.get(meetingId);
      if (!pending) {
        pending = [];
        this.joins.set(meetingId, pending);
        // Next turn of the event loop: every join whose request was read in this one rides along (a
        // SQLite write blocks the loop, so the requests that came in meanwhile are all read at once).
        setImmediate(() => this.scheduleJoins(meetingId));
      }
      pending.push({ request, resolve, reject });
    });
  }

  private scheduleJoins(meetingId: string): void {
    void this.serial(meetingId, async () => {
      const pending = this.joins.get(meetingId) ?? [];
      const batch = pending.splice(0, MAX_JOIN_BATCH);
      // Joins arriving from now on wait for the next turn; a crowd beyond one batch has one already.
      if (pending.length === 0) this.joins.delete(meetingId);
      else this.scheduleJoins(meetingId);
      try {
        const results = await this.commitJoins(meetingId, batch.map((j) => j.request));
        batch.forEach((j, i) => j.resolve(results[i]!));
      } catch (err) {
        for (const j of batch) j.reject(err);
      }
    });
  }

  private async commitJoins(meetingId: string, requests: JoinRequest[]): Promise<JoinResult[]> {
    /** Join keys the store said were claimed already, with their participants. */
    const claimedBefore = new Map<string, string>();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const loaded = await this.refresh(meetingId);
      const now = this.opts.now?.() ?? Date.now();
      let state = loaded.state;
      let seq = loaded.head.seq;
      const entries: NewEntry[] = [];
      const states: { before: MeetingState; after: MeetingState }[] = [];
      const tokens: TokenRecord[] = [];
      const claims: JoinKeyClaim[] = [];
      const claimedHere = new Map<string, string>();
      const results = requests.map((req): JoinResult => {
        const claimed = req.keyHash === null ? undefined : (claimedBefore.get(req.keyHash) ?? claimedHere.get(req.keyHash));
        const participantId = claimed ?? newId();
        const admit = (): JoinResult => {
          tokens.push({ ...req.token, participantId });
          return { ok: true, participantId };
        };
        // Only a key claimed before (a retry) can name someone who has joined already; one who was
        // removed gets no way back in this way.
        const present = claimed === undefined ? undefined : state?.participants.get(claimed);
        if (present?.removed) return { ok: false, error: protocolError('forbidden', 'this participant was removed from the meeting') };
        if (present) return admit();
        // A refused join claims its key as well: the store then says whether the key was claimed
        // before, so the retry of a join that did go in (refused now that joining has closed) is
        // recognised and let back in.
        if (req.keyHash !== null && claimed === undefined) {
          claims.push({ keyHash: req.keyHash, participantId });
          claimedHere.set(req.keyHash, participantId);
        }
        const actor: Actor = { role: 'participant', participantId };
        const decision = decide(state, { type: 'participant.join', participantId, name: req.name, group: req.group }, actor, { now, newId });
        if (!decision.ok) return decision;
        for (const event of decision.events) {
          const entry: NewEntry = { at: now, actor, commandId: null, event };
          // Numbered as the store will number it (S3), so the state is folded once, here.
          const after = evolve(state, { ...entry, seq: ++seq });
          entries.push(entry);
          states.push({ before: state ?? after, after });
          state = after;
        }
        return admit();
      });
      if (tokens.length === 0 && claims.length === 0) return results;
      const written = await this.store.appendJoins(meetingId, loaded.head, entries, tokens, claims);
      if (written.ok) {
        const committed = meetingEntries(written.entries).map((entry, i) => ({ entry, ...states[i]! }));
        this.remember(meetingId, { state, head: written.head, snapshotSeq: loaded.snapshotSeq });
        if (committed.length > 0) {
          this.publish(meetingId, committed);
          this.maybeSnapshot(meetingId);
        }
        return results;
      }
      if (written.reason === 'claimed') {
        // Retries of joins already written (by another node, or an earlier request): decide again with their participants.
        for (const c of written.claims) claimedBefore.set(c.keyHash, c.participantId);
        continue;
      }
      this.staleRetries++;
      this.log.debug({ meetingId, attempt, head: written.head.seq }, 'stale join commit, deciding again');
      await backoff(attempt);
    }
    this.log.error({ meetingId }, 'could not commit joins after repeated conflicts');
    return requests.map(() => ({ ok: false, error: protocolError('conflict', 'the meeting is too busy, try again') }));
  }

  /**
   * Creates a meeting: decides `meeting.create` on no state and hands the events, with the meeting
   * record and its first tokens, to one store write, so a crash leaves the whole meeting or none of
   * it. `taken` when the record's join code belongs to a live meeting (pick another and call again).
   */
  async create(record: MeetingRecord, command: Extract<Command, { type: 'meeting.create' }>, actor: Actor, tokens: TokenRecord[]): Promise<ExecuteResult | { ok: false; taken: true }> {
    return this.serial(record.meetingId, async () => {
      const now = this.opts.now?.() ?? Date.now();
      const decision = decide(null, command, actor, { now, newId });
      if (!decision.ok) return decision;
      const entries = decision.events.map((event) => ({ at: now, actor, commandId: null, event }));
      const created = await this.store.createMeetingWithLog(record, entries, tokens);
      if (!created.ok) {
        if (created.reason === 'join_code_taken') return { ok: false, taken: true };
        return { ok: false, error: protocolError('conflict', 'the meeting already exists') };
      }
      const genesis: Loaded = { state: null, head: { seq: 0, hash: genesisHash(record.meetingId) }, snapshotSeq: 0 };
      this.publish(record.meetingId, this.apply(record.meetingId, genesis, meetingEntries(created.entries), created.head));
      return { ok: true, seq: created.head.seq };
    });
  }

  /** Runs a command: idempotent per `commandKey`, serialised per meeting on this node. */
  async execute(meetingId: string, command: Command, actor: Actor, commandKey: string | null): Promise<ExecuteResult> {
    return this.serial(meetingId, () => this.executeNow(meetingId, command, actor, commandKey));
  }

  private async executeNow(meetingId: string, command: Command, actor: Actor, commandKey: string | null): Promise<ExecuteResult> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const loaded = await this.refresh(meetingId);
      // Checked after the refresh: a result is stored atomically with its events, so a command that
      // another node appended before our read is seen here, and one appended after it makes our
      // append stale, which brings us back here.
      if (commandKey) {
        const seen = await this.store.getCommandResult(meetingId, commandKey);
        if (seen) return asExecuteResult(seen);
      }
      const now = this.opts.now?.() ?? Date.now();
      const decision = decide(loaded.state, command, actor, { now, newId });
      if (!decision.ok) {
        if (!commandKey) return decision;
        return asExecuteResult(await this.store.putCommandResult(meetingId, commandKey, decision));
      }
      const commandId = 'commandId' in command ? command.commandId : null;
      const entries = decision.events.map((event) => ({ at: now, actor, commandId, event }));
      const result = commandResult(command.type, decision.events);
      // The result is stored with the events, so a retry of this command is answered with it too.
      const appended = await this.store.append(meetingId, loaded.head, entries, commandKey ?? undefined, result);
      if (appended.ok) {
        const committed = this.apply(meetingId, loaded, meetingEntries(appended.entries), appended.head);
        this.publish(meetingId, committed);
        this.maybeSnapshot(meetingId);
        return result === undefined ? { ok: true, seq: appended.head.seq } : { ok: true, seq: appended.head.seq, result };
      }
      // Another writer (a node, or a retry of this very command) got there first: decide again.
      this.staleRetries++;
      this.log.debug({ meetingId, attempt, head: appended.head.seq }, 'stale append, deciding again');
      await backoff(attempt);
    }
    this.log.error({ meetingId }, 'could not append after repeated conflicts');
    return { ok: false, error: protocolError('conflict', 'the meeting is too busy, try again') };
  }

  private apply(meetingId: string, loaded: Loaded, entries: LogEntry[], head: Head): CommittedEntry[] {
    const committed: CommittedEntry[] = [];
    let state = loaded.state;
    for (const entry of entries) {
      const after = evolve(state, entry);
      // `before` of the very first event (meeting.created) is the state it creates.
      committed.push({ entry, before: state ?? after, after });
      state = after;
    }
    this.remember(meetingId, { state, head, snapshotSeq: loaded.snapshotSeq });
    return committed;
  }

  private publish(meetingId: string, committed: CommittedEntry[]): void {
    for (const listener of this.listeners) {
      try {
        listener(meetingId, committed);
      } catch (err) {
        this.log.error({ err, meetingId }, 'commit listener failed');
      }
    }
  }

  /** Loads the meeting (snapshot + tail) or brings the cached state up to the store's head. */
  private async refresh(meetingId: string): Promise<Loaded> {
    const cached = this.cache.get(meetingId);
    if (!cached) return this.loadOnce(meetingId);
    const tail = meetingEntries(await this.store.readLog(meetingId, cached.head.seq + 1));
    if (tail.length === 0) return cached;
    const last = tail[tail.length - 1]!;
    const next: Loaded = { state: replay(tail, cached.state), head: { seq: last.seq, hash: last.hash }, snapshotSeq: cached.snapshotSeq };
    // A read running alongside another (`current` is not queued) never moves the cache back.
    if (this.cache.get(meetingId) === cached) this.remember(meetingId, next);
    return next;
  }

  private loadOnce(meetingId: string): Promise<Loaded> {
    let p = this.loading.get(meetingId);
    if (!p) {
      p = this.loadFromStore(meetingId).finally(() => this.loading.delete(meetingId));
      this.loading.set(meetingId, p);
    }
    return p;
  }

  private async loadFromStore(meetingId: string): Promise<Loaded> {
    const stored = await this.store.loadSnapshot(meetingId);
    const from = stored ? fromStoredState(stored.state) : null;
    // A snapshot of another state format (an older Yishi wrote it) is ignored: the log rebuilds the state.
    if (stored && !from) this.log.info({ meetingId, seq: stored.seq }, 'snapshot in another state format ignored; replaying the log');
    const snapshot = from ? stored : null;
    const tail = meetingEntries(await this.store.readLog(meetingId, (snapshot?.seq ?? 0) + 1));
    const last = tail[tail.length - 1];
    const head: Head = last ? { seq: last.seq, hash: last.hash } : snapshot ? { seq: snapshot.seq, hash: snapshot.hash } : { seq: 0, hash: genesisHash(meetingId) };
    // With no usable snapshot the next command writes one (in this format) once the log is long enough.
    const loaded: Loaded = { state: replay(tail, from), head, snapshotSeq: snapshot?.seq ?? 0 };
    this.remember(meetingId, loaded);
    return loaded;
  }

  /** Caches a meeting as the most recently used, dropping the least recently used idle ones. */
  private remember(meetingId: string, loaded: Loaded): void {
    this.cache.delete(meetingId);
    this.cache.set(meetingId, loaded);
    if (this.cache.size <= MAX_CACHED_MEETINGS) return;
    for (const id of this.cache.keys()) {
      if (this.cache.size <= MAX_CACHED_MEETINGS) break;
      if (!this.queues.has(id)) this.cache.delete(id);
    }
  }

  private maybeSnapshot(meetingId: string): void {
    const loaded = this.cache.get(meetingId);
    if (!loaded?.state || loaded.head.seq - loaded.snapshotSeq < this.opts.snapshotEvery) return;
    loaded.snapshotSeq = loaded.head.seq;
    this.store
      .saveSnapshot(meetingId, { seq: loaded.head.seq, hash: loaded.head.hash, state: toStoredState(loaded.state) })
      .catch((err: unknown) => this.log.warn({ err, meetingId }, 'snapshot failed; the log is still complete'));
  }

  private serial<T>(meetingId: string, task: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(meetingId) ?? Promise.resolve();
    const run = prev.then(task, task);
    const tail = run.then(
      () => undefined,
      () => undefined
    );
    this.queues.set(meetingId, tail);
    void tail.then(() => {
      if (this.queues.get(meetingId) === tail) this.queues.delete(meetingId);
    });
    return run;
  }
}

/** Full jitter, growing with the attempt: the node that just lost lets the winner's burst pass. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A remembered result, as it was first answered (it was a ProtocolError when it was stored). */
function asExecuteResult(result: CommandResult): ExecuteResult {
  if (result.ok) return result.result === undefined ? { ok: true, seq: result.seq } : { ok: true, seq: result.seq, result: result.result };
  return { ok: false, error: result.error as ProtocolError };
}

/**
 * The store keeps events as opaque JSON (it knows no domain rules); a meeting's log holds only events
 * that `decide` produced and the store chained, so read back they are the meeting's events.
 */
function meetingEntries(entries: StoredEntry[]): LogEntry[] {
  return entries as LogEntry[];
}
