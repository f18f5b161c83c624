/** Percentiles of a sample, for every bench entry (a module of its own: bench/phones.ts starts its phones when imported). */
export interface Stats {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function stats(values: number[]): Stats {
  if (values.length === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN };
  const s = Float64Array.from(values).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { count: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
}
