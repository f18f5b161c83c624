/**
 * The floor for co-editing: a bare `@y/websocket-server` (its own `setupWSConnection`, in memory) on an
 * HTTP server, as its README runs it. No auth, no validation, no store, no relay. Prints
 * `{"port":N}` once it listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';

const wss = new WebSocketServer({ noServer: true });
wss.on('connection', setupWSConnection);
const server = createServer((_req, res) => res.writeHead(200).end('okay'));
server.on('upgrade', (request, socket, head) => wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on('SIGTERM', () => process.exit(0));
