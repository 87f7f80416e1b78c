import { describe, expect, it } from 'vitest';
import { basicAuthVerifier, basicCredentials } from './basic-auth.js';

const basic = (s: string) => `Basic ${Buffer.from(s, 'utf8').toString('base64')}`;

describe('basic auth', () => {
  it('decodes user:password, keeping colons in the password', () => {
    expect(basicCredentials(basic('ops:pa:ss'))).toBe('ops:pa:ss');
    expect(basicCredentials(basic('no-colon'))).toBeUndefined();
    expect(basicCredentials('Bearer abc')).toBeUndefined();
    expect(basicCredentials('Basic !!!')).toBeUndefined();
    expect(basicCredentials(undefined)).toBeUndefined();
  });
  it('accepts exactly the configured user and password', () => {
    const verify = basicAuthVerifier('ops', 'correct horse battery');
    expect(verify(basic('ops:correct horse battery'))).toBe(true);
    expect(verify(`basic  ${Buffer.from('ops:correct horse battery').toString('base64')}`)).toBe(true);
    expect(verify(basic('ops:correct horse batter'))).toBe(false);
    expect(verify(basic('admin:correct horse battery'))).toBe(false);
    expect(verify(basic(':'))).toBe(false);
    expect(verify(undefined)).toBe(false);
  });
});
