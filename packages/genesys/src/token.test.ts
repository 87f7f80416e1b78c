import { describe, expect, it } from 'vitest';
import { needsRefresh, tokenTimes } from './token.js';

describe('token expiry', () => {
  it('refreshes 10 % of the lifetime before expiry, between 5 s and 5 min ahead', () => {
    expect(tokenTimes(0, 86_400)).toEqual({ expiresAt: 86_400_000, refreshAt: 86_400_000 - 300_000 });
    expect(tokenTimes(0, 300)).toEqual({ expiresAt: 300_000, refreshAt: 270_000 });
    expect(tokenTimes(0, 20)).toEqual({ expiresAt: 20_000, refreshAt: 15_000 });
    expect(tokenTimes(1000, 2).refreshAt).toBe(1000);
  });
  it('needs a token when none is cached or the refresh time has come', () => {
    const t = { accessToken: 'x', ...tokenTimes(0, 300) };
    expect(needsRefresh(undefined, 0)).toBe(true);
    expect(needsRefresh(t, 269_999)).toBe(false);
    expect(needsRefresh(t, 270_000)).toBe(true);
  });
});
