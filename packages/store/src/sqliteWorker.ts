import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Snapshot, Store, StoreHooks } from './port.ts';

/*
 * The embedded store in a worker thread. SQLite's calls are synchronous, and a commit with
 * `synchronous=FULL` waits for the disk: on the main thread every phone of every meeting waited out each
 * fsync, tens of milliseconds when the disk is busy (the join storm's p99). Here the main thread posts a
 * call and goes on; the worker runs the calls one at a time, in order, and answers when each is
 * committed, so an ack still follows durability. Everything a call carries is plain data, except a
 * snapshot's state, whose persistent maps become records only through JSON: it is turned into plain JSON
 * here before it crosses.
 */

/** Main thread → worker. */
export type ThreadCall =
  | { kind: 'call'; id: number; method: string; args: unknown[] }
  | { kind: 'hookDone'; id: number; error?: { name: string; message: string } };

/** Worker → main thread. */
export type ThreadMessage =
  | { kind: 'ready' }
  | { kind: 'reply'; id: number; value?: unknown; error?: { name: string; message: string; [key: string]: unknown } }
  | { kind: 'hook'; id: number; name: keyof StoreHooks; args: [string, string] };

/**
 * Store methods forwarded as they are. Keyed by the port, so a method added to `Store` and not listed here
 * (nor handled below) does not compile.
 */
const FORWARDED: { [M in Exclude<keyof Store, 'kind' | 'saveSnapshot' | 'close'>]: true } = {
  createMeetingWithLog: true,
  createMeeting: true,
  getMeeting: true,
  findMeetingByJoinCode: true,
  setMeetingStatus: true,
  putToken: true,
  appendJoins: true,
  findToken: true,
  listTokens: true,
  revokeToken: true,
  head: true,
  append: true,
  readLog: true,
  verifyLog: true,
  loadSnapshot: true,
  getCommandResult: true,
  putCommandResult: true,
  appendDocUpdate: true,
  loadDocUpdates: true,
  listDocs: true,
  compactDoc: true
};

export interface SqliteWorkerOptions {
  /** Seams for tests; they run on this thread when the worker reaches them. */
  hooks?: StoreHooks;
}

export async function openSqliteStoreInWorker(dataDir: string, opts: SqliteWorkerOptions = {}): Promise<Store> {
  // The thread runs TypeScript as this process does, with tsx, whatever started this process (node
  // --import tsx, vitest): Node 20 does not carry module hooks into a worker's entry, so a small script
  // registers tsx there first and then loads the thread's module.
  const tsx = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./sqliteThread.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: { dataDir } });
  const waiting = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  let nextId = 0;
  let failure: Error | null = null;
  const hooks = opts.hooks ?? {};

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (msg: ThreadMessage) => {
      if (msg.kind === 'ready') return resolve();
      if (msg.kind === 'hook') {
        void (async () => {
          try {
            await hooks[msg.name]?.(...msg.args);
            worker.postMessage({ kind: 'hookDone', id: msg.id } satisfies ThreadCall);
          } catch (err) {
            worker.postMessage({ kind: 'hookDone', id: msg.id, error: { name: (err as Error).name, message: (err as Error).message } } satisfies ThreadCall);
          }
        })();
        return;
      }
      const call = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (!call) return;
      if (msg.error) call.reject(Object.assign(new Error(msg.error.message), msg.error));
      else call.resolve(msg.value);
    });
    // A worker that dies (its thread threw outside a call) fails what waits and every later call.
    const fail = (err: Error) => {
      failure ??= err;
      reject(err);
      for (const call of waiting.values()) call.reject(err);
      waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the store's worker exited (${code})`)));
  });
  await ready;

  const call = (method: string, args: unknown[]): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ kind: 'call', id, method, args } satisfies ThreadCall);
    });
  };

  const store = Object.fromEntries(Object.keys(FORWARDED).map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as Store;
  return Object.assign(store, {
    kind: 'sqlite' as const,
    saveSnapshot: async (meetingId: string, snapshot: Snapshot) => {
      await call('saveSnapshot', [meetingId, { ...snapshot, state: JSON.parse(JSON.stringify(snapshot.state)) as unknown }]);
    },
    close: async () => {
      if (failure) return;
      await call('close', []);
      failure = new Error('the store is closed');
      await worker.terminate();
    }
  });
}
