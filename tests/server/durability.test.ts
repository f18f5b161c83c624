import { afterEach, describe, expect, it } from 'vitest';
import { connected, createDocuments, createMeeting, join } from '../helpers/clients.ts';
import { yjsClient } from '../helpers/yjs.ts';
import { STORE_KINDS, startBackend, startProcess, type ServerProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { loadConfig } from '@yishi/realtime-server';

/** Two server processes started one after the other: each may take a while to load on a busy machine. */
const PROCESS_TEST_MS = 120_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function launch(env: Record<string, string>): Promise<ServerProcess> {
  const p = await startProcess(env);
  cleanups.push(async () => {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  });
  return p;
}

async function postTopics(url: string, token: string, titles: string[]): Promise<string[]> {
  const fac = await connected(url, token);
  const acked: string[] = [];
  expect((await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).ok).toBe(true);
  for (const title of titles) {
    const ack = await fac.send({ type: 'topic.postFor', title, convenerName: '赵师傅' });
    if (ack.ok) acked.push(title);
  }
  fac.socket.io.reconnection(false);
  return acked;
}

async function titlesAfterRestart(url: string, token: string): Promise<string[]> {
  const fac = await connected(url, token);
  const titles = [...fac.state!.topics.values()].map((t) => t.title);
  fac.close();
  return titles.sort();
}

describe.each(STORE_KINDS)('durability on %s', (kind) => {
  it('keeps every acked topic when the server is killed with SIGKILL in the middle of a stream of posts', async () => {
    const backend = await startBackend(kind);
    cleanups.push(() => backend.dispose());
    const first = await launch({ ...backend.env, LOG_LEVEL: 'debug', COMMAND_BURST: '1000' });
    const m = await createMeeting(first.url);
    const p = await join(first.url, m.joinCode);
    const fac = await connected(first.url, m.facilitatorToken);
    fac.socket.io.reconnection(false);
    expect((await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).ok).toBe(true);
    // Fire many posts without waiting; kill the server as soon as ten of them are acked.
    const acked: string[] = [];
    const posts = Array.from({ length: 200 }, (_, i) =>
      fac.send({ type: 'topic.postFor', title: `议题${i}`, convenerName: '赵师傅' }, 5_000).then(
        (ack) => {
          if (ack.ok) acked.push(`议题${i}`);
          if (acked.length === 10) first.child.kill('SIGKILL');
        },
        () => undefined
      )
    );
    await Promise.all(posts);
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(10);
    // Tokens never reach the logs, even at debug level.
    for (const secret of [m.facilitatorToken, m.recoveryCode, p.token]) expect(first.output()).not.toContain(secret);

    const second = await launch(backend.env);
    const stored = await titlesAfterRestart(second.url, m.facilitatorToken);
    for (const title of acked) expect(stored).toContain(title);
  });

  it('keeps every acked Yjs update when the server stops with SIGTERM', async () => {
    const backend = await startBackend(kind);
    cleanups.push(() => backend.dispose());
    const first = await launch(backend.env);
    const m = await createMeeting(first.url);
    const docIds = await createDocuments(first.url, m, ['charter']);
    const { provider: prov, doc, synced } = yjsClient(first.url, m.meetingId, docIds.charter, m.facilitatorToken);
    await synced();
    const text = doc.getText('body');
    for (let i = 0; i < 50; i++) text.insert(text.length, `第${i}条。`);
    // Wait until the server has every update in memory (its sync reply covers our state), then stop it.
    const expected = text.toString();
    const { provider: watcher, doc: probe } = yjsClient(first.url, m.meetingId, docIds.charter, m.facilitatorToken);
    await waitFor(() => probe.getText('body').toString() === expected, { what: 'server holds all updates' });
    watcher.destroy();
    prov.shouldConnect = false;
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    prov.destroy();

    const second = await launch(backend.env);
    const { provider: reader, doc: again, synced: readerSynced } = yjsClient(second.url, m.meetingId, docIds.charter, m.facilitatorToken);
    await readerSynced();
    expect(again.getText('body').toString()).toBe(expected);
    reader.destroy();
  }, PROCESS_TEST_MS);

  if (kind === 'redis') {
    it('keeps every acked topic when redis-server is killed with SIGKILL (AOF, appendfsync always)', async () => {
      const backend = await startBackend('redis');
      cleanups.push(() => backend.dispose());
      const server = await launch(backend.env);
      const m = await createMeeting(server.url);
      const acked = await postTopics(server.url, m.facilitatorToken, Array.from({ length: 15 }, (_, i) => `红${i}`));
      await backend.redis!.kill('SIGKILL');
      await backend.redis!.restart();
      // The running node reconnects to the restarted redis (a connection refused meanwhile is tried
      // again); a fresh node reads the same.
      const seenByRunningNode = await waitFor(() => titlesAfterRestart(server.url, m.facilitatorToken), { what: 'the running node serves the meeting again' });
      expect(seenByRunningNode).toEqual(acked.sort());
      const fresh = await launch(backend.env);
      expect(await titlesAfterRestart(fresh.url, m.facilitatorToken)).toEqual(acked.sort());
    }, PROCESS_TEST_MS);
  }
});

describe('configuration', () => {
  // Each setting's refusal is read in this process (loadConfig is what main.ts calls first); one
  // bad setting is then started as a real process, to see the message and the non-zero exit.
  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ REDIS_URL: 'http://nope' }, /REDIS_URL must be a redis:\/\//],
    [{ PUBLIC_URL: 'not a url' }, /PUBLIC_URL must be an http\(s\) URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY must be an integer/],
    [{ ALLOWED_ORIGINS: 'ftp://x' }, /ALLOWED_ORIGINS must be an http\(s\) URL/],
    [{ NODE_ID: 'hall one' }, /NODE_ID must be up to 64 letters/]
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', ...env })).toThrow(message);
  });

  it('a process started with a bad setting prints the message and exits non-zero', async () => {
    const p = startProcess({ PORT: 'abc' });
    await expect(p).rejects.toThrow(/PORT must be an integer/);
    await expect(p).rejects.toThrow(/server exited \(code [1-9]/);
  }, 90_000);
});
