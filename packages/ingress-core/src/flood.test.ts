import { describe, expect, it } from 'vitest';
import { FloodMemory, floodRetryAfterSeconds } from './flood.js';

describe('FloodMemory', () => {
  it('refuses a remembered source until its window ends, then forgets it', () => {
    let now = 1_000;
    const memory = new FloodMemory(() => now);
    expect(memory.msLeft('tiny')).toBe(0);
    memory.remember('tiny', 2_500);
    expect(memory.msLeft('tiny')).toBe(2_500);
    expect(memory.msLeft('other')).toBe(0);
    now += 2_499;
    expect(memory.msLeft('tiny')).toBe(1);
    now += 1;
    expect(memory.msLeft('tiny')).toBe(0);
  });

  it('takes the latest window a counter reported', () => {
    let now = 0;
    const memory = new FloodMemory(() => now);
    memory.remember('tiny', 1_000);
    now = 900;
    memory.remember('tiny', 60_000);
    expect(memory.msLeft('tiny')).toBe(60_000);
  });

  it('treats a negative time left (a counter without expiry) as none', () => {
    const memory = new FloodMemory(() => 0);
    memory.remember('tiny', -1);
    expect(memory.msLeft('tiny')).toBe(0);
  });
});

describe('floodRetryAfterSeconds', () => {
  it.each([
    [0, 1],
    [1, 1],
    [999, 1],
    [1_000, 1],
    [1_001, 2],
    [59_500, 60],
  ])('%i ms left → Retry-After %i s', (ms, seconds) => expect(floodRetryAfterSeconds(ms)).toBe(seconds));
});
