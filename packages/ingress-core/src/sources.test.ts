import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createAuthenticator, effectiveSource, isAuthFailure, tenantOf, type SourceSpec } from './sources.js';

const open: SourceSpec = { name: 'default', apiKeys: ['env-key-0123456789'], webhookSecrets: [], openSourceName: true };
const cognigy: SourceSpec = { name: 'cognigy', apiKeys: ['cognigy-new-0123456789', 'cognigy-old-0123456789'], webhookSecrets: [], openSourceName: false };
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const orchestrator: SourceSpec = { name: 'orchestrator', apiKeys: [], webhookSecrets: [SECRET], openSourceName: false };
const NOW = 1_700_000_000_000;
const auth = createAuthenticator([open, cognigy, orchestrator], () => NOW);

const sign = (secret: string, body: string, id = 'msg_1', at = NOW) => ({
  'webhook-id': id,
  'webhook-timestamp': String(Math.floor(at / 1000)),
  'webhook-signature': new Webhook(secret).sign(id, new Date(at), body),
});

describe('createAuthenticator', () => {
  it.each([
    ['Bearer env-key-0123456789', 'default'],
    ['Bearer cognigy-new-0123456789', 'cognigy'],
    ['bearer cognigy-old-0123456789', 'cognigy'],
  ])('%s authenticates as %s', (header, name) => {
    const p = auth.bearer(header);
    expect(!isAuthFailure(p) && p.source.name).toBe(name);
  });

  it.each([undefined, '', 'Bearer', 'Bearer cognigy-new-012345678', 'Basic Y29nbmlneQ==', 'Bearer whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'])(
    'refuses %j',
    (header) => {
      expect(auth.bearer(header)).toMatchObject({ code: 'unauthorized' });
    },
  );

  it('authenticates a signed request to the source whose secret signed it', () => {
    const body = '{"conversationId":"x"}';
    const p = auth.signed(sign(SECRET, body), body);
    expect(!isAuthFailure(p) && [p.source.name, p.method]).toEqual(['orchestrator', 'signature']);
    expect(auth.signed(sign(SECRET, body), `${body} `)).toMatchObject({ code: 'invalid_signature' });
    expect(auth.signed(sign('whsec_cm90YXRlZC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg==', body), body)).toMatchObject({ code: 'invalid_signature' });
    expect(auth.signed(sign(SECRET, body, 'msg_1', NOW - 301_000), body)).toMatchObject({ code: 'timestamp_out_of_tolerance' });
  });

  it('refuses signatures outright when no source signs', () => {
    const keysOnly = createAuthenticator([cognigy], () => NOW);
    expect(keysOnly.signed(sign(SECRET, '{}'), '{}')).toMatchObject({ code: 'unauthorized' });
  });
});

describe('effectiveSource', () => {
  it('trusts the body of the open (environment) source', () => {
    expect(effectiveSource({ source: open, method: 'api-key' }, 'cognigy-eu')).toEqual({ source: 'cognigy-eu' });
    expect(effectiveSource({ source: open, method: 'api-key' }, undefined)).toEqual({ source: undefined });
  });
  it('pins a declared source to its name', () => {
    expect(effectiveSource({ source: cognigy, method: 'api-key' }, undefined)).toEqual({ source: 'cognigy' });
    expect(effectiveSource({ source: cognigy, method: 'api-key' }, 'cognigy')).toEqual({ source: 'cognigy' });
    expect(effectiveSource({ source: cognigy, method: 'api-key' }, 'orchestrator')).toMatchObject({ problem: { field: '/source' } });
  });
});

describe('tenantOf', () => {
  it('is the declared source, and none for the environment source (single tenant)', () => {
    expect(tenantOf({ source: cognigy, method: 'api-key' })).toBe('cognigy');
    expect(tenantOf({ source: orchestrator, method: 'signature' })).toBe('orchestrator');
    expect(tenantOf({ source: open, method: 'api-key' })).toBeUndefined();
  });
});
