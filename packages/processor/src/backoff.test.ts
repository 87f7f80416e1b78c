import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { validateJobData } from './validate.js';

const policy = { baseMs: 500, capMs: 10_000 };

describe('backoffDelay (capped exponential, full jitter, deadline-bound)', () => {
  it('grows exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, policy, 0.999_999, 1e9))).toEqual([499, 999, 1999, 3999, 7999, 9999, 9999]);
  });
  it('draws uniformly from zero (full jitter)', () => {
    expect(backoffDelay(3, policy, 0, 1e9)).toBe(0);
    expect(backoffDelay(3, policy, 0.5, 1e9)).toBe(1000);
  });
  it('never schedules a retry after the deadline', () => {
    expect(backoffDelay(5, policy, 0.999, 1200)).toBe(1200);
    expect(backoffDelay(5, policy, 0.999, -50)).toBe(0);
  });
});

describe('validateJobData', () => {
  const ok = { v: 1, conversationId: 'c', deadline: 1, target: { kind: 'queue', queueId: 'q' } };
  it('accepts well-formed data for every target kind', () => {
    expect(validateJobData(ok)).toBeUndefined();
    expect(validateJobData({ ...ok, target: { kind: 'number', address: '+1' } })).toBeUndefined();
    expect(validateJobData({ ...ok, target: { kind: 'agent', userId: 'u' } })).toBeUndefined();
    expect(validateJobData({ ...ok, target: { kind: 'queue', queueName: 'Q' } })).toBeUndefined();
  });
  it('names what is wrong', () => {
    expect(validateJobData(null)).toMatch(/not an object/);
    expect(validateJobData({ ...ok, v: 2 })).toMatch(/version 2/);
    expect(validateJobData({ ...ok, conversationId: '' })).toMatch(/conversationId/);
    expect(validateJobData({ ...ok, deadline: 'soon' })).toMatch(/deadline/);
    expect(validateJobData({ ...ok, target: { kind: 'ivr' } })).toMatch(/unknown target kind "ivr"/);
    expect(validateJobData({ ...ok, target: { kind: 'number' } })).toMatch(/address/);
  });
});
