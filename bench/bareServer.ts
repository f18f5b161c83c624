/**
 * The floor Yishi stands on: a bare Socket.IO server on the same engine and transport that only
 * broadcasts what it receives to one room. No auth, no validation, no store, no projection.
 *
 * For the join storm (bench/joinStorm.ts) it also answers `POST /api/join` with a token, as Yishi
 * does, and, when BARE_SNAPSHOT_BYTES is set, sends each new connection a `snapshot` of about that
 * size (a roster-shaped object, so encoding it costs what encoding Yishi's costs). Nothing is stored.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const SNAPSHOT_BYTES = Number(process.env.BARE_SNAPSHOT_BYTES ?? 0);

/** Participants like Yishi's, as many as make about `bytes` of JSON. */
function rosterOf(bytes: number): Record<string, unknown> {
  const participants: Record<string, unknown> = {};
  for (let i = 0; JSON.stringify(participants).length < bytes; i++) {
    const id = randomBytes(8).toString('base64url');
    participants[id] = { id, name: `居民${i}`, group: '居民', joinedAt: Date.now(), order: i + 2, removed: false, amendedAfterEnd: false };
  }
  return participants;
}
const snapshotState = SNAPSHOT_BYTES > 0 ? { view: 'public', seq: 1, participants: rosterOf(SNAPSHOT_BYTES) } : null;

const http = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/join') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let ok = false;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name?: unknown };
      ok = typeof body.name === 'string';
    } catch {
      ok = false;
    }
    const text = JSON.stringify(ok ? { meetingId: 'bare', participantId: randomBytes(12).toString('base64url'), token: randomBytes(24).toString('base64url') } : { error: { code: 'invalid' } });
    res.writeHead(ok ? 201 : 400, { 'content-type': 'application/json; charset=utf-8' }).end(text);
  });
});
const io = new Server(http, { serveClient: false, maxHttpBufferSize: 1024 * 1024 });
let seq = 0;

io.on('connection', (socket) => {
  void socket.join('room');
  if (snapshotState) socket.emit('snapshot', { protocol: 0, meetingId: 'bare', seq, state: snapshotState });
  socket.on('cmd', (payload: unknown, ack: unknown) => {
    seq++;
    io.to('room').emit('event', { seq, event: payload });
    if (typeof ack === 'function') (ack as (a: unknown) => void)({ ok: true, seq });
  });
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'bare listening', port: (http.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  void io.close();
  process.exit(0);
});
