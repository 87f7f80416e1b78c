import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256, sha256Hex } from './hash.js';

describe('sha256', () => {
  it.each(['', 'bench-api-key-0123456789abcdef', '2b80f5c9-cb7b-430b-8607-1862b7380c1f|event|e-1', 'ünïcødé ✓'])('is SHA-256 of the UTF-8 bytes of %j', (value) => {
    const expected = createHash('sha256').update(value, 'utf8').digest();
    expect(sha256(value).equals(expected)).toBe(true);
    expect(sha256Hex(value)).toBe(expected.toString('hex'));
  });
});
