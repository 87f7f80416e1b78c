/** Summary of a sample: count, extremes, mean and the percentiles the report quotes. */
export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentile of an ascending-sorted sample (p in 0..100): the smallest value with at least p % of the
 * sample at or below it. No interpolation: every figure the report prints is a value that was actually measured.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** Summarises a sample (any order); NaN figures for an empty one. */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: sorted.length ? sorted[0]! : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** Events per second over [first, last] (ms); NaN when the span is empty. */
export function ratePerSecond(count: number, firstMs: number, lastMs: number): number {
  const span = lastMs - firstMs;
  return span > 0 ? (count / span) * 1000 : Number.NaN;
}

/** Rounds for display without turning NaN into a number. */
export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Smallest of many values (Math.min(...xs) overflows the stack on very large arrays); NaN when empty. */
export function minOf(values: Iterable<number>): number {
  let m = Number.NaN;
  for (const v of values) if (!(v >= m)) m = v;
  return m;
}

/** Largest of many values; NaN when empty. */
export function maxOf(values: Iterable<number>): number {
  let m = Number.NaN;
  for (const v of values) if (!(v <= m)) m = v;
  return m;
}
