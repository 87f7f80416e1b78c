import { describe, expect, it } from 'vitest';
import {
  GenesysApiError,
  classify,
  headerOf,
  isGenesysApiError,
  missingPermissionsOf,
  parseRetryAfter,
  type ClassifyInput,
  type GenesysErrorKind,
} from './errors.js';

const now = Date.parse('2026-11-24T12:00:00Z');
const request = { method: 'POST', path: '/api/v2/conversations/c/participants/p/replace/queue' };
const read = { method: 'GET', path: '/api/v2/conversations/c' };

describe('parseRetryAfter', () => {
  it.each([
    ['7', 7000],
    [' 0 ', 0],
    ['1', 1000],
    ['120', 120_000],
    ['1.5', 1500],
    ['0.001', 1],
  ])('reads delay-seconds %j as %i ms', (value, ms) => expect(parseRetryAfter(value, now)).toBe(ms));
  it('takes the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
    expect(parseRetryAfter([], now)).toBeUndefined();
  });
  it.each([
    ['IMF-fixdate', 'Tue, 24 Nov 2026 12:00:30 GMT', 30_000],
    ['RFC 850', 'Tuesday, 24-Nov-26 12:00:45 GMT', 45_000],
    ['asctime', 'Tue Nov 24 12:01:00 2026', 60_000],
  ])('reads an HTTP-date (%s) relative to now', (_form, value, ms) => {
    // asctime carries no zone; Date.parse reads it as local time, so pin the expectation to that reading.
    const expected = value.endsWith('2026') ? Math.max(0, Date.parse(value) - now) : ms;
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
  it('gives 0 for an HTTP-date in the past', () => {
    expect(parseRetryAfter('Tue, 24 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:00 GMT', now)).toBe(0);
  });
  it.each(['', '   ', 'soon', '-5', '-0.5', '+5', '5s', '12abc', '0x10', '1e3', 'Infinity', 'NaN', '2026-11-24T12:00:30Z', 'Tue, 99 Foo 2026 99:99:99 GMT', 'Tuesday'])(
    'refuses garbage %j',
    (bad) => expect(parseRetryAfter(bad, now)).toBeUndefined(),
  );
  it('refuses missing values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
  it('never shortens a long wait (a caller who cannot wait that long is expired, never sent to early)', () => {
    expect(parseRetryAfter('999999999', now)).toBe(999_999_999_000);
    expect(parseRetryAfter('3600', now)).toBe(3_600_000);
    expect(parseRetryAfter('9'.repeat(400), now)).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', now)).toBe(Date.parse('Fri, 31 Dec 9999 23:59:59 GMT') - now);
  });
});

describe('headerOf', () => {
  it('finds a header whatever its case and takes the first repeated value', () => {
    expect(headerOf({ 'Retry-After': '4' }, 'retry-after')).toBe('4');
    expect(headerOf({ 'inin-correlation-id': ['a', 'b'] }, 'ININ-Correlation-Id')).toBe('a');
    expect(headerOf({ 'retry-after': 5 }, 'retry-after')).toBe('5');
    expect(headerOf({ x: null }, 'x')).toBeUndefined();
    expect(headerOf(undefined, 'x')).toBeUndefined();
  });
});

describe('classify', () => {
  const c = (status: number, extra: Partial<ClassifyInput> = {}) => classify({ status, request, mayHaveApplied: true, now, ...extra });
  const r = (status: number, extra: Partial<ClassifyInput> = {}) => classify({ status, request: read, mayHaveApplied: false, call: 'read', now, ...extra });

  describe('429', () => {
    const body429 = (n: number) => ({
      message: `Rate limit exceeded the maximum. Retry the request in [${n}] seconds`,
      code: 'too.many.requests.retry.after',
      status: 429,
      contextId: 'ctx',
      details: [],
      errors: [],
    });
    it('is rate-limited with Retry-After in seconds (header in any case)', () => {
      expect(c(429, { headers: { 'retry-after': '4' }, body: body429(4) })).toMatchObject({
        kind: 'rate-limited',
        status: 429,
        code: 'too.many.requests.retry.after',
        retryAfterMs: 4000,
        correlationId: 'ctx',
      });
      expect(c(429, { headers: { 'Retry-After': '6' } }).retryAfterMs).toBe(6000);
    });
    it('reads an HTTP-date Retry-After', () => {
      expect(c(429, { headers: { 'retry-after': 'Tue, 24 Nov 2026 12:00:09 GMT' } }).retryAfterMs).toBe(9000);
    });
    it('falls back to the seconds in the message for a missing, garbage or negative header', () => {
      for (const header of [undefined, 'soon', '-3'])
        expect(c(429, { headers: header === undefined ? {} : { 'retry-after': header }, body: body429(11) }).retryAfterMs, String(header)).toBe(11_000);
    });
    it('falls back to the default, then to 1 s, when nothing says how long', () => {
      expect(c(429, { headers: { 'retry-after': 'garbage' }, defaultRetryAfterMs: 2500 }).retryAfterMs).toBe(2500);
      expect(c(429)).toMatchObject({ kind: 'rate-limited', retryAfterMs: 1000, code: 'too.many.requests.retry.after' });
    });
    it('keeps huge waits whole, from the header or the message', () => {
      expect(c(429, { headers: { 'retry-after': '86400' } }).retryAfterMs).toBe(86_400_000);
      expect(c(429, { body: body429(86_400) }).retryAfterMs).toBe(86_400_000);
    });
    it('does not read the older body\'s window ("[300] requests within [60] seconds") as a wait', () => {
      const older = { code: 'too.many.requests', message: 'Rate limit exceeded the maximum [300] requests within [60] seconds', status: 429 };
      expect(c(429, { body: older })).toMatchObject({ kind: 'rate-limited', code: 'too.many.requests', retryAfterMs: 1000 });
      expect(c(429, { body: older, headers: { 'retry-after': '7' } }).retryAfterMs).toBe(7000);
    });
    it('is rate-limited for reads and transfers alike', () => {
      expect(r(429, { headers: { 'retry-after': '1' } }).kind).toBe('rate-limited');
    });
  });

  it.each([500, 502, 503, 504, 408, 409, 599])('%i is ambiguous on a transfer POST, transient on a read', (status) => {
    expect(c(status).kind).toBe('ambiguous');
    expect(r(status).kind).toBe('transient');
  });

  it.each([
    ['ETIMEDOUT', 'ambiguous', 'transient'],
    ['ECONNRESET', 'ambiguous', 'transient'],
    ['ECONNABORTED', 'ambiguous', 'transient'],
    ['EPIPE', 'ambiguous', 'transient'],
    [undefined, 'ambiguous', 'transient'],
    ['ECONNREFUSED', 'transient', 'transient'],
    ['ENOTFOUND', 'transient', 'transient'],
    ['EAI_AGAIN', 'transient', 'transient'],
  ] as const)('no answer (%s): %s on a POST, %s on a read', (networkCode, post, get) => {
    const facts = c(0, networkCode ? { networkCode } : {});
    expect(facts).toMatchObject({ kind: post, status: 0, code: networkCode ?? 'ENETWORK', request });
    expect(r(0, networkCode ? { networkCode } : {}).kind).toBe(get);
  });

  it('401 is auth, with Genesys code or a default', () => {
    expect(c(401, { body: { code: 'bad.credentials', message: 'Invalid login credentials.' } })).toMatchObject({ kind: 'auth', code: 'bad.credentials' });
    expect(c(401)).toMatchObject({ kind: 'auth', code: 'authentication.required' });
  });

  describe('403', () => {
    it('names the missing permission from the message', () => {
      const f = c(403, {
        body: { code: 'missing.permissions', message: 'Unable to perform the requested action. You are missing the following permission(s): [conversation:communication:blindTransfer]' },
      });
      expect(f).toMatchObject({ kind: 'forbidden', code: 'missing.permissions', missingPermissions: ['conversation:communication:blindTransfer'] });
      expect(f.message).toContain('conversation:communication:blindTransfer');
    });
    it('names "one of" for missing.any.permissions', () => {
      const f = c(403, {
        body: {
          code: 'missing.any.permissions',
          message: 'You must have at least one of the following permissions: [conversation:communication:blindTransfer, conversation:communication:blindTransferQueue]',
        },
      });
      expect(f.missingPermissions).toEqual(['conversation:communication:blindTransfer', 'conversation:communication:blindTransferQueue']);
      expect(f.message).toContain('one of conversation:communication:blindTransfer, conversation:communication:blindTransferQueue');
    });
    it('says so when a permission refusal names none', () => {
      const f = c(403, { body: { code: 'missing.permissions', message: 'You are not authorized to perform the requested action.' } });
      expect(f).toMatchObject({ kind: 'forbidden', missingPermissions: [] });
      expect(f.message).toMatch(/unknown \(check the roles/);
      expect(c(403)).toMatchObject({ kind: 'forbidden', code: 'forbidden', missingPermissions: [] });
    });
    it('other 403 codes are not about the roles: a leg that is not an active participant (on a POST), else permanent', () => {
      expect(c(403, { body: { code: 'conversation.error.forbidden.not.active.participant', message: 'not active' } })).toMatchObject({ kind: 'leg-refused', code: 'conversation.error.forbidden.not.active.participant' });
      expect(r(403, { body: { code: 'conversation.error.forbidden.not.active.participant' } }).kind).toBe('permanent');
      expect(c(403, { body: { code: 'not.authorized', message: 'no' } })).toMatchObject({ kind: 'permanent', code: 'not.authorized' });
    });
  });

  it('only the conversation READ decides "call over": its 404 is gone; a 404 on a POST says nothing about the call', () => {
    expect(r(404, { body: { code: 'conversation.error.conversation.not.found' } })).toMatchObject({ kind: 'gone', code: 'conversation.error.conversation.not.found' });
    expect(r(404, { body: { code: 'not.found' } })).toMatchObject({ kind: 'gone', code: 'not.found' });
    expect(r(404)).toMatchObject({ kind: 'gone', code: 'not.found' });
    expect(c(404, { body: { code: 'not.found' } })).toMatchObject({ kind: 'leg-refused', code: 'not.found' });
    expect(c(404)).toMatchObject({ kind: 'leg-refused', code: 'not.found' });
    expect(c(404, { body: { code: 'conversation.error.conversation.not.found' } }).kind).toBe('permanent');
    expect(classify({ status: 404, request: read, mayHaveApplied: false, call: 'other', now }).kind).toBe('permanent');
  });

  it.each([
    [400, 'bad.request'],
    [400, 'conversations.error.transfer.not.connected'],
    [403, 'conversation.error.forbidden.not.active.participant'],
    [404, 'not.found'],
  ])('a transfer POST refused %i %s is about the leg (read and decide again)', (status, code) => {
    expect(c(status, { body: { code, message: 'You are not a connected participant on the call' } })).toMatchObject({ kind: 'leg-refused', code });
  });

  it.each([
    [400, 'conversations.error.queue.not.found'],
    [400, 'conversations.error.transfer.same.party'],
    [400, 'conversations.error.transfer.acd.call.unattended'],
    [405, undefined],
    [410, undefined],
    [413, undefined],
    [415, undefined],
    [422, undefined],
    [302, undefined],
  ])('%i %s is permanent and keeps the code', (status, code) => {
    const f = c(status, code ? { body: { code, message: 'refused' } } : {});
    expect(f.kind).toBe('permanent');
    expect(f.code).toBe(code);
  });

  it('ignores bodies that are not Genesys error bodies', () => {
    expect(c(502, { body: '<html>bad gateway</html>' as never })).toMatchObject({ kind: 'ambiguous', status: 502 });
    expect(c(400, { body: { code: 42 } as never }).code).toBeUndefined();
  });

  it('every kind keeps status, code, correlation id (header first, else contextId) and the request', () => {
    const cases: Array<[GenesysErrorKind, number, string]> = [
      ['rate-limited', 429, 'too.many.requests.retry.after'],
      ['ambiguous', 503, 'service.unavailable'],
      ['auth', 401, 'bad.credentials'],
      ['forbidden', 403, 'missing.permissions'],
      ['leg-refused', 404, 'not.found'],
      ['permanent', 400, 'conversations.error.queue.not.found'],
    ];
    for (const [kind, status, code] of cases) {
      const body = { status, code, message: 'm', contextId: 'body-ctx', details: [], errors: [] };
      expect(c(status, { body, headers: { 'inin-correlation-id': 'hdr-ctx' } }), kind).toMatchObject({ kind, status, code, correlationId: 'hdr-ctx', request });
      expect(c(status, { body }).correlationId, kind).toBe('body-ctx');
      expect(c(status, { body }).message, kind).toContain(`${request.method} ${request.path} → ${status} ${code}`);
    }
  });
});

describe('missingPermissionsOf', () => {
  it('reads messageParams first: strings, bracketed lists and arrays', () => {
    expect(missingPermissionsOf({ messageParams: { permissions: 'conversation:communication:view' } })).toEqual(['conversation:communication:view']);
    expect(missingPermissionsOf({ messageParams: { missingAnyPermissions: '[conversation:communication:blindTransfer, conversation:communication:blindTransferQueue]' } })).toEqual([
      'conversation:communication:blindTransfer',
      'conversation:communication:blindTransferQueue',
    ]);
    expect(missingPermissionsOf({ messageParams: { p: ['routing:queue:view', 'nope'] } })).toEqual(['routing:queue:view']);
  });
  it('falls back to the message text, and to nested errors', () => {
    expect(missingPermissionsOf({ message: 'missing [conversation:communication:blindTransferQueue]' })).toEqual(['conversation:communication:blindTransferQueue']);
    expect(missingPermissionsOf({ message: 'denied', errors: [{ message: 'missing conversation:communication:view' }] })).toEqual(['conversation:communication:view']);
  });
  it('finds nothing where nothing is named', () => {
    expect(missingPermissionsOf(undefined)).toEqual([]);
    expect(missingPermissionsOf({ message: 'Not authorized: see https://help.mypurecloud.com' })).toEqual([]);
  });
});

describe('GenesysApiError', () => {
  it('carries the facts and serializes them for logs', () => {
    const e = new GenesysApiError(classify({ status: 429, headers: { 'retry-after': '3', 'inin-correlation-id': 'x' }, request, mayHaveApplied: true, now }));
    expect(e).toMatchObject({ name: 'GenesysApiError', kind: 'rate-limited', status: 429, retryAfterMs: 3000, correlationId: 'x', request });
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ kind: 'rate-limited', status: 429, retryAfterMs: 3000, request });
  });
  it('is recognised across module copies by name and kind, not instanceof', () => {
    const foreign = Object.assign(new Error('x'), { name: 'GenesysApiError', kind: 'transient' });
    expect(isGenesysApiError(foreign)).toBe(true);
    expect(isGenesysApiError(new Error('x'))).toBe(false);
    expect(isGenesysApiError({ name: 'GenesysApiError', kind: 'transient' })).toBe(false);
  });
});
