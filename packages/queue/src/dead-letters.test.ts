import { describe, expect, it } from 'vitest';
import { matchesFilter, replayDecision, type DeadLetter } from './dead-letters.js';

const NOW = 1_700_000_000_000;
const dl = (over: Partial<DeadLetter> = {}): DeadLetter => ({
  id: 'fb-1',
  reason: 'genesys.forbidden',
  conversationId: 'c',
  failureType: 'FLOW_ERROR',
  source: 'cognigy',
  route: 'default',
  target: { kind: 'queue', queueId: 'q' },
  receivedAt: NOW - 120_000,
  failedAt: NOW - 60_000,
  deadline: NOW + 60_000,
  attempts: 1,
  starts: 1,
  retried: 0,
  ...over,
});

describe('dead letters', () => {
  it('match by reason and by age since they failed', () => {
    expect(matchesFilter(dl(), {}, NOW)).toBe(true);
    expect(matchesFilter(dl(), { reasons: ['call.ended', 'genesys.forbidden'] }, NOW)).toBe(true);
    expect(matchesFilter(dl(), { reasons: ['call.ended'] }, NOW)).toBe(false);
    expect(matchesFilter(dl(), { minAgeMs: 60_000 }, NOW)).toBe(true);
    expect(matchesFilter(dl(), { minAgeMs: 60_001 }, NOW)).toBe(false);
    expect(matchesFilter(dl(), { maxAgeMs: 59_999 }, NOW)).toBe(false);
  });

  it.each([
    ['a dead letter whose caller may still wait', 'failed', NOW + 1, { replay: true }],
    ['one past its deadline (it would only expire, and lose its reason)', 'failed', NOW, { replay: false, why: 'past-deadline' }],
    ['one without a deadline', 'failed', undefined, { replay: false, why: 'past-deadline' }],
    ['a job that is waiting', 'waiting', NOW + 1, { replay: false, why: 'not-failed' }],
    ['a transferred one', 'completed', NOW + 1, { replay: false, why: 'not-failed' }],
    ['an unknown id', 'unknown', undefined, { replay: false, why: 'not-found' }],
  ])('replay %s: %s', (_what, state, deadline, expected) => {
    expect(replayDecision(state, deadline, NOW)).toMatchObject(expected);
  });
});
