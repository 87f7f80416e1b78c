import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, applySettings, settingsProblems } from './settings.js';

describe('settingsProblems', () => {
  it('accepts every setting at a good value, and seed', () => {
    expect(
      settingsProblems({
        rateLimitPerMinute: 0,
        transferDelayMs: 10,
        rateLimitCode: 'too.many.requests',
        notConnectedAnswer: 'not.active',
        analyticsLagMs: 0,
        analyticsBatchLimit: 1,
        seed: 3,
        tokenTtlSec: undefined,
      }),
    ).toEqual([]);
  });
  it('names each bad field', () => {
    expect(
      settingsProblems({ rateLimitPerMinute: -1, notConnectedAnswer: 'nope', rateLimitCode: 429, analyticsBatchLimit: 0.5, speed: 3, seed: -2 }),
    ).toEqual([
      'rateLimitPerMinute: must be a number ≥ 0',
      'notConnectedAnswer: must be one of bad.request, not.connected, not.active',
      'rateLimitCode: must be one of too.many.requests.retry.after, too.many.requests',
      'analyticsBatchLimit: must be an integer ≥ 1',
      expect.stringContaining('speed: unknown setting'),
      'seed: must be an integer ≥ 0',
    ]);
    expect(settingsProblems([])).toEqual(['body: must be an object']);
  });
  it('treats seed as unknown where it is not a setting (createSimulator, configure)', () => {
    expect(settingsProblems({ seed: 1 }, false)).toEqual([expect.stringContaining('seed: unknown setting')]);
  });
});

describe('applySettings', () => {
  it('copies the settings given and leaves the rest', () => {
    const s = { ...DEFAULT_SETTINGS };
    applySettings(s, { notConnectedAnswer: 'not.connected', analyticsLagMs: 0 });
    expect(s).toEqual({ ...DEFAULT_SETTINGS, notConnectedAnswer: 'not.connected', analyticsLagMs: 0 });
  });
});
