import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'realtime-server/test/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and redis-server processes; two cores.
    maxWorkers: 2,
    fileParallelism: true,
    // A poll waits on what a person would see change (a page, a relayed edit): Vitest's default of
    // 1 s is less than a page takes to load on a busy 2-core machine. A poll still ends as soon as it holds.
    expect: { poll: { timeout: 10_000 } }
  }
});
