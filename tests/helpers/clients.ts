import { randomUUID } from 'node:crypto';
import type { EventMessage, MeetingState, MeetingStateJSON } from '@yishi/domain';
import { PROTOCOL_VERSION, type Ack, type CreateMeetingResponse, type EntriesMessage, type FeedEntry, type JoinResponse, type ProtocolError, type SnapshotMessage } from '@yishi/protocol';
import { io, type Socket } from 'socket.io-client';
import { MeetingFeed } from '../../web/src/lib/meeting/feed.ts';
import { postJson } from './servers.ts';
import { waitFor } from './wait.ts';

export async function createMeeting(url: string, body: Record<string, unknown> = { title: '滨河东里议事会' }): Promise<CreateMeetingResponse> {
  const res = await postJson<CreateMeetingResponse>(`${url}/api/meetings`, body);
  if (res.status !== 201) throw new Error(`create meeting: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function join(url: string, joinCode: string, name = '王阿姨', group = '居民'): Promise<JoinResponse> {
  const res = await postJson<JoinResponse>(`${url}/api/join`, { joinCode, name, group });
  if (res.status !== 201) throw new Error(`join: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export const commandId = () => `c-${randomUUID()}`;

/**
 * A socket.io-client that keeps the meeting state the way a phone does: the page's own MeetingFeed
 * (snapshot, then events folded with the same `evolve`, held while a snapshot is on its way, a
 * snapshot asked for on a gap and asked again while the server cannot answer).
 */
export class TestClient {
  readonly socket: Socket;
  events: EventMessage[] = [];
  /** `entries` messages received (each carries one or more log entries). */
  batches = 0;
  snapshots = 0;
  closing: { reason: string; error: ProtocolError }[] = [];
  connectError: (Error & { data?: ProtocolError }) | null = null;
  private readonly feed = new MeetingFeed({ changed: () => undefined, resync: () => this.requestSnapshot() });

  constructor(url: string, token: string, opts: { protocol?: number; extraHeaders?: Record<string, string>; autoConnect?: boolean } = {}) {
    this.socket = io(url, {
      auth: { token, protocol: opts.protocol ?? PROTOCOL_VERSION },
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      forceNew: true,
      autoConnect: opts.autoConnect ?? true,
      ...(opts.extraHeaders ? { extraHeaders: opts.extraHeaders } : {})
    });
    this.socket.on('connect', () => this.feed.expectSnapshot());
    this.socket.on('snapshot', (msg: SnapshotMessage<MeetingStateJSON>) => {
      this.snapshots++;
      this.feed.snapshot(msg.seq, msg.state);
    });
    this.socket.on('entries', ({ entries }: EntriesMessage) => {
      this.batches++;
      for (const entry of entries) if (!('skip' in entry)) this.events.push(entry as EventMessage);
      this.feed.entries(entries);
    });
    this.socket.on('closing', (msg: { reason: string; error: ProtocolError }) => this.closing.push(msg));
    this.socket.on('connect_error', (err: Error & { data?: ProtocolError }) => (this.connectError = err));
  }

  get state(): MeetingState | null {
    return this.feed.state;
  }

  get seq(): number {
    return this.feed.state?.seq ?? 0;
  }

  /** Asks for a snapshot as a phone does on a gap, and again a little later while the server cannot answer. */
  private requestSnapshot(attempt = 1): void {
    this.socket.timeout(10_000).emit('snapshot', {}, (err: Error | null, ack?: Ack) => {
      if (!this.feed.awaitingSnapshot || !this.socket.connected || (!err && ack?.ok)) return;
      const limited = !err && ack && !ack.ok && ack.error.code === 'rate_limited' ? (ack.error.retryAfterMs ?? 1_000) : null;
      setTimeout(() => this.feed.awaitingSnapshot && this.socket.connected && this.requestSnapshot(attempt + 1), limited ?? Math.min(100 * attempt, 1_000));
    });
  }

  async ready(): Promise<this> {
    await waitFor(() => this.state !== null, { what: 'first snapshot' });
    return this;
  }

  send(command: Record<string, unknown>, timeoutMs = 10_000): Promise<Ack> {
    return this.socket.timeout(timeoutMs).emitWithAck('cmd', { commandId: commandId(), ...command }) as Promise<Ack>;
  }

  sendRaw(payload: unknown, timeoutMs = 10_000): Promise<Ack> {
    return this.socket.timeout(timeoutMs).emitWithAck('cmd', payload) as Promise<Ack>;
  }

  async until(check: (state: MeetingState) => boolean, what = 'state'): Promise<MeetingState> {
    return waitFor(() => (this.state && check(this.state) ? this.state : null), { what });
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** A batch's entries one by one, as they were sent before batching: an event, or a skip per seq. */
export type Unbatched = { name: 'event'; msg: EventMessage } | { name: 'skip'; msg: { seq: number } };
export function unbatch(entries: readonly FeedEntry[]): Unbatched[] {
  return entries.flatMap((e): Unbatched[] =>
    'skip' in e ? Array.from({ length: e.to - e.skip + 1 }, (_, i) => ({ name: 'skip', msg: { seq: e.skip + i } })) : [{ name: 'event', msg: e as EventMessage }]
  );
}

export async function connected(url: string, token: string): Promise<TestClient> {
  return new TestClient(url, token).ready();
}

/** Resolves with the typed error of a refused connection. */
export async function refusedWith(client: TestClient): Promise<ProtocolError | undefined> {
  const err = await waitFor(() => client.connectError, { what: 'connect_error' });
  client.close();
  return err.data;
}

/** A board or secretary link made by the facilitator; returns its token. */
export async function createLink(url: string, meetingId: string, facilitatorToken: string, role: 'board' | 'secretary' = 'board'): Promise<string> {
  const res = await fetch(`${url}/api/meetings/${meetingId}/links`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${facilitatorToken}` },
    body: JSON.stringify({ role })
  });
  if (res.status !== 201) throw new Error(`create link: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/**
 * Creates a document in a meeting over the socket, as the desk does (`document.create`), and returns the
 * id the server made. The token must be staff's; the meeting is the token's own.
 */
export async function createDocument(
  url: string,
  meetingId: string,
  token: string,
  kind: 'charter' | 'notes' | 'minutesDraft' | 'workflow' | 'orgChart' | 'zoning' = 'charter',
  title = '章程',
  access: 'everyone' | 'named' | 'readonly' = 'everyone',
  editors: string[] = []
): Promise<string> {
  const client = await connected(url, token);
  try {
    if (client.state?.meetingId !== meetingId) throw new Error(`create document: the token is not of meeting ${meetingId}`);
    const ack = await client.send({ type: 'document.create', kind, title, access, editors });
    if (!ack.ok) throw new Error(`create document: ${JSON.stringify(ack.error)}`);
    return ack.result!.docId as string;
  } finally {
    client.close();
  }
}

/** Creates one document per name (kind `charter`, everyone edits) with the facilitator's token; returns their ids by name. */
export async function createDocuments<N extends string>(url: string, m: { meetingId: string; facilitatorToken: string }, names: readonly N[]): Promise<Record<N, string>> {
  const client = await connected(url, m.facilitatorToken);
  try {
    const ids = {} as Record<N, string>;
    for (const name of names) {
      const ack = await client.send({ type: 'document.create', kind: 'charter', title: name, access: 'everyone', editors: [] });
      if (!ack.ok) throw new Error(`create document ${name}: ${JSON.stringify(ack.error)}`);
      ids[name] = ack.result!.docId as string;
    }
    return ids;
  } finally {
    client.close();
  }
}
