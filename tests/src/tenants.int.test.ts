/**
 * Issue 11 from outside, over real HTTP between real processes (ingress and worker) and the Genesys simulator:
 * two tenants on one service, the dashboard's retry of a dead letter, and the configurations the processes refuse
 * to start with.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '@fallback/genesys-sim';
import { startService, waitFor } from '@fallback/testing';
import { startStack, type Stack } from './harness.js';

const KEY_A = 'tenant-a-e2e-key-0123456789';
const KEY_B = 'tenant-b-e2e-key-0123456789';
const ADMIN = `Basic ${Buffer.from('ops:tenants-e2e-password').toString('base64')}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'tenants-e2e-'));
const ROUTES_FILE = path.join(dir, 'routes.yaml');
writeFileSync(
  ROUTES_FILE,
  `sources:
  - { name: tenant-a, apiKeys: ["\${TENANT_A_KEYS}"] }
  - { name: tenant-b, apiKeys: ["\${TENANT_B_KEYS}"] }
default: { target: { queueId: ${SEED.fallbackQueue.id} } }
`,
);

describe('two tenants on one service', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      ingressEnv: {
        ROUTES_FILE,
        TENANT_A_KEYS: KEY_A,
        TENANT_B_KEYS: KEY_B,
        // Declared sources only: the harness's environment key would be refused beside them (tested below).
        INGRESS_API_KEYS: '',
        DEFAULT_QUEUE_ID: '',
        ADMIN_DASHBOARD: 'operate',
        ADMIN_USERNAME: 'ops',
        ADMIN_PASSWORD: 'tenants-e2e-password',
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const call = async (key: string, method: string, url: string, body?: object) => {
    const res = await fetch(`${stack.ingressUrl}${url}`, {
      method,
      headers: { authorization: key.startsWith('Basic ') ? key : `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const final = (key: string, id: string) =>
    waitFor(
      async () => {
        const res = await call(key, 'GET', `/v1/fallbacks/${id}`);
        return ['transferred', 'failed', 'expired'].includes(res.body?.status) ? res.body : undefined;
      },
      { timeoutMs: 20_000, what: `fallback ${id} to finish` },
    );

  it('a tenant pre-posting another\'s conversation and event ids with a past deadline gets its own job; the real failure gets its 202 and is moved', async () => {
    const conv = stack.sim.createConversation();
    const event = { eventId: 'evt-1', failureType: 'FLOW_ERROR', conversationId: conv.id };
    const squatted = await call(KEY_B, 'POST', '/v1/fallbacks', { ...event, deadline: new Date(Date.now() - 60_000).toISOString() });
    expect(squatted.status).toBe(202);
    expect((await final(KEY_B, squatted.body.id)).status).toBe('expired');

    const real = await call(KEY_A, 'POST', '/v1/fallbacks', event);
    expect(real.status).toBe(202);
    expect(real.body.id).not.toBe(squatted.body.id);
    expect(await final(KEY_A, real.body.id)).toMatchObject({ status: 'transferred', conversationId: conv.id });
    expect(stack.sim.transfers().filter((t) => t.conversationId === conv.id)).toHaveLength(1);

    // Cross reads: 404 not_found both ways, as for an id that never existed.
    for (const [key, id] of [
      [KEY_A, squatted.body.id],
      [KEY_B, real.body.id],
    ] as const) {
      const cross = await call(key, 'GET', `/v1/fallbacks/${id}`);
      expect(cross.status).toBe(404);
      expect(cross.body.error.code).toBe('not_found');
    }
    // The lookup lists each tenant's own only.
    expect((await call(KEY_A, 'GET', `/v1/fallbacks?conversationId=${conv.id}`)).body.fallbacks.map((f: { id: string }) => f.id)).toEqual([real.body.id]);
    expect((await call(KEY_B, 'GET', `/v1/fallbacks?conversationId=${conv.id}`)).body.fallbacks.map((f: { id: string }) => f.id)).toEqual([squatted.body.id]);
  });

  it('a key naming another source in the body is refused (403 source_mismatch), nothing enqueued', async () => {
    const conv = stack.sim.createConversation();
    const res = await call(KEY_B, 'POST', '/v1/fallbacks', { conversationId: conv.id, source: 'tenant-a' });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'source_mismatch', field: '/source' });
    expect((await call(KEY_A, 'GET', `/v1/fallbacks?conversationId=${conv.id}`)).body).toEqual({ fallbacks: [] });
    expect((await call(KEY_B, 'GET', `/v1/fallbacks?conversationId=${conv.id}`)).body).toEqual({ fallbacks: [] });
  });

  it('a dead letter retried from the dashboard runs afresh and transfers the call', async () => {
    const conv = stack.sim.createConversation();
    stack.sim.installFaults([{ endpoint: 'transfer', count: 1, conversationId: conv.id, action: { type: 'status', status: 400, code: 'conversations.error.queue.not.found', message: 'Queue not found' } }]);
    const res = await call(KEY_A, 'POST', '/v1/fallbacks', { eventId: 'dead-1', conversationId: conv.id });
    expect(await final(KEY_A, res.body.id)).toMatchObject({ status: 'failed', reason: 'genesys.rejected', attempts: 1 });

    expect((await call(ADMIN, 'PUT', `/admin/queues/api/queues/fallbacks/${res.body.id}/retry`)).status).toBe(204);
    const after = await final(KEY_A, res.body.id);
    expect(after).toMatchObject({ status: 'transferred', attempts: 1, starts: 1 });
    const data = JSON.parse((await stack.redis.hget(`${stack.prefix}:fallbacks:${res.body.id}`, 'data'))!);
    expect(data.retried).toBe(1);
    expect(stack.sim.transfers().filter((t) => t.conversationId === conv.id)).toHaveLength(1);
    // Once transferred (completed), it cannot be retried again.
    const again = await call(ADMIN, 'PUT', `/admin/queues/api/queues/fallbacks/${res.body.id}/retry`);
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('job_not_failed');
  });
});

describe('processes refuse to start with a configuration that would fail every job', () => {
  const QUEUE = SEED.fallbackQueue.id;
  const NAMED_QUEUE_ROUTES = path.join(dir, 'named-queue.yaml');
  writeFileSync(NAMED_QUEUE_ROUTES, `routes:\n  - { name: billing, match: { language: de }, target: { queueName: "DE Billing" } }\ndefault: { target: { queueId: ${QUEUE} } }\n`);
  const ingress = { INGRESS_API_KEYS: KEY_A, DEFAULT_QUEUE_ID: QUEUE, INGRESS_PORT: '0', REDIS_URL: 'redis://127.0.0.1:1' };
  const worker = { GENESYS_CLIENT_ID: 'id', GENESYS_CLIENT_SECRET: 'secret-0123456789', REDIS_URL: 'redis://127.0.0.1:1' };

  it.each([
    ['ingress', 'a Redis Cluster without a hash tag', { ...ingress, REDIS_URL: 'redis+cluster://127.0.0.1:1', QUEUE_PREFIX: 'fallback' }, /QUEUE_PREFIX: must hold a hash tag/],
    ['ingress', 'calls-replace with a queue target by name', { ...ingress, TRANSFER_STRATEGY: 'calls-replace', ROUTES_FILE: NAMED_QUEUE_ROUTES }, /TRANSFER_STRATEGY=calls-replace cannot reach routes\[0\] "billing" target/],
    ['worker', 'interactions against Genesys Cloud', { ...worker, TRANSFER_STRATEGY: 'interactions' }, /TRANSFER_STRATEGY: interactions .*does not exist in Genesys Cloud/],
    ['ingress', 'a DEFAULT_REFER_TO that is no number or SIP URI', { ...ingress, DEFAULT_REFER_TO: 'the IVR' }, /DEFAULT_REFER_TO: must be a number/],
    ['ingress', 'the environment key beside declared sources', { ...ingress, ROUTES_FILE, TENANT_A_KEYS: KEY_B, TENANT_B_KEYS: 'tenant-b-other-key-0123456789' }, /INGRESS_API_KEYS: must be unset when ROUTES_FILE declares sources/],
  ])('%s: %s', async (app, _label, env, line) => {
    const proc = startService(`${app}-refused`, `apps/${app}/src/main.ts`, env);
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const problems = proc.lines.filter((l) => /^\s+- /.test(l));
    expect(problems, proc.lines.join('\n')).toHaveLength(1);
    expect(problems[0]).toMatch(line);
    expect(proc.lines.join('\n')).not.toContain(KEY_A);
  });
});
