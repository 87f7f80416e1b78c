import { describe, expect, it } from 'vitest';
import { classify, missingPermissionsOf, parseRetryAfter } from './errors.js';

const now = Date.parse('2026-11-24T12:00:00Z');
const request = { method: 'POST', path: '/api/v2/conversations/c/participants/p/replace/queue' };

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
  });
  it('reads an HTTP-date relative to now, a past date as 0', () => {
    expect(parseRetryAfter('Tue, 24 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('refuses garbage and negatives, caps huge values', () => {
    for (const bad of ['', 'soon', '-5', '5s', '12abc', undefined, null]) expect(parseRetryAfter(bad as string, now), String(bad)).toBeUndefined();
    expect(parseRetryAfter('999999999', now)).toBe(180_000);
    expect(parseRetryAfter('999999999', now, 60_000)).toBe(60_000);
  });
});

describe('classify', () => {
  const c = (status: number, extra: Partial<Parameters<typeof classify>[0]> = {}) =>
    classify({ status, request, mayHaveApplied: true, now, ...extra });

  it('429 is rate-limited with the Retry-After header, else the seconds in the message', () => {
    expect(c(429, { headers: { 'retry-after': '4' } })).toMatchObject({ kind: 'rate-limited', retryAfterMs: 4000 });
    expect(c(429, { body: { message: 'Rate limit exceeded the maximum. Retry the request in [11] seconds' } })).toMatchObject({ retryAfterMs: 11_000 });
    expect(c(429)).toMatchObject({ kind: 'rate-limited', retryAfterMs: 1000 });
  });
  it('5xx/408/409 and unanswered transfer POSTs are ambiguous; reads are transient', () => {
    for (const s of [500, 502, 503, 504, 408, 409]) expect(c(s).kind).toBe('ambiguous');
    expect(c(503, { mayHaveApplied: false }).kind).toBe('transient');
    expect(c(0, { networkCode: 'ETIMEDOUT' }).kind).toBe('ambiguous');
    expect(c(0, { networkCode: 'ECONNRESET' }).kind).toBe('ambiguous');
  });
  it('a connection that was refused never sent the POST: transient, not ambiguous', () => {
    expect(c(0, { networkCode: 'ECONNREFUSED' }).kind).toBe('transient');
  });
  it('401 auth, 403 forbidden naming the permission, 404 gone, other 4xx permanent', () => {
    expect(c(401).kind).toBe('auth');
    const forbidden = c(403, {
      body: { code: 'missing.permissions', message: 'You are missing the following permission(s): [conversation:communication:blindTransfer]' },
    });
    expect(forbidden).toMatchObject({ kind: 'forbidden', missingPermissions: ['conversation:communication:blindTransfer'] });
    expect(forbidden.message).toContain('conversation:communication:blindTransfer');
    expect(c(404, { body: { code: 'conversation.error.conversation.not.found' } }).kind).toBe('gone');
    expect(c(400, { body: { code: 'conversations.error.queue.not.found' } })).toMatchObject({ kind: 'permanent', code: 'conversations.error.queue.not.found' });
  });
  it('keeps the correlation id from the header (or the body contextId) and the request', () => {
    expect(c(500, { headers: { 'inin-correlation-id': 'corr-1' } })).toMatchObject({ correlationId: 'corr-1', request });
    expect(c(500, { body: { contextId: 'ctx-2' } }).correlationId).toBe('ctx-2');
  });
});

describe('missingPermissionsOf', () => {
  it('reads messageParams first, the message text otherwise', () => {
    expect(missingPermissionsOf({ messageParams: { permissions: 'conversation:communication:view' } })).toEqual(['conversation:communication:view']);
    expect(missingPermissionsOf({ message: 'missing [conversation:communication:blindTransferQueue]' })).toEqual(['conversation:communication:blindTransferQueue']);
    expect(missingPermissionsOf(undefined)).toEqual([]);
  });
});
