/**
 * The floor Yishi stands on: a bare Socket.IO server on the same engine and transport that only
 * broadcasts what it receives to one room. No auth, no validation, no store, no projection.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { serveClient: false, maxHttpBufferSize: 1024 * 1024 });
let seq = 0;

io.on('connection', (socket) => {
  void socket.join('room');
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
