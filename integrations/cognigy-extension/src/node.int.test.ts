/**
 * The node function against the real ingress: buildApp on a unique Redis prefix, listening on a real port, the
 * node's own HTTP client talking to it. Only Cognigy's runtime surface (`cognigy.api`) is a recording stand-in.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { UnrecoverableError, Worker } from 'bullmq';
import type { FallbackJobData, FallbackResult } from '@fallback/core';
import { policyFromEnv } from '@fallback/ingress-core';
import { VECTOR_SECRETS } from '@fallback/ingress-core/testing';
import { FALLBACK_QUEUE } from '@fallback/queue';
import { freePort } from '@fallback/testing';
import { startTestIngress, TEST_KEY, TEST_QUEUE, type TestIngress } from '@fallback/ingress/test/test-app.js';
import { CHILD_IDS, fakeCognigy } from './testing/fake-cognigy.js';
import { genesysFallbackNode } from './nodes/genesys-fallback.js';

const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';
const REFER_TO = 'sip:fallback-flow@example.pure.cloud';
let turn = 0;
/** A fresh Cognigy turn (its own inputId): a new failure, a new event. */
const nextInput = () => ({ inputId: `input-${process.pid}-${++turn}` });

const listen = async (t: TestIngress) => {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
};

/** Runs the node exactly as Cognigy would: the descriptor's function with rendered config. */
const run = async (config: Record<string, unknown>, opts: Parameters<typeof fakeCognigy>[1] = {}) => {
  const { params, recorded } = fakeCognigy({ conversationId: CID, failureType: 'FLOW_ERROR', ...config }, opts);
  await genesysFallbackNode.function!(params);
  return recorded;
};

