import { describe, expect, it } from 'vitest';
import { WebhookKeys, readSignedMessage } from '@fallback/ingress-core';
import { SIGNED_VECTOR, SPEC_VECTOR, VECTOR_SECRETS } from '@fallback/ingress-core/testing';
import { signWebhook, signedHeaders, webhookIdOf, webhookKey } from './sign.js';

describe('Standard Webhooks signing', () => {
  it("reproduces the specification's example and the service's pinned vectors", () => {
    expect(signWebhook(webhookKey(SPEC_VECTOR.secret)!, SPEC_VECTOR.id, SPEC_VECTOR.timestamp, SPEC_VECTOR.payload)).toBe(SPEC_VECTOR.signature);
    expect(signWebhook(webhookKey(VECTOR_SECRETS.current)!, SIGNED_VECTOR.id, SIGNED_VECTOR.timestamp, SIGNED_VECTOR.payload)).toBe(SIGNED_VECTOR.byCurrent);
    expect(signWebhook(webhookKey(VECTOR_SECRETS.rotated)!, SIGNED_VECTOR.id, SIGNED_VECTOR.timestamp, SIGNED_VECTOR.payload)).toBe(SIGNED_VECTOR.byRotated);
  });

  it("makes headers the service's verifier accepts, and only with the right secret", () => {
    const now = Date.parse('2026-11-24T12:00:00Z');
    const payload = '{"conversationId":"2b80f5c9-cb7b-430b-8607-1862b7380c1f"}';
    const headers = signedHeaders(webhookKey(VECTOR_SECRETS.current)!, 'evt-1', now, payload);
    const message = readSignedMessage(headers, now + 1000);
    if ('code' in message) throw new Error(message.message);
    expect(new WebhookKeys([VECTOR_SECRETS.current]).verifies(message, payload)).toBe(true);
    expect(new WebhookKeys([VECTOR_SECRETS.rotated]).verifies(message, payload)).toBe(false);
    expect(new WebhookKeys([VECTOR_SECRETS.current]).verifies(message, payload.replace('2b', '3b'))).toBe(false);
  });

  it('keeps the webhook-id per event (a resend is the same message) and header-safe', () => {
    expect(webhookIdOf('evt-1')).toBe(webhookIdOf('evt-1'));
    expect(webhookIdOf('evt-1')).not.toBe(webhookIdOf('evt-2'));
    expect(webhookIdOf('ünïcode id with spaces')).toMatch(/^msg_[0-9a-f]{32}$/);
  });

  it('takes the secrets the service takes and refuses others', () => {
    expect(webhookKey(VECTOR_SECRETS.rotated)?.toString()).toBe('rotated-secret-0123456789abcdef');
    expect(webhookKey(VECTOR_SECRETS.current.slice(6))).toBeDefined(); // bare base64
    expect(webhookKey('whsec_c2hvcnQ=')).toBeUndefined(); // 5 bytes
    expect(webhookKey('my secret')).toBeUndefined();
    expect(webhookKey('')).toBeUndefined();
  });
});
