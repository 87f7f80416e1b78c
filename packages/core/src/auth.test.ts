import { describe, expect, it } from 'vitest';
import { apiKeyVerifier, bearerToken } from './auth.js';

describe('apiKeyVerifier', () => {
  const verify = apiKeyVerifier(['current-key-0123456789', 'previous-key-0123456789']);
  it('accepts every configured key (rotation) and nothing else', () => {
    expect(verify('current-key-0123456789')).toBe(true);
    expect(verify('previous-key-0123456789')).toBe(true);
    expect(verify('current-key-012345678')).toBe(false);
    expect(verify('current-key-01234567890')).toBe(false);
    expect(verify('')).toBe(false);
    expect(verify(undefined)).toBe(false);
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header only', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
