import { describe, expect, it } from 'vitest';
import { maxOf, minOf, percentile, ratePerSecond, summarize } from './stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('returns a measured value: the smallest with at least p % at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 99.9)).toBe(100);
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30], 34)).toBe(20);
    expect(percentile([10, 20, 30], 33)).toBe(10);
  });

  it('handles the edges: p0 is the minimum, p100 the maximum, an empty sample is NaN', () => {
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([7], 99)).toBe(7);
  });
});

describe('summarize', () => {
  it('sorts a copy and reports count, extremes, mean and percentiles', () => {
    const values = [5, 1, 4, 2, 3];
    const s = summarize(values);
    expect(s).toEqual({ count: 5, min: 1, mean: 3, p50: 3, p95: 5, p99: 5, max: 5 });
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });

  it('gives NaN figures for an empty sample', () => {
    const s = summarize([]);
    expect(s.count).toBe(0);
    expect(s.p50).toBeNaN();
    expect(s.mean).toBeNaN();
  });
});

describe('rates and extremes', () => {
  it('counts per second over a span in ms; an empty span is NaN', () => {
    expect(ratePerSecond(500, 1000, 1500)).toBe(1000);
    expect(ratePerSecond(5, 1000, 1000)).toBeNaN();
  });

  it('min/max of large samples without spreading them onto the stack; NaN when empty', () => {
    const big = Array.from({ length: 300_000 }, (_, i) => i);
    expect(minOf(big)).toBe(0);
    expect(maxOf(big)).toBe(299_999);
    expect(minOf([])).toBeNaN();
    expect(maxOf([3, Number.NaN, 9].filter(Number.isFinite))).toBe(9);
  });
});
