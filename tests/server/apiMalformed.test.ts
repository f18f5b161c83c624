import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_KINDS, startBackend, startProcess, type Backend, type ServerProcess } from '../helpers/servers.ts';

/** Writes raw bytes and collects what comes back until the server closes the connection (bounded). */
function raw(port: number, bytes: string | Buffer, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    // A request the server answers and keeps open (keep-alive) ends here; the bound is not a sleep-and-hope.
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (/\r\n\r\n/.test(out) && !/^HTTP\/1\.1 101/.test(out)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes);
  });
}

const upgrade = (target: string, extra = '') =>
  `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

/** Targets `new URL` throws on: each must be answered 400, as a plain request and as an upgrade. */
const BAD_TARGETS = ['//[', '//%', 'http://[::1', 'http://[::1/api/join/1', '//[/yjs/a/b', 'http://x:99999/', 'http://%/healthz', '//[::1'];

const CORPUS: [string, string | Buffer][] = [
  ...BAD_TARGETS.map((t): [string, string] => [`GET ${t}`, `GET ${t} HTTP/1.1\r\nHost: x\r\n\r\n`]),
  ...BAD_TARGETS.map((t): [string, string] => [`upgrade ${t}`, upgrade(t)]),
  ['bad percent-encoding in a join code', 'GET /api/join/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['a lone percent', 'GET /api/join/% HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['absolute-form target', 'GET http://example.com/api/join/%FF HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['absolute-form healthz', 'GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['asterisk-form', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['authority-form', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'],
  ['bad link id', 'DELETE /api/meetings/abcdefgh/links/%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %\r\n\r\n'],
  ['NUL in the target', Buffer.from('GET /api/join/\u0000 HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1')],
  ['NUL in a header', Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\u0000y\r\n\r\n', 'latin1')],
  ['bad Host', 'GET /healthz HTTP/1.1\r\nHost: [::1\r\n\r\n'],
  ['two Hosts', 'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
  ['no Host', 'GET /api/join/123456 HTTP/1.1\r\n\r\n'],
  ['huge header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`],
  ['many headers', `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-${i}: y\r\n`).join('')}\r\n`],
  ['bad X-Forwarded-For', 'POST /api/join HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: [[[, %, \u00ff\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'],
  ['negative Content-Length', 'POST /api/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n'],
  ['Content-Length not a number', 'POST /api/meetings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n'],
  ['bad chunk', 'POST /api/meetings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
  ['body cut short', 'POST /api/meetings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title":'],
  ['not HTTP', '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003'],
  ['bare newline request line', 'GET /healthz\n\n'],
  ['upgrade with a bad percent in yjs', upgrade('/yjs/%/%?token=%')],
  ['upgrade with a bad socket.io query', upgrade('/socket.io/?EIO=4&transport=websocket&x=%')],
  ['upgrade absolute-form to socket.io', upgrade('http://[::1/socket.io/?EIO=4&transport=websocket')],
  ['upgrade with a bad Host', upgrade('/yjs/a/b', 'Host: [::1\r\n')],
  ['upgrade to nothing', upgrade('/nowhere')],
  ['upgrade with an unknown protocol', 'GET /yjs/a/b HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n']
];

describe.each(STORE_KINDS)('malformed requests on %s (the server as its own process)', (kind) => {
  let backend: Backend;
  let server: ServerProcess;
  let exited = false;
  beforeAll(async () => {
    backend = await startBackend(kind);
    server = await startProcess(backend.env);
    void server.exited.then(() => (exited = true));
  }, 30_000);
  afterAll(async () => {
    if (server && !exited) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await backend?.dispose();
  });

  it('answers a bad request target with 400, as a request and as an upgrade', async () => {
    for (const target of BAD_TARGETS) {
      expect(await raw(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`), target).toMatch(/^HTTP\/1\.1 400 /);
      expect(await raw(server.port, upgrade(target)), `upgrade ${target}`).toMatch(/^HTTP\/1\.1 400 /);
    }
  });

  it('stays up through every malformed request line and header in the corpus', async () => {
    for (const [what, bytes] of CORPUS) {
      const answer = await raw(server.port, bytes);
      // A 5xx would mean an exception reached a handler's catch-all: the request was not parsed safely.
      expect(answer, what).not.toMatch(/^HTTP\/1\.1 5/);
      expect(exited, `${what}: the process exited\n${server.output()}`).toBe(false);
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status, what).toBe(200);
    }
    expect(server.output()).not.toMatch(/Invalid URL|URIError|uncaught/i);
    // Bad input is the client's error, not the server's: nothing was logged at level error (50) or above.
    expect(server.output()).not.toMatch(/"level":(50|60)/);
  });
});
