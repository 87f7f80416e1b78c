import { describe, expect, it } from 'vitest';
import { WebhookKeys, isUsableWebhookSecret, readSignedMessage, type SignatureHeaders } from './signature.js';
import { SIGNED_VECTOR, SPEC_VECTOR, VECTOR_SECRETS } from './testing.js';

const SPEC = SPEC_VECTOR;
const CURRENT = VECTOR_SECRETS.current;
const ROTATED = VECTOR_SECRETS.rotated;
const VECTOR = SIGNED_VECTOR;

const headers = (id: string, ts: number | string, sig: string): SignatureHeaders => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig });

function verify(secrets: string[], h: SignatureHeaders, payload: string, nowSec: number) {
  const message = readSignedMessage(h, nowSec * 1000);
  if ('code' in message) return message.code;
  return new WebhookKeys(secrets).verifies(message, payload);
}

describe('Standard Webhooks verification', () => {
  it('accepts the specification example', () => {
    expect(verify([SPEC.secret], headers(SPEC.id, SPEC.timestamp, SPEC.signature), SPEC.payload, SPEC.timestamp)).toBe(true);
  });

  it('accepts the pinned vector with either secret configured (rotation), and both signatures sent at once', () => {
    const at = VECTOR.timestamp + 10;
    expect(verify([CURRENT], headers(VECTOR.id, VECTOR.timestamp, VECTOR.byCurrent), VECTOR.payload, at)).toBe(true);
    expect(verify([ROTATED, CURRENT], headers(VECTOR.id, VECTOR.timestamp, VECTOR.byCurrent), VECTOR.payload, at)).toBe(true);
    expect(verify([ROTATED], headers(VECTOR.id, VECTOR.timestamp, VECTOR.byRotated), VECTOR.payload, at)).toBe(true);
    // A sender mid-rotation signs with both; a receiver knowing only the new secret accepts it.
    expect(verify([ROTATED], headers(VECTOR.id, VECTOR.timestamp, `${VECTOR.byCurrent} ${VECTOR.byRotated}`), VECTOR.payload, at)).toBe(true);
    // After the old secret is removed, its signature alone no longer passes.
    expect(verify([ROTATED], headers(VECTOR.id, VECTOR.timestamp, VECTOR.byCurrent), VECTOR.payload, at)).toBe(false);
  });

  it.each([
    ['one changed byte of the body', { payload: VECTOR.payload.replace('FLOW_ERROR', 'FLOW_ERRO2') }],
    ['another webhook-id', { id: 'msg_other' }],
    ['another timestamp', { ts: VECTOR.timestamp + 1 }],
    ['a signature of another version', { sig: VECTOR.byCurrent.replace('v1,', 'v1a,') }],
    ['a truncated signature', { sig: VECTOR.byCurrent.slice(0, -2) }],
  ])('refuses %s', (_label, change: { payload?: string; id?: string; ts?: number; sig?: string }) => {
    const result = verify(
      [CURRENT],
      headers(change.id ?? VECTOR.id, change.ts ?? VECTOR.timestamp, change.sig ?? VECTOR.byCurrent),
      change.payload ?? VECTOR.payload,
      VECTOR.timestamp,
    );
    expect(result === false || result === 'invalid_signature').toBe(true);
  });

  it('enforces ±300 s around our clock, at the edges exactly', () => {
    const h = headers(VECTOR.id, VECTOR.timestamp, VECTOR.byCurrent);
    expect(verify([CURRENT], h, VECTOR.payload, VECTOR.timestamp + 300)).toBe(true);
    expect(verify([CURRENT], h, VECTOR.payload, VECTOR.timestamp - 300)).toBe(true);
    expect(verify([CURRENT], h, VECTOR.payload, VECTOR.timestamp + 301)).toBe('timestamp_out_of_tolerance');
    expect(verify([CURRENT], h, VECTOR.payload, VECTOR.timestamp - 301)).toBe('timestamp_out_of_tolerance');
  });

  it.each([
    ['no signature header', { 'webhook-id': 'x', 'webhook-timestamp': '1700000000' }],
    ['a repeated header', { ...headers('x', 1700000000, VECTOR.byCurrent), 'webhook-id': ['a', 'b'] }],
    ['a timestamp in milliseconds-with-junk', headers('x', '1700000000abc', VECTOR.byCurrent)],
    ['a negative timestamp', headers('x', '-1700000000', VECTOR.byCurrent)],
    ['an overlong id', headers('x'.repeat(257), 1700000000, VECTOR.byCurrent)],
    ['no v1 entry', headers('x', 1700000000, 'v2,abc')],
  ] as [string, SignatureHeaders][])('calls %s an invalid signature', (_label, h) => {
    const m = readSignedMessage(h, VECTOR.timestamp * 1000);
    expect('code' in m && m.code).toBe('invalid_signature');
  });
});

describe('isUsableWebhookSecret', () => {
  it.each([
    [CURRENT, true],
    [ROTATED, true],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', true],
    ['whsec_c2hvcnQ=', false],
    ['whsec_not base64!', false],
    ['', false],
  ])('%j → %s', (secret, ok) => expect(isUsableWebhookSecret(secret)).toBe(ok));
});
