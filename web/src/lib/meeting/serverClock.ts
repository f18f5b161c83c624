import { estimateClockOffset, type ClockSample } from '@yishi/domain';

/** The socket as the clock uses it: one `time` ping with an ack (Socket.IO's `timeout(ms).emit`). */
export interface ClockSocket {
  timeout(ms: number): { emit(event: 'time', request: unknown, ack: (err: Error | null, serverNow: number) => void): unknown };
}

const SAMPLES = 5;
const PING_TIMEOUT_MS = 5_000;

/**
 * This device's offset to the server it is connected to [D41]: a few `time` pings, one after another,
 * and the answer of the one with the smallest round trip (`estimateClockOffset`). Measured again on every
 * connection (a reconnect may land on another node). Until the first measurement the offset is 0, the
 * device's own clock. Plain TypeScript, so the tests run the page's own code against a real server.
 */
export class ServerClock {
  #offset = 0;
  #measured = false;
  #round = 0;
  readonly #now: () => number;
  readonly #onChange: () => void;

  constructor(opts: { now?: () => number; onChange?: () => void } = {}) {
    this.#now = opts.now ?? (() => Date.now());
    this.#onChange = opts.onChange ?? (() => undefined);
  }

  /** ms to add to this device's clock to read the server's. */
  get offset(): number {
    return this.#offset;
  }

  get measured(): boolean {
    return this.#measured;
  }

  /** The server's time now, as well as this device can tell. */
  serverNow(): number {
    return this.#now() + this.#offset;
  }

  /** Takes a fresh set of samples on this connection; a later call (a reconnect) supersedes an unfinished one. */
  async measure(socket: ClockSocket, samples = SAMPLES): Promise<void> {
    const round = ++this.#round;
    const taken: ClockSample[] = [];
    for (let i = 0; i < samples; i++) {
      const sample = await this.#ping(socket);
      if (round !== this.#round) return;
      if (sample) taken.push(sample);
    }
    const best = estimateClockOffset(taken);
    if (best === null) return;
    this.#offset = best.offset;
    this.#measured = true;
    this.#onChange();
  }

  #ping(socket: ClockSocket): Promise<ClockSample | null> {
    return new Promise((resolve) => {
      const t0 = this.#now();
      socket.timeout(PING_TIMEOUT_MS).emit('time', {}, (err, server) => {
        const t1 = this.#now();
        resolve(err || typeof server !== 'number' || !Number.isFinite(server) ? null : { t0, server, t1 });
      });
    });
  }
}
