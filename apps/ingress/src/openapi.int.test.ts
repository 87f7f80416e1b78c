/**
 * GET /v1/openapi.json (issue 14 §2): a valid OpenAPI 3.1 document, and every answer it documents exercised over
 * real HTTP, the body checked against the documented schema (ajv on the document's own schemas) and the documented
 * headers present. The last test fails when the document lists an answer nobody exercised. Real apps on real Redis:
 * one on the shared Redis, one shedding load (a 1-byte heap bound), one whose private redis-server is killed.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Redis } from 'ioredis';
import { UnrecoverableError, Worker } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { formatFailure, type FallbackJobData, type FallbackResult } from '@fallback/core';
import type { IngressPolicy } from '@fallback/ingress-core';
import { FALLBACK_QUEUE } from '@fallback/queue';
import { startPrivateRedis, waitFor, type PrivateRedis } from '@fallback/testing';
import { startTestIngress, TEST_QUEUE, type TestIngress } from '../test/test-app.js';
import { ERROR_CODES } from './contract.js';

const OPEN_KEY = 'openapi-open-key-0123456789';
const COGNIGY_KEY = 'openapi-cognigy-key-0123456789';
const TINY_KEY = 'openapi-tiny-key-0123456789';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const REFER_TO = '+4930123456';
const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';
const FINALS_CID = '7e2a9c41-5d3b-4f6e-8a1c-2b3d4e5f6a7b';
const NO_SUCH_ID = 'fb-00000000000000000000000000000000';

const policy: IngressPolicy = {
  sources: [
    { name: 'default', apiKeys: [OPEN_KEY], webhookSecrets: [], openSourceName: true },
    { name: 'cognigy', apiKeys: [COGNIGY_KEY], webhookSecrets: [], openSourceName: false },
    { name: 'signed', apiKeys: [], webhookSecrets: [SECRET], openSourceName: false },
    { name: 'tiny', apiKeys: [TINY_KEY], webhookSecrets: [], openSourceName: false, rateLimit: { max: 1, windowMs: 60_000 } },
  ],
  routing: { rules: [], fallback: { name: 'default', target: { kind: 'queue', queueId: TEST_QUEUE }, allow: [], referTo: REFER_TO } },
  defaultFrom: 'file',
  warnings: [],
};

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}
interface OpenApiResponse {
  content?: Record<string, { schema: object }>;
  headers?: Record<string, { schema: { type?: string } }>;
}
// The document is checked against the OpenAPI schema first; the tests then read it as plain JSON.
type Document = { openapi: string; paths: Record<string, Record<string, any>>; components: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

let n = 0;
const event = (extra: Record<string, unknown> = {}) => ({ eventId: `openapi-${process.pid}-${++n}`, conversationId: CID, failureType: 'FLOW_ERROR', ...extra });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const json = { 'content-type': 'application/json' };

function signed(body: string, at = Date.now()) {
  const id = `msg_openapi_${++n}`;
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at / 1000)), 'webhook-signature': new Webhook(SECRET).sign(id, new Date(at), body) };
}

describe('the OpenAPI document, answer by answer', () => {
  let main: TestIngress;
  let shedding: TestIngress;
  let down: TestIngress;
  let privateRedis: PrivateRedis;
  let doc: Document;
  const base = new Map<TestIngress, string>();
  /** `METHOD /path status` of every answer exercised and found as documented. */
  const exercised = new Set<string>();
  // Strict, except for the event schema's deliberate forms: anyOf branches that only require a property declared
  // beside them (one of the two places of the conversation id), without repeating its type.
  const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
  addFormats.default(ajv);
  const compiled = new Map<object, ValidateFunction>();
  const compile = (schema: object) => compiled.get(schema) ?? compiled.set(schema, ajv.compile(schema)).get(schema)!;

  const call = async (t: TestIngress, method: Method, url: string, opts: { headers?: Record<string, string>; body?: string | object } = {}): Promise<Answer> => {
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const res = await fetch(`${base.get(t)}${url}`, { method, headers: opts.headers ?? {}, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, json: parsed };
  };

  /** Checks an answer against what the document says for that operation and status; returns its body. */
  const documented = (method: Method, path: string, answer: Answer, status: number, code?: string) => {
    expect(answer.status, `${method} ${path}: ${answer.text.slice(0, 300)}`).toBe(status);
    const response = doc.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)] as OpenApiResponse | undefined;
    expect(response, `${method} ${path} ${status} is documented`).toBeDefined();
    const [mediaType, media] = Object.entries(response!.content ?? {})[0]!;
    expect(answer.headers.get('content-type')).toContain(mediaType);
    const validate = compile(media.schema);
    expect(validate(answer.json), `${method} ${path} ${status}: ${JSON.stringify(validate.errors)} in ${answer.text.slice(0, 300)}`).toBe(true);
    for (const [name, header] of Object.entries(response!.headers ?? {})) {
      const value = answer.headers.get(name);
      expect(value, `${method} ${path} ${status} header ${name}`).not.toBeNull();
      if (header.schema.type === 'integer') expect(value).toMatch(/^\d+$/);
    }
    if (code !== undefined) expect(answer.json.error.code).toBe(code);
    exercised.add(`${method} ${path} ${status}`);
    return answer.json;
  };

  beforeAll(async () => {
    main = await startTestIngress({ redisUrl: inject('redisUrl'), policy, name: 'openapi', waiter: true });
    shedding = await startTestIngress({
      redisUrl: inject('redisUrl'),
      policy,
      name: 'openapi-shed',
      docsUi: true,
      config: { overload: { maxEventLoopDelayMs: 0, maxHeapUsedBytes: 1, maxRssBytes: 0, retryAfterSec: 2 } },
    });
    privateRedis = await startPrivateRedis();
    down = await startTestIngress({ redisUrl: privateRedis.url, policy, name: 'openapi-down' });
    // Its Redis is killed below; the test's own connection to it would print every failed reconnect.
    down.probe.on('error', () => undefined);
    for (const t of [main, shedding, down]) base.set(t, await t.app.listen({ host: '127.0.0.1', port: 0 }));
    const answer = await call(main, 'GET', '/v1/openapi.json');
    expect(answer.status).toBe(200);
    doc = answer.json;
  });
  afterAll(async () => {
    await main?.close();
    await shedding?.close();
    // Its Redis was killed: the close cannot reach it, and need not wait for it.
    await Promise.race([down?.close(), new Promise((r) => setTimeout(r, 3000))]);
    await privateRedis?.destroy();
  });

  it('is a valid OpenAPI 3.1 document: every route, every answer, both ways to authenticate, schemas that compile', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');

    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })));
    expect(operations.map((o) => o.id)).toEqual(
      expect.arrayContaining(['POST /v1/fallbacks', 'GET /v1/fallbacks', 'GET /v1/fallbacks/{id}', 'GET /v1/openapi.json', 'GET /v1/schema/failure-event.json']),
    );
    // The metrics, the dashboard and Swagger UI are not part of the contract.
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/v1/') && !['/healthz', '/readyz'].includes(p))).toEqual([]);
    const statuses = new Set(operations.flatMap((o) => Object.keys(o.op.responses)));
    for (const status of ['200', '202', '400', '401', '403', '404', '405', '413', '415', '429', '503']) expect(statuses).toContain(status);

    const post = doc.paths['/v1/fallbacks']!['post'];
    expect(post.requestBody.content['application/json'].schema).toMatchObject({ title: 'Bot failure event', additionalProperties: false });
    expect(post.security).toEqual([{ apiKey: [] }, { webhookId: [], webhookTimestamp: [], webhookSignature: [] }]);
    expect(doc.components['securitySchemes']).toMatchObject({
      apiKey: { type: 'http', scheme: 'bearer' },
      webhookSignature: { type: 'apiKey', in: 'header', name: 'webhook-signature' },
    });
    // Every stable code but the bug (500) is an enum value of some documented answer, under its own status.
    const enums = operations.flatMap(({ op }) =>
      Object.entries(op.responses as Record<string, OpenApiResponse>).flatMap(([status, r]) =>
        ((r.content?.['application/json']?.schema as any)?.properties?.error?.properties?.code?.enum ?? []).map((c: string) => `${status} ${c}`), // eslint-disable-line @typescript-eslint/no-explicit-any
      ),
    );
    expect(new Set(enums)).toEqual(new Set(Object.entries(ERROR_CODES).filter(([, e]) => e.status !== 500).map(([c, e]) => `${e.status} ${c}`)));

    // Each schema in it is valid JSON Schema 2020-12 (OpenAPI 3.1's dialect): what client generators read.
    for (const { id, op } of operations) {
      const schemas = [
        ...Object.values((op.requestBody?.content ?? {}) as Record<string, { schema: object }>).map((m) => m.schema),
        ...((op.parameters ?? []) as { schema: object }[]).map((p) => p.schema),
        ...Object.values(op.responses as Record<string, OpenApiResponse>).flatMap((r) => [
          ...Object.values(r.content ?? {}).map((m) => m.schema),
          ...Object.values(r.headers ?? {}).map((h) => h.schema),
        ]),
      ];
      for (const schema of schemas) expect(() => compile(schema), id).not.toThrow();
    }
  });

  it('POST /v1/fallbacks: 202 for a new failure (API key or signature), 200 for a repeat', async () => {
    const first = event({ routingHint: { queueName: 'Not Allowed Here' } });
    const accepted = documented('POST', '/v1/fallbacks', await call(main, 'POST', '/v1/fallbacks', { headers: { ...json, ...bearer(OPEN_KEY) }, body: first }), 202);
    expect(accepted).toMatchObject({ status: 'queued', conversationId: CID, referTo: REFER_TO, routingHint: 'ignored', statusUrl: `/v1/fallbacks/${accepted.id}` });
    const body = JSON.stringify(event());
    documented('POST', '/v1/fallbacks', await call(main, 'POST', '/v1/fallbacks', { headers: { ...json, ...signed(body) }, body }), 202);
    const repeat = documented('POST', '/v1/fallbacks', await call(main, 'POST', '/v1/fallbacks', { headers: { ...json, ...bearer(OPEN_KEY) }, body: first }), 200);
    expect(repeat).toMatchObject({ id: accepted.id, duplicate: true, status: 'queued', receivedAt: expect.any(String) });

    const view = documented('GET', '/v1/fallbacks/{id}', await call(main, 'GET', accepted.statusUrl, { headers: bearer(OPEN_KEY) }), 200);
    expect(view).toMatchObject({ id: accepted.id, status: 'queued', attempts: 0, starts: 0 });
    const list = documented('GET', '/v1/fallbacks', await call(main, 'GET', `/v1/fallbacks?conversationId=${CID}`, { headers: bearer(OPEN_KEY) }), 200);
    expect(list.fallbacks.map((f: { id: string }) => f.id)).toContain(accepted.id);
  });

  it('the final views (transferred, failed, expired) match the documented 200s of the POST with ?wait, GET and the lookup', async () => {
    // A first wait opens the ingress's event stream (the waiter opens it on demand); a job that ended before the stream
    // was up would only be seen when its wait ran out. No worker yet: this one stays queued and answers 202.
    const early = event({ eventId: `transferred:${n}`, conversationId: FINALS_CID });
    documented('POST', '/v1/fallbacks', await call(main, 'POST', '/v1/fallbacks?wait=0.2', { headers: { ...json, ...bearer(OPEN_KEY) }, body: early }), 202);
    // Stands in for the worker process, ending each job the way the real one does (as the ctl tests do).
    const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    const worker = new Worker<FallbackJobData, FallbackResult>(
      FALLBACK_QUEUE,
      async (job) => {
        const fate = job.data.eventId?.split(':')[0];
        if (fate === 'failed') throw new UnrecoverableError(formatFailure('genesys.forbidden', 'missing permission conversation:communication:blindTransfer'));
        if (fate === 'expired') return { outcome: 'expired', at: Date.now(), deadline: job.data.deadline, reason: 'deadline.passed' };
        return { outcome: 'transferred', at: Date.now(), target: job.data.target, participantId: 'bot-leg', alreadyTransferred: false, genesysRequests: 3 };
      },
      { connection, prefix: main.prefix },
    );
    try {
      const ids: Record<string, string> = {};
      for (const fate of ['transferred', 'failed', 'expired']) {
        // The early one again (a repeat, waited for), then two new ones.
        const body = fate === 'transferred' ? early : event({ eventId: `${fate}:${n}`, conversationId: FINALS_CID });
        const answer = await call(main, 'POST', '/v1/fallbacks?wait=5', { headers: { ...json, ...bearer(OPEN_KEY) }, body });
        const outcome = documented('POST', '/v1/fallbacks', answer, 200);
        expect(outcome).toMatchObject({ status: fate, referTo: REFER_TO, ...(fate === 'transferred' ? { duplicate: true } : {}) });
        ids[fate] = outcome.id;
        documented('GET', '/v1/fallbacks/{id}', await call(main, 'GET', `/v1/fallbacks/${outcome.id}`, { headers: bearer(OPEN_KEY) }), 200);
      }
      const list = documented('GET', '/v1/fallbacks', await call(main, 'GET', `/v1/fallbacks?conversationId=${FINALS_CID}`, { headers: bearer(OPEN_KEY) }), 200);
      expect(list.fallbacks).toEqual([
        expect.objectContaining({ id: ids['expired'], status: 'expired', reason: 'deadline.passed', result: expect.objectContaining({ outcome: 'expired' }) }),
        expect.objectContaining({ id: ids['failed'], status: 'failed', reason: 'genesys.forbidden', detail: expect.stringContaining('blindTransfer') }),
        expect.objectContaining({ id: ids['transferred'], status: 'transferred', result: expect.objectContaining({ participantId: 'bot-leg', genesysRequests: 3 }) }),
      ]);
    } finally {
      await worker.close();
      await connection.quit();
    }
  });

  it('refusals: 400, 401, 403, 404, 405, 413, 415 and 429, each with a documented code', async () => {
    const withKey = { ...json, ...bearer(OPEN_KEY) };
    const post = (headers: Record<string, string>, body: string | object, url = '/v1/fallbacks') => call(main, 'POST', url, { headers, body });
    const refusal = (method: Method, path: string, answer: Answer, status: number, code: string, field?: string) => {
      const body = documented(method, path, answer, status, code);
      if (field) expect(body.error.field).toBe(field);
    };

    refusal('POST', '/v1/fallbacks', await post(withKey, event({ conversationId: '{{context.genesys.conversationId}}' })), 400, 'invalid_payload', '/conversationId');
    refusal('POST', '/v1/fallbacks', await post(withKey, '{"conversationId":'), 400, 'invalid_json');
    refusal('POST', '/v1/fallbacks', await post(withKey, `{"__proto__":{"x":1},"conversationId":"${CID}"}`), 400, 'forbidden_property');
    refusal('POST', '/v1/fallbacks', await post(withKey, event(), '/v1/fallbacks?wait=9'), 400, 'invalid_query', '/wait');
    refusal('GET', '/v1/fallbacks', await call(main, 'GET', '/v1/fallbacks', { headers: bearer(OPEN_KEY) }), 400, 'invalid_query', '/conversationId');
    refusal('GET', '/v1/fallbacks', await call(main, 'GET', `/v1/fallbacks?conversationId=${CID}&conversationId=${CID}`, { headers: bearer(OPEN_KEY) }), 400, 'invalid_query', '/conversationId');

    refusal('POST', '/v1/fallbacks', await post(json, event()), 401, 'unauthorized');
    const body = JSON.stringify(event());
    refusal('POST', '/v1/fallbacks', await post({ ...json, ...signed(body), 'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, body), 401, 'invalid_signature');
    refusal('POST', '/v1/fallbacks', await post({ ...json, ...signed(body, Date.now() - 301_000) }, body), 401, 'timestamp_out_of_tolerance');
    refusal('GET', '/v1/fallbacks/{id}', await call(main, 'GET', `/v1/fallbacks/${NO_SUCH_ID}`), 401, 'unauthorized');
    refusal('GET', '/v1/fallbacks', await call(main, 'GET', `/v1/fallbacks?conversationId=${CID}`, { headers: bearer('not-a-key-0123456789') }), 401, 'unauthorized');

    refusal('POST', '/v1/fallbacks', await post({ ...json, ...bearer(COGNIGY_KEY) }, event({ source: 'signed' })), 403, 'source_mismatch', '/source');
    refusal('GET', '/v1/fallbacks/{id}', await call(main, 'GET', `/v1/fallbacks/${NO_SUCH_ID}`, { headers: bearer(OPEN_KEY) }), 404, 'not_found');
    refusal('GET', '/v1/fallbacks/{id}', await call(main, 'GET', '/v1/fallbacks/not-an-id', { headers: bearer(OPEN_KEY) }), 404, 'not_found');

    for (const [path, url, methods, allow] of [
      ['/v1/fallbacks', '/v1/fallbacks', ['PUT', 'PATCH', 'DELETE', 'OPTIONS'], 'GET, POST'],
      ['/v1/fallbacks/{id}', `/v1/fallbacks/${NO_SUCH_ID}`, ['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'POST'], 'GET'],
    ] as const)
      for (const method of methods) {
        const answer = await call(main, method, url, { headers: withKey, body: event() });
        refusal(method, path, answer, 405, 'method_not_allowed');
        expect(answer.headers.get('allow')).toBe(allow);
      }

    refusal('POST', '/v1/fallbacks', await post(withKey, event({ context: { transcript: 'x'.repeat(70_000) } })), 413, 'payload_too_large');
    refusal('POST', '/v1/fallbacks', await post({ 'content-type': 'application/x-www-form-urlencoded', ...bearer(OPEN_KEY) }, `conversationId=${CID}`), 415, 'unsupported_media_type');

    // `tiny` may send one request a minute: the first passes, then every route answers 429.
    expect((await post({ ...json, ...bearer(TINY_KEY) }, event())).status).toBe(202);
    refusal('POST', '/v1/fallbacks', await post({ ...json, ...bearer(TINY_KEY) }, event()), 429, 'rate_limited');
    refusal('GET', '/v1/fallbacks/{id}', await call(main, 'GET', `/v1/fallbacks/${NO_SUCH_ID}`, { headers: bearer(TINY_KEY) }), 429, 'rate_limited');
    refusal('GET', '/v1/fallbacks', await call(main, 'GET', `/v1/fallbacks?conversationId=${CID}`, { headers: bearer(TINY_KEY) }), 429, 'rate_limited');
  });

  it('503: overloaded (load shedding) and queue_unavailable (Redis down), with Retry-After, on every sender route', async () => {
    // Shedding is armed a moment after start (start-up is not load): wait for the first 503.
    const shed = await waitFor(
      async () => {
        const answer = await call(shedding, 'POST', '/v1/fallbacks', { headers: { ...json, ...bearer(OPEN_KEY) }, body: event() });
        return answer.status === 503 ? answer : undefined;
      },
      { what: 'the ingress to shed load' },
    );
    documented('POST', '/v1/fallbacks', shed, 503, 'overloaded');
    expect(shed.headers.get('retry-after')).toBe('2');
    documented('GET', '/v1/fallbacks/{id}', await call(shedding, 'GET', `/v1/fallbacks/${NO_SUCH_ID}`, { headers: bearer(OPEN_KEY) }), 503, 'overloaded');
    documented('GET', '/v1/fallbacks', await call(shedding, 'GET', `/v1/fallbacks?conversationId=${CID}`, { headers: bearer(OPEN_KEY) }), 503, 'overloaded');
    // Probes are never shed.
    documented('GET', '/healthz', await call(shedding, 'GET', '/healthz'), 200);

    documented('GET', '/readyz', await call(down, 'GET', '/readyz'), 200);
    await privateRedis.stop('SIGKILL');
    documented('POST', '/v1/fallbacks', await call(down, 'POST', '/v1/fallbacks', { headers: { ...json, ...bearer(OPEN_KEY) }, body: event() }), 503, 'queue_unavailable');
    documented('GET', '/v1/fallbacks/{id}', await call(down, 'GET', `/v1/fallbacks/${NO_SUCH_ID}`, { headers: bearer(OPEN_KEY) }), 503, 'queue_unavailable');
    documented('GET', '/v1/fallbacks', await call(down, 'GET', `/v1/fallbacks?conversationId=${CID}`, { headers: bearer(OPEN_KEY) }), 503, 'queue_unavailable');
    const notReady = documented('GET', '/readyz', await call(down, 'GET', '/readyz'), 503);
    expect(notReady.status).toBe('not-ready');
  });

  it('serves the event schema and itself without credentials', async () => {
    const schema = documented('GET', '/v1/schema/failure-event.json', await call(main, 'GET', '/v1/schema/failure-event.json'), 200);
    expect(schema).toMatchObject({ $id: 'failure-event', title: 'Bot failure event' });
    expect(documented('GET', '/v1/openapi.json', await call(main, 'GET', '/v1/openapi.json'), 200)).toEqual(doc);
  });

  it('Swagger UI: off by default; when on, at /docs over the same document', async () => {
    expect((await call(main, 'GET', '/docs')).status).toBe(404);
    const page = await waitFor(async () => {
      const res = await fetch(`${base.get(shedding)}/docs/`, { redirect: 'follow' });
      return res.status === 200 ? res : undefined;
    });
    expect(page.headers.get('content-type')).toContain('text/html');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toMatch(/upgrade-insecure-requests|validator\.swagger\.io/);
    expect(await page.text()).toContain('swagger-ui');
    expect((await call(shedding, 'GET', '/docs/json')).json).toEqual(doc);
  });

  it('exercised every answer the document lists', () => {
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => Object.keys(op.responses).map((status) => `${method.toUpperCase()} ${path} ${status}`)),
    );
    expect([...exercised].sort()).toEqual(listed.sort());
  });
});
