import { describe, expect, it } from 'vitest';
import { batchWindow } from '../../realtime-server/src/realtime/socketServer.ts';

describe('batch window', () => {
  it('is 100 ms for a meeting of up to 500 phones on the node, and widens with more, up to 1 s', () => {
    expect(batchWindow(0)).toBe(100);
    expect(batchWindow(500)).toBe(100);
    expect(batchWindow(501)).toBeGreaterThan(100);
    expect(batchWindow(1000)).toBe(400);
    expect(batchWindow(2000)).toBe(1000);
    expect(batchWindow(100_000)).toBe(1000);
    // Never narrower for more phones: a frame per phone per batch is what the window saves.
    for (let n = 0; n < 3000; n += 50) expect(batchWindow(n + 50)).toBeGreaterThanOrEqual(batchWindow(n));
  });
});
