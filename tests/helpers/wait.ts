/** Waits for a condition with a bounded number of checks; never a bare sleep. */
export async function waitFor<T>(check: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const timeout = opts.timeoutMs ?? 10_000;
  const interval = opts.intervalMs ?? 20;
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${opts.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Resolves with the first emission of `event`, or rejects after `timeoutMs`. */
export function once<T = unknown>(emitter: { once(event: string, cb: (arg: T) => void): unknown; off?(event: string, cb: (arg: T) => void): unknown }, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off?.(event, onEvent);
      reject(new Error(`timed out waiting for '${event}'`));
    }, timeoutMs);
    const onEvent = (arg: T) => {
      clearTimeout(timer);
      resolve(arg);
    };
    emitter.once(event, onEvent);
  });
}
