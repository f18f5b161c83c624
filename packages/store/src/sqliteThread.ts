/**
 * The worker side of `openSqliteStoreInWorker`: opens the embedded store in this thread and runs every
 * call the main thread posts, one message at a time, in the order they came.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { StoreHooks } from './port.ts';
import { openSqliteStore } from './sqlite.ts';
import type { ThreadCall, ThreadMessage } from './sqliteWorker.ts';

const port = parentPort!;
const { dataDir } = workerData as { dataDir: string };

let nextHook = 0;
const hookReplies = new Map<number, { resolve(): void; reject(err: Error): void }>();
/** A test's hook runs on the main thread, which holds it; the store here waits for its answer. */
const hooks: StoreHooks = {
  beforeCompactCommit: (meetingId, docId) =>
    new Promise<void>((resolve, reject) => {
      const id = nextHook++;
      hookReplies.set(id, { resolve, reject });
      port.postMessage({ kind: 'hook', id, name: 'beforeCompactCommit', args: [meetingId, docId] } satisfies ThreadMessage);
    })
};

const store = await openSqliteStore(dataDir, { hooks });

port.on('message', (msg: ThreadCall) => {
  if (msg.kind === 'hookDone') {
    const waiting = hookReplies.get(msg.id);
    hookReplies.delete(msg.id);
    if (msg.error) waiting?.reject(Object.assign(new Error(msg.error.message), msg.error));
    else waiting?.resolve();
    return;
  }
  const method = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[msg.method];
  if (typeof method !== 'function') {
    port.postMessage({ kind: 'reply', id: msg.id, error: { name: 'TypeError', message: `no store method ${msg.method}` } } satisfies ThreadMessage);
    return;
  }
  method.apply(store, msg.args).then(
    (value) => port.postMessage({ kind: 'reply', id: msg.id, value } satisfies ThreadMessage),
    (err: unknown) => port.postMessage({ kind: 'reply', id: msg.id, error: errorData(err) } satisfies ThreadMessage)
  );
});
port.postMessage({ kind: 'ready' } satisfies ThreadMessage);

function errorData(err: unknown): { name: string; message: string; [key: string]: unknown } {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(err)) {
    const value = (err as unknown as Record<string, unknown>)[key];
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) own[key] = value;
  }
  return { ...own, name: err.name, message: err.message };
}