describe('the Genesys fallback node against the ingress (API key)', () => {
  let t: TestIngress;
  let url: string;
  const conn = () => ({ authType: 'apiKey', apiKeyConnection: { serviceUrl: url, apiKey: TEST_KEY } });

  beforeAll(async () => {
    t = await startTestIngress({
      redisUrl: inject('redisUrl'),
      name: 'cognigy-node',
      policy: policyFromEnv({ apiKeys: [TEST_KEY], webhookSecrets: [], defaultQueueId: TEST_QUEUE, referTo: REFER_TO }),
    });
    url = await listen(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepted: takes On accepted and stores the target and referTo in the context', async () => {
    const recorded = await run(conn(), { input: nextInput() });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.accepted]);
    const result = recorded.context['genesysFallback'] as Record<string, unknown>;
    expect(result).toMatchObject({
      ok: true,
      httpStatus: 202,
      status: 'queued',
      duplicate: false,
      conversationId: CID,
      target: { kind: 'queue', queueId: TEST_QUEUE },
      referTo: REFER_TO,
      attempts: 1,
    });
    // The job is in Redis under the id the node stored.
    expect(await t.jobIds()).toContain(result['id']);
    expect(recorded.logs.some((l) => l.level === 'info' && l.text.includes(String(result['id'])))).toBe(true);
  });

  it('stores in input under a chosen key when told to', async () => {
    const recorded = await run({ ...conn(), storeLocation: 'input', storeKey: 'fallback' }, { input: nextInput() });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.accepted]);
    expect(recorded.input['fallback']).toMatchObject({ ok: true, referTo: REFER_TO });
    expect(recorded.context).toEqual({});
  });

  it('a repeated run for the same failure is deduplicated: same fallback, marked as known, one job', async () => {
    const input = nextInput();
    const before = (await t.jobIds()).length;
    const first = await run(conn(), { input });
    const again = await run(conn(), { input });
    const a = first.context['genesysFallback'] as Record<string, unknown>;
    const b = again.context['genesysFallback'] as Record<string, unknown>;
    expect(again.nextNodes).toEqual([CHILD_IDS.accepted]);
    expect(b).toMatchObject({ httpStatus: 200, duplicate: true, id: a['id'], eventId: a['eventId'] });
    expect((await t.jobIds()).length).toBe(before + 1);
  });

  it('401: a wrong API key takes On error with the service code', async () => {
    const recorded = await run({ authType: 'apiKey', apiKeyConnection: { serviceUrl: url, apiKey: 'not-the-key-0123456789' } }, { input: nextInput() });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.error]);
    expect(recorded.context['genesysFallback']).toMatchObject({ ok: false, httpStatus: 401, code: 'unauthorized', attempts: 1 });
    expect(recorded.logs.map((l) => l.text).join('\n')).not.toContain('not-the-key-0123456789');
  });

  it('400: a malformed conversation id takes On error naming the field; nothing is enqueued', async () => {
    const before = await t.jobIds();
    const recorded = await run({ ...conn(), conversationId: 'call-1234' }, { input: nextInput() });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.error]);
    expect(recorded.context['genesysFallback']).toMatchObject({ ok: false, httpStatus: 400, code: 'invalid_payload', field: '/conversationId' });
    expect(await t.jobIds()).toEqual(before);
  });

  it('no conversation id in the context: On error at once, without a request', async () => {
    const before = await t.jobIds();
    const recorded = await run({ ...conn(), conversationId: '' }, { input: nextInput() });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.error]);
    expect(recorded.context['genesysFallback']).toMatchObject({ code: 'missing_conversation_id', attempts: 0 });
    expect(await t.jobIds()).toEqual(before);
  });

  it('a routing hint the rule does not allow is reported as ignored, and the caller still goes to the rule target', async () => {
    const recorded = await run({ ...conn(), routingHintType: 'queueName', routingHintValue: 'Somewhere else' }, { input: nextInput() });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.accepted]);
    expect(recorded.context['genesysFallback']).toMatchObject({ routingHint: 'ignored', target: { kind: 'queue', queueId: TEST_QUEUE } });
  });

  it('never throws: no connection, a throwing logger — still a branch', async () => {
    const recorded = await run({ authType: 'apiKey' }, { input: nextInput(), throwingLog: true });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.error]);
    expect(recorded.context['genesysFallback']).toMatchObject({ code: 'invalid_connection' });
  });

  it('an unreachable service: On error with network_error after its retries', async () => {
    const closed = await freePort();
    const recorded = await run({ authType: 'apiKey', apiKeyConnection: { serviceUrl: `http://127.0.0.1:${closed}`, apiKey: TEST_KEY } }, { input: nextInput() });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.error]);
    expect(recorded.context['genesysFallback']).toMatchObject({ ok: false, code: 'network_error', attempts: 3 });
  });

  it('a 503 in front of the service is retried with the same event: accepted once', async () => {
    // A proxy that answers the first request 503 (as the ingress does while Redis is down) and forwards the rest.
    let seen = 0;
    const proxy = http.createServer((req, res) => {
      seen += 1;
      if (seen === 1) {
        req.resume();
        res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"error":{"code":"queue_unavailable","message":"retry"}}');
        return;
      }
      const upstream = http.request(`${url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const before = (await t.jobIds()).length;
      const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const recorded = await run({ authType: 'apiKey', apiKeyConnection: { serviceUrl: proxied, apiKey: TEST_KEY } }, { input: nextInput() });
      expect(recorded.nextNodes).toEqual([CHILD_IDS.accepted]);
      expect(recorded.context['genesysFallback']).toMatchObject({ ok: true, httpStatus: 202, attempts: 2 });
      expect(seen).toBe(2);
      expect((await t.jobIds()).length).toBe(before + 1);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('the Genesys fallback node against the ingress (signed)', () => {
  let t: TestIngress;
  let url: string;

  beforeAll(async () => {
    t = await startTestIngress({
      redisUrl: inject('redisUrl'),
      name: 'cognigy-signed',
      policy: policyFromEnv({ apiKeys: [], webhookSecrets: [VECTOR_SECRETS.current], defaultQueueId: TEST_QUEUE }),
    });
    url = await listen(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("signs with the connection's secret; the ingress verifies it and accepts", async () => {
    const recorded = await run({ authType: 'webhook', webhookConnection: { serviceUrl: `${url}/`, webhookSecret: VECTOR_SECRETS.current } }, { input: nextInput() });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.accepted]);
    expect(recorded.context['genesysFallback']).toMatchObject({ ok: true, httpStatus: 202, target: { kind: 'queue', queueId: TEST_QUEUE } });
    expect(recorded.logs.map((l) => l.text).join('\n')).not.toContain(VECTOR_SECRETS.current.slice(6));
  });

  it('a secret the ingress does not know: On error with invalid_signature', async () => {
    const recorded = await run({ authType: 'webhook', webhookConnection: { serviceUrl: url, webhookSecret: VECTOR_SECRETS.rotated } }, { input: nextInput() });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.error]);
    expect(recorded.context['genesysFallback']).toMatchObject({ ok: false, httpStatus: 401, code: 'invalid_signature' });
  });

  it('a secret that is not one: On error without a request', async () => {
    const recorded = await run({ authType: 'webhook', webhookConnection: { serviceUrl: url, webhookSecret: 'password123' } }, { input: nextInput() });
    expect(recorded.context['genesysFallback']).toMatchObject({ code: 'invalid_connection', attempts: 0 });
  });
});

describe('the Genesys fallback node with a wait (?wait)', () => {
  let t: TestIngress;
  let url: string;
  let worker: Worker<FallbackJobData, FallbackResult>;
  let connection: Redis;

  beforeAll(async () => {
    const redisUrl = inject('redisUrl');
    t = await startTestIngress({ redisUrl, name: 'cognigy-wait', waiter: true });
    url = await listen(t);
    // Stands in for the worker process (as the ingress' own ?wait tests do): real queue and events, no Genesys.
    connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    worker = new Worker<FallbackJobData, FallbackResult>(
      FALLBACK_QUEUE,
      async (job) => {
        if (job.data.failureType === 'CALL_FAILED') throw new UnrecoverableError('call.ended: the caller hung up');
        return { outcome: 'transferred', at: Date.now(), target: job.data.target, participantId: 'bot-leg', alreadyTransferred: false, genesysRequests: 3 };
      },
      { connection, prefix: t.prefix },
    );
  });
  afterAll(async () => {
    await worker?.close();
    await connection?.quit();
    await t?.close();
  });

  const conn = () => ({ authType: 'apiKey', apiKeyConnection: { serviceUrl: url, apiKey: TEST_KEY }, waitSeconds: 5 });

  it('On accepted once the call was moved', async () => {
    const recorded = await run(conn(), { input: nextInput() });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.accepted]);
    expect(recorded.context['genesysFallback']).toMatchObject({ ok: true, httpStatus: 200, status: 'transferred' });
  });

  it('On error when the fallback ended without a transfer, with its reason', async () => {
    const recorded = await run({ ...conn(), failureType: 'CALL_FAILED' }, { input: nextInput() });
    expect(recorded.nextNodes).toEqual([CHILD_IDS.error]);
    expect(recorded.context['genesysFallback']).toMatchObject({ ok: false, code: 'fallback_failed', status: 'failed', reason: 'call.ended' });
  });
});
