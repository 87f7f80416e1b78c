import { describe, expect, it } from 'vitest';
import { SlidingWindow } from './rate-limit.js';

describe('SlidingWindow', () => {
  it('admits up to the limit per minute, then says when the oldest leaves', () => {
    const w = new SlidingWindow();
    for (const t of [0, 10_000, 20_000]) {
      expect(w.waitMs(3, t)).toBe(0);
      w.add(t);
    }
    expect(w.waitMs(3, 30_000)).toBe(30_000);
    expect(w.waitMs(3, 59_999)).toBe(1);
    expect(w.waitMs(3, 60_000)).toBe(0);
    expect(w.count(60_000)).toBe(2);
  });
  it('with a lowered limit, waits until enough have left', () => {
    const w = new SlidingWindow();
    for (const t of [0, 1000, 2000, 3000]) w.add(t);
    expect(w.waitMs(2, 3000)).toBe(2000 + 60_000 - 3000); // the 3rd oldest must leave
  });
  it('0 means no limit', () => {
    const w = new SlidingWindow();
    for (let i = 0; i < 10; i += 1) w.add(0);
    expect(w.waitMs(0, 0)).toBe(0);
  });
  it('stays correct across compaction with many requests', () => {
    const w = new SlidingWindow(1000);
    for (let t = 0; t < 100_000; t += 1) w.add(t);
    expect(w.count(99_999)).toBe(1000);
    expect(w.waitMs(1000, 99_999)).toBe(1);
    expect(w.waitMs(1001, 99_999)).toBe(0);
    w.clear();
    expect(w.count(99_999)).toBe(0);
  });
});
