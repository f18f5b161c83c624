import { afterEach, describe, expect, it } from 'vitest';
import { createDocument, createMeeting } from '../helpers/clients.ts';
import { yjsClient } from '../helpers/yjs.ts';
import { STORE_KINDS, startBackend, startProcess, type ServerProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

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

/** Editors and edits: each editor stays within its connection's burst allowance (150 tokens). */
const EDITORS = 16;
const EDITS_EACH = 130;

/** One distinct character per edit, so every edit can be found in the loaded text. */
const mark = (editor: number, edit: number) => String.fromCharCode(0x4e00 + editor * EDITS_EACH + edit);

describe.each(STORE_KINDS)('Yjs durable before relayed, on %s', (kind) => {
  it(`keeps all ${EDITORS * EDITS_EACH} small edits when the server is killed with SIGKILL as soon as every editor has seen every edit`, async () => {
    const backend = await startBackend(kind);
    cleanups.push(() => backend.dispose());
    const first = await launch(backend.env);
    const m = await createMeeting(first.url);
    const charter = await createDocument(first.url, m.meetingId, m.facilitatorToken);
    const editors = Array.from({ length: EDITORS }, () => yjsClient(first.url, m.meetingId, charter, m.facilitatorToken));
    cleanups.push(async () => editors.forEach((e) => e.provider.destroy()));
    await Promise.all(editors.map((e) => e.synced()));

    const total = EDITORS * EDITS_EACH;
    const started = performance.now();
    // Every editor types at once: one small update per character, sent as it is typed.
    for (let j = 0; j < EDITS_EACH; j++) {
      for (let i = 0; i < EDITORS; i++) {
        const text = editors[i]!.doc.getText('body');
        text.insert(j % 2 === 0 ? 0 : text.length, mark(i, j));
      }
    }
    const typed = performance.now();
    // The moment every editor holds every edit (each one relayed to the others), the server dies.
    await waitFor(() => editors.every((e) => e.doc.getText('body').length === total), { what: 'every editor has every edit', intervalMs: 1, timeoutMs: 30_000 });
    first.child.kill('SIGKILL');
    const seen = performance.now();
    for (const e of editors) e.provider.shouldConnect = false;
    expect((await first.exited).signal).toBe('SIGKILL');
    for (const e of editors) e.provider.destroy();
    console.log(`[${kind}] ${total} edits typed in ${(typed - started).toFixed(0)} ms; every editor had every edit ${(seen - typed).toFixed(0)} ms after the last was typed; SIGKILL then`);

    const second = await launch(backend.env);
    const fresh = yjsClient(second.url, m.meetingId, charter, m.facilitatorToken);
    cleanups.push(async () => fresh.provider.destroy());
    await fresh.synced();
    const loaded = fresh.doc.getText('body').toString();
    const missing: string[] = [];
    for (let i = 0; i < EDITORS; i++) for (let j = 0; j < EDITS_EACH; j++) if (!loaded.includes(mark(i, j))) missing.push(`${i}:${j}`);
    expect(missing).toEqual([]);
    expect(loaded.length).toBe(total);
    // And it is the very text every editor held.
    expect(loaded).toBe(editors[0]!.doc.getText('body').toString());
  }, 60_000);
});
