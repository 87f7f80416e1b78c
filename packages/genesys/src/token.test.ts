import { describe, expect, it } from 'vitest';
import { TOKEN_USABLE_MARGIN_MS, expiresInOf, isCredentialsRefusal, needsRefresh, tokenState, tokenTimes } from './token.js';

describe('tokenTimes', () => {
  it.each([
    // [expires_in s, refresh ahead ms]: 10 % of the lifetime, between 5 s and 5 min
    [86_400, 300_000],
    [172_800, 300_000],
    [3600, 300_000],
    [1800, 180_000],
    [300, 30_000],
    [60, 6000],
    [20, 5000],
  ])('a %i s token is refreshed %i ms before it expires', (expiresIn, ahead) => {
    const t = tokenTimes(1000, expiresIn);
    expect(t.expiresAt).toBe(1000 + expiresIn * 1000);
    expect(t.expiresAt - t.refreshAt).toBe(ahead);
  });
  it('refreshes a short-lived token no earlier than half its life (not before every call)', () => {
    expect(tokenTimes(1000, 2)).toEqual({ expiresAt: 3000, refreshAt: 2000 });
    expect(tokenTimes(0, 4)).toEqual({ expiresAt: 4000, refreshAt: 2000 });
    expect(tokenTimes(0, 8)).toEqual({ expiresAt: 8000, refreshAt: 4000 });
    expect(tokenTimes(0, 60)).toEqual({ expiresAt: 60_000, refreshAt: 54_000 });
    expect(tokenTimes(1000, -5)).toEqual({ expiresAt: 1000, refreshAt: 1000 });
  });
});

describe('tokenState', () => {
  const t = { accessToken: 'x', ...tokenTimes(0, 300) }; // refreshAt 270 s, expiresAt 300 s
  it('is fresh before the refresh time, stale until just before expiry, expired after', () => {
    expect(tokenState(t, 0)).toBe('fresh');
    expect(tokenState(t, 269_999)).toBe('fresh');
    expect(tokenState(t, 270_000)).toBe('stale');
    expect(tokenState(t, 300_000 - TOKEN_USABLE_MARGIN_MS - 1)).toBe('stale');
    expect(tokenState(t, 300_000 - TOKEN_USABLE_MARGIN_MS)).toBe('expired');
    expect(tokenState(t, 400_000)).toBe('expired');
    expect(tokenState(undefined, 0)).toBe('expired');
  });
  it('needsRefresh agrees: anything but fresh needs a new token', () => {
    for (const at of [0, 269_999, 270_000, 299_500, 300_000]) expect(needsRefresh(t, at), String(at)).toBe(tokenState(t, at) !== 'fresh');
    expect(needsRefresh(undefined, 0)).toBe(true);
  });
});

describe('expiresInOf', () => {
  it('reads numbers and numeric strings, defaults to 24 h otherwise', () => {
    expect(expiresInOf(86_399)).toBe(86_399);
    expect(expiresInOf('600')).toBe(600);
    for (const bad of [undefined, null, 0, -1, 'soon', '1e3', Number.NaN, Number.POSITIVE_INFINITY]) expect(expiresInOf(bad), String(bad)).toBe(86_400);
  });
});

describe('isCredentialsRefusal', () => {
  it('is true for the statuses no retry can fix', () => {
    expect([400, 401, 403, 404].every(isCredentialsRefusal)).toBe(true);
    expect([408, 429, 500, 502, 503, 504].some(isCredentialsRefusal)).toBe(false);
  });
});
