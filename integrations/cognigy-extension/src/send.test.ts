import { describe, expect, it } from 'vitest';
import { outcomeOf } from './outcome.js';
import { retryAfterMs, retryDelayMs, type Attempt } from './send.js';

const answer = (status: number, body: unknown = {}, headers: Record<string, string> = {}): Attempt => ({
  answer: { status, headers, text: typeof body === 'string' ? body : JSON.stringify(body) },
});
const network = (code: string, timedOut = false): Attempt => ({ network: { code, message: code, timedOut } });

describe('retries within the node', () => {
  it.each([
    ['a refused connection', network('ECONNREFUSED'), 1, 10_000, 200],
    ['a reset connection, second time', network('ECONNRESET'), 2, 10_000, 400],
    ['a third failure (no fourth request)', network('ECONNRESET'), 3, 10_000, undefined],
    ['a timed-out request (the budget is spent)', network('ETIMEDOUT', true), 1, 10_000, undefined],
    ['503 with Retry-After: 1 (Redis down, nothing written)', answer(503, {}, { 'retry-after': '1' }), 1, 10_000, 1000],
    ['429 with Retry-After: 2', answer(429, {}, { 'retry-after': '2' }), 1, 10_000, 2000],
    ['429 whose Retry-After outlasts the budget', answer(429, {}, { 'retry-after': '30' }), 1, 10_000, undefined],
    ['502 from a proxy', answer(502), 1, 10_000, 200],
    ['a retry with no time left for its answer', network('ECONNREFUSED'), 1, 600, undefined],
    ['401 (the same request gets the same answer)', answer(401), 1, 10_000, undefined],
    ['400', answer(400), 1, 10_000, undefined],
    ['500', answer(500), 1, 10_000, undefined],
    ['202', answer(202), 1, 10_000, undefined],
  ])('%s', (_what, attempt, n, remaining, expected) => {
    expect(retryDelayMs(attempt, n, remaining)).toBe(expected);
  });
  it('reads Retry-After in whole seconds only', () => {
    expect(retryAfterMs({ 'retry-after': '3' })).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' })).toBeUndefined();
    expect(retryAfterMs({})).toBeUndefined();
  });
});

describe('which branch an answer takes', () => {
  it('accepted: 202, and a 200 repeat of a fallback that is queued, running or transferred', () => {
    expect(outcomeOf(answer(202, { id: 'fb-1', status: 'queued', target: { kind: 'queue', queueId: 'q' }, referTo: '+4930' }), 1, 'e')).toMatchObject({
      branch: 'accepted',
      result: { ok: true, id: 'fb-1', status: 'queued', duplicate: false, referTo: '+4930', target: { kind: 'queue' } },
    });
    for (const status of ['queued', 'active', 'transferred'])
      expect(outcomeOf(answer(200, { id: 'fb-1', status, duplicate: true }), 1, 'e')).toMatchObject({ branch: 'accepted', result: { duplicate: true, status } });
  });
  it('error: a fallback that already ended failed or expired (the flow must act itself)', () => {
    expect(outcomeOf(answer(200, { id: 'fb-1', status: 'failed', reason: 'genesys.forbidden', detail: 'missing permission' }), 1, 'e')).toMatchObject({
      branch: 'error',
      result: { code: 'fallback_failed', reason: 'genesys.forbidden', id: 'fb-1' },
    });
    expect(outcomeOf(answer(200, { id: 'fb-1', status: 'expired', reason: 'deadline.passed' }), 1, 'e')).toMatchObject({ branch: 'error', result: { code: 'fallback_expired' } });
  });
  it("error: the service's error code, status and field", () => {
    expect(outcomeOf(answer(400, { error: { code: 'invalid_payload', message: 'bad', field: '/conversationId' } }), 1, 'e')).toEqual({
      branch: 'error',
      result: { ok: false, code: 'invalid_payload', message: 'bad', httpStatus: 400, field: '/conversationId', eventId: 'e', attempts: 1 },
    });
  });
  it('error: answers that are not the service, and no answer at all', () => {
    expect(outcomeOf(answer(404, '<html>'), 1, 'e').result).toMatchObject({ code: 'invalid_response', httpStatus: 404 });
    expect(outcomeOf(answer(502, ''), 3, 'e').result).toMatchObject({ code: 'service_error', attempts: 3 });
    expect(outcomeOf(answer(200, { hello: 'world' }), 1, 'e').result).toMatchObject({ code: 'invalid_response' });
    expect(outcomeOf(network('ECONNREFUSED'), 3, 'e').result).toMatchObject({ code: 'network_error', attempts: 3 });
    expect(outcomeOf(network('ETIMEDOUT', true), 1, 'e').result).toMatchObject({ code: 'timeout' });
  });
});
