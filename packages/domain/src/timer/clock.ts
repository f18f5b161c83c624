/*
 * A client's offset to the server it is connected to [D41]. The client sends a ping at t0 (its own
 * clock), the server answers with its time s, the answer arrives at t1: the server's clock read s at
 * some moment between t0 and t1, so s − (t0 + t1) / 2 is the offset, wrong by at most half the round
 * trip. Of a few samples the one with the smallest round trip is the best. The server's time is then
 * `Date.now() + offset`, whatever the device's clock says.
 */

export interface ClockSample {
  /** The client's clock when the ping went. */
  t0: number;
  /** The server's clock in its answer. */
  server: number;
  /** The client's clock when the answer came. */
  t1: number;
}

/** The offset (server − client, ms) from the sample with the smallest round trip; null without a usable sample. */
export function estimateClockOffset(samples: readonly ClockSample[]): { offset: number; roundTrip: number } | null {
  let best: ClockSample | null = null;
  for (const s of samples) {
    if (!Number.isFinite(s.t0) || !Number.isFinite(s.t1) || !Number.isFinite(s.server) || s.t1 < s.t0) continue;
    if (best === null || s.t1 - s.t0 < best.t1 - best.t0) best = s;
  }
  if (best === null) return null;
  return { offset: best.server - (best.t0 + best.t1) / 2, roundTrip: best.t1 - best.t0 };
}
