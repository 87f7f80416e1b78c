/**
 * The routes file through the app: rules choose the target recorded on the job, referTo is echoed, a routingHint
 * picks only what the matched rule allows, Cognigy-shaped bodies are accepted, and a signed request with the
 * pinned Standard Webhooks vector is authenticated as its source.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseRoutesFile } from '@fallback/ingress-core';
import { SIGNED_VECTOR, VECTOR_SECRETS } from '@fallback/ingress-core/testing';
import { startTestIngress, type TestIngress } from '../test/test-app.js';

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../routes.example.yaml');
const COGNIGY_KEY = 'cognigy-routing-key-0123456789';
const SECRET = VECTOR_SECRETS.current;
const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';
// Pinned once with standardwebhooks 1.1.1 (also checked in packages/ingress-core/src/signature.test.ts).
const VECTOR = { ...SIGNED_VECTOR, signature: SIGNED_VECTOR.byCurrent };
// A Monday, 12:00 in Berlin: outside the example's night window.
const MONDAY_NOON = Date.parse('2026-11-23T11:00:00Z');

describe('routing through the app (routes.example.yaml)', () => {
  let t: TestIngress;
  let clock = MONDAY_NOON;
  beforeAll(async () => {
    const policy = parseRoutesFile(readFileSync(EXAMPLE, 'utf8'), {
      fileName: EXAMPLE,
      env: { COGNIGY_API_KEYS: COGNIGY_KEY, ORCHESTRATOR_WEBHOOK_SECRETS: SECRET },
      defaults: { apiKeys: [], webhookSecrets: [] },
    });
    t = await startTestIngress({ redisUrl: inject('redisUrl'), policy, now: () => clock, name: 'routing' });
  });
  afterAll(async () => {
    await t?.close();
  });

  let n = 0;
  const post = (body: object) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/fallbacks',
      headers: { authorization: `Bearer ${COGNIGY_KEY}`, 'content-type': 'application/json' },
      payload: { eventId: `routing-${process.pid}-${++n}`, ...body },
    });
  const jobOf = async (id: string) => (await t.deps.queue.getJob(id))!.data;

  it('records the matched rule and its target on the job, and echoes referTo', async () => {
    const res = await post({ conversationId: CID, failureType: 'LLM_ERROR' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ route: 'llm-outage', target: { kind: 'queue', queueName: 'Bot outage overflow' }, referTo: 'sip:overflow@fallback.example.com' });
    expect(await jobOf(res.json().id)).toMatchObject({ route: 'llm-outage', source: 'cognigy', target: { kind: 'queue', queueName: 'Bot outage overflow' } });
  });

  it('falls back to the default route', async () => {
    const res = await post({ conversationId: CID });
    expect(res.json()).toMatchObject({ route: 'default', target: { kind: 'queue', queueId: '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b' }, referTo: 'sip:fallback-ivr@fallback.example.com' });
  });

  it('follows the time window of the rule (21:00 Berlin → the night IVR number)', async () => {
    clock = Date.parse('2026-11-23T20:00:00Z');
    try {
      const res = await post({ conversationId: CID });
      expect(res.json()).toMatchObject({ route: 'night-ivr', target: { kind: 'number', address: '+4930123456' }, referTo: 'tel:+4930123456' });
    } finally {
      clock = MONDAY_NOON;
    }
  });

  it('lets a routingHint pick an allowed target, and ignores (and logs) one that is not allowed', async () => {
    const german = { conversationId: CID, language: 'de-DE', bot: { flowName: 'Billing' } };
    const allowed = await post({ ...german, routingHint: { queueName: 'DE Billing Tier 2' } });
    expect(allowed.json()).toMatchObject({ route: 'german-billing', routingHint: 'applied', target: { kind: 'queue', queueId: '7a5d3b2f-9c4e-4f60-8b8c-2d3e4f5a6b7c' } });
    expect((await jobOf(allowed.json().id)).target).toEqual({ kind: 'queue', queueId: '7a5d3b2f-9c4e-4f60-8b8c-2d3e4f5a6b7c', queueName: 'DE Billing Tier 2' });

    const arbitrary = await post({ ...german, routingHint: { address: '+19005550100' } });
    expect(arbitrary.statusCode).toBe(202);
    expect(arbitrary.json()).toMatchObject({ route: 'german-billing', routingHint: 'ignored', target: { kind: 'queue', queueName: 'DE Billing' } });
    expect((await jobOf(arbitrary.json().id)).target).toMatchObject({ queueName: 'DE Billing' });
    expect(t.logs.some((l) => l.includes('routingHint names a target the matched rule does not allow'))).toBe(true);
  });

  it('accepts a Cognigy-shaped body (ids in context.genesys) and stores nothing else of the context', async () => {
    const res = await post({
      failureType: 'FLOW_ERROR',
      cognigy: { sessionId: 'session-1', userId: 'user-1' },
      context: { genesys: { conversationId: CID.toUpperCase(), participantId: 'ABCDEF01-0000-4000-8000-000000000000' }, customer: { phone: '+14155550123' } },
    });
    expect(res.statusCode).toBe(202);
    const data = await jobOf(res.json().id);
    expect(data).toMatchObject({ conversationId: CID, participantId: 'abcdef01-0000-4000-8000-000000000000', cognigy: { sessionId: 'session-1' } });
    expect(JSON.stringify(data)).not.toContain('4155550123');
  });

  it('authenticates the pinned signed vector as the orchestrator source', async () => {
    clock = (VECTOR.timestamp + 5) * 1000;
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/fallbacks',
        headers: { 'content-type': 'application/json', 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature },
        payload: VECTOR.payload,
      });
      expect(res.statusCode).toBe(202);
      expect((await jobOf(res.json().id)).source).toBe('orchestrator');
      // The same bytes re-serialized differently (a space) are not what was signed.
      const altered = await t.app.inject({
        method: 'POST',
        url: '/v1/fallbacks',
        headers: { 'content-type': 'application/json', 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature },
        payload: VECTOR.payload.replace('{', '{ '),
      });
      expect(altered.statusCode).toBe(401);
    } finally {
      clock = MONDAY_NOON;
    }
  });
});
