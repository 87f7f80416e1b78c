/**
 * The ingest rejection matrix (README, HTTP API → Errors), row by row: exact status, stable error code, and no
 * job (nor dedupe marker) left behind. Real app, real Redis; the transport is Fastify's inject().
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { InjectOptions } from 'fastify';
import type { IngressPolicy } from '@fallback/ingress-core';
import { startTestIngress, TEST_QUEUE, type TestIngress } from '../test/test-app.js';

const OPEN_KEY = 'open-source-key-0123456789';
const COGNIGY_KEY = 'cognigy-source-key-0123456789';
const TINY_KEY = 'tiny-source-key-0123456789';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = 'whsec_cm90YXRlZC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg==';
const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';

const policy: IngressPolicy = {
  sources: [
    { name: 'default', apiKeys: [OPEN_KEY], webhookSecrets: [], openSourceName: true },
    { name: 'cognigy', apiKeys: [COGNIGY_KEY], webhookSecrets: [], openSourceName: false, rateLimit: { max: 10_000, windowMs: 1000 } },
    { name: 'orchestrator', apiKeys: [], webhookSecrets: [SECRET], openSourceName: false },
    { name: 'tiny', apiKeys: [TINY_KEY], webhookSecrets: [], openSourceName: false, rateLimit: { max: 3, windowMs: 60_000 } },
  ],
  routing: { rules: [], fallback: { name: 'default', target: { kind: 'queue', queueId: TEST_QUEUE }, allow: [] } },
  defaultFrom: 'file',
  warnings: [],
};

let n = 0;
/** A valid event no other request has used. */
const fresh = (extra: Record<string, unknown> = {}) => ({ eventId: `hostile-${process.pid}-${++n}`, conversationId: CID, failureType: 'FLOW_ERROR', ...extra });

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const json = { 'content-type': 'application/json' };

/** Headers of a Standard Webhooks request over `body`. */
function signed(body: string, opts: { secret?: string; id?: string; at?: number } = {}) {
  const at = opts.at ?? Date.now();
  const id = opts.id ?? `msg_${++n}`;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at / 1000)),
    'webhook-signature': new Webhook(opts.secret ?? SECRET).sign(id, new Date(at), body),
  };
}

interface Row {
  name: string;
  request: () => InjectOptions;
  status: number;
  code: string;
  field?: string;
  headers?: Record<string, string | RegExp>;
}

const post = (payload: string | object, headers: Record<string, string>, url = '/v1/fallbacks'): InjectOptions => ({
  method: 'POST',
  url,
  headers,
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
});

const bodyOf = (o: object) => JSON.stringify(o);
// Schema-valid apart from its size (context is free-form): only the limit can refuse it.
const big = () => bodyOf(fresh({ context: { transcript: 'x'.repeat(65_536) } }));

const rows: Row[] = [
  // Authentication: API keys
  { name: 'no credentials', request: () => post(fresh(), json), status: 401, code: 'unauthorized', headers: { 'www-authenticate': 'Bearer' } },
  { name: 'a wrong API key', request: () => post(fresh(), { ...json, ...bearer('wrong-key-0123456789abc') }), status: 401, code: 'unauthorized' },
  { name: 'a key one character short', request: () => post(fresh(), { ...json, ...bearer(OPEN_KEY.slice(0, -1)) }), status: 401, code: 'unauthorized' },
  { name: 'Basic instead of Bearer', request: () => post(fresh(), { ...json, authorization: `Basic ${Buffer.from(`x:${OPEN_KEY}`).toString('base64')}` }), status: 401, code: 'unauthorized' },
  { name: 'a webhook secret presented as a Bearer key', request: () => post(fresh(), { ...json, ...bearer(SECRET) }), status: 401, code: 'unauthorized' },
  // Authentication: signatures
  {
    name: 'a forged signature',
    request: () => {
      const b = bodyOf(fresh());
      return post(b, { ...json, ...signed(b), 'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' });
    },
    status: 401,
    code: 'invalid_signature',
  },
  {
    name: 'a signature by an unknown secret',
    request: () => {
      const b = bodyOf(fresh());
      return post(b, { ...json, ...signed(b, { secret: OTHER_SECRET }) });
    },
    status: 401,
    code: 'invalid_signature',
  },
  {
    name: 'a body changed after signing',
    request: () => {
      const b = bodyOf(fresh());
      return post(b.replace('FLOW_ERROR', 'STT_ERROR'), { ...json, ...signed(b) });
    },
    status: 401,
    code: 'invalid_signature',
  },
  {
    name: 'a signature without webhook-id',
    request: () => {
      const b = bodyOf(fresh());
      const { 'webhook-id': _id, ...rest } = signed(b);
      return post(b, { ...json, ...rest });
    },
    status: 401,
    code: 'invalid_signature',
  },
  {
    name: 'a timestamp 301 s old (replay window passed)',
    request: () => {
      const b = bodyOf(fresh());
      return post(b, { ...json, ...signed(b, { at: Date.now() - 301_000 }) });
    },
    status: 401,
    code: 'timestamp_out_of_tolerance',
  },
  {
    name: 'a timestamp 301 s ahead',
    request: () => {
      const b = bodyOf(fresh());
      return post(b, { ...json, ...signed(b, { at: Date.now() + 301_000 }) });
    },
    status: 401,
    code: 'timestamp_out_of_tolerance',
  },
  {
    name: 'a valid signature does not excuse a wrong API key alongside… the signature decides, but must be valid',
    request: () => {
      const b = bodyOf(fresh());
      return post(b, { ...json, ...bearer(OPEN_KEY), ...signed(b, { secret: OTHER_SECRET }) });
    },
    status: 401,
    code: 'invalid_signature',
  },
  { name: 'status query without credentials', request: () => ({ method: 'GET', url: '/v1/fallbacks/fb-00000000000000000000000000000000' }), status: 401, code: 'unauthorized' },
  // Size, type, method
  { name: 'a body over 64 KB', request: () => post(big(), { ...json, ...bearer(OPEN_KEY) }), status: 413, code: 'payload_too_large' },
  { name: 'a body over 64 KB without credentials is refused before it is read', request: () => post(big(), json), status: 401, code: 'unauthorized' },
  { name: 'text/plain', request: () => post(fresh(), { 'content-type': 'text/plain', ...bearer(OPEN_KEY) }), status: 415, code: 'unsupported_media_type' },
  {
    name: 'form-urlencoded (the Cognigy HTTP node default)',
    request: () => post(`conversationId=${CID}`, { 'content-type': 'application/x-www-form-urlencoded', ...bearer(OPEN_KEY) }),
    status: 415,
    code: 'unsupported_media_type',
  },
  { name: 'application/json-patch+json', request: () => post(fresh(), { 'content-type': 'application/json-patch+json', ...bearer(OPEN_KEY) }), status: 415, code: 'unsupported_media_type' },
  { name: 'GET on the collection without conversationId', request: () => ({ method: 'GET', url: '/v1/fallbacks', headers: bearer(OPEN_KEY) }), status: 400, code: 'invalid_query', field: '/conversationId' },
  { name: 'a lookup by a malformed conversationId', request: () => ({ method: 'GET', url: `/v1/fallbacks?conversationId=${encodeURIComponent('{{context.genesys.conversationId}}')}`, headers: bearer(OPEN_KEY) }), status: 400, code: 'invalid_query', field: '/conversationId' },
  { name: 'a lookup by two conversationIds', request: () => ({ method: 'GET', url: `/v1/fallbacks?conversationId=${CID}&conversationId=${CID}`, headers: bearer(OPEN_KEY) }), status: 400, code: 'invalid_query', field: '/conversationId' },
  { name: 'a lookup without credentials', request: () => ({ method: 'GET', url: `/v1/fallbacks?conversationId=${CID}` }), status: 401, code: 'unauthorized' },
  { name: 'PUT', request: () => ({ ...post(fresh(), { ...json, ...bearer(OPEN_KEY) }), method: 'PUT' }), status: 405, code: 'method_not_allowed', headers: { allow: 'GET, POST' } },
  { name: 'DELETE', request: () => ({ method: 'DELETE', url: '/v1/fallbacks' }), status: 405, code: 'method_not_allowed' },
  { name: 'POST on an item', request: () => post(fresh(), { ...json, ...bearer(OPEN_KEY) }, '/v1/fallbacks/fb-00000000000000000000000000000000'), status: 405, code: 'method_not_allowed', headers: { allow: 'GET' } },
  { name: 'an unknown path', request: () => post(fresh(), { ...json, ...bearer(OPEN_KEY) }, '/v1/fallback'), status: 404, code: 'not_found' },
  // Bad JSON, bad schema
  { name: 'invalid JSON', request: () => post('{"conversationId":', { ...json, ...bearer(OPEN_KEY) }), status: 400, code: 'invalid_json' },
  { name: 'an empty body', request: () => post('', { ...json, ...bearer(OPEN_KEY) }), status: 400, code: 'invalid_json' },
  { name: 'a JSON array', request: () => post('[]', { ...json, ...bearer(OPEN_KEY) }), status: 400, code: 'invalid_payload', field: '/' },
  { name: 'no conversationId', request: () => post({ eventId: 'x' }, { ...json, ...bearer(OPEN_KEY) }), status: 400, code: 'invalid_payload', field: '/conversationId' },
  {
    name: 'an unrendered Cognigy template',
    request: () => post(fresh({ conversationId: '{{context.genesys.conversationId}}' }), { ...json, ...bearer(OPEN_KEY) }),
    status: 400,
    code: 'invalid_payload',
    field: '/conversationId',
  },
  { name: 'an unknown field', request: () => post(fresh({ conversationID: CID }), { ...json, ...bearer(OPEN_KEY) }), status: 400, code: 'invalid_payload', field: '/conversationID' },
  { name: 'an unknown failure type', request: () => post(fresh({ failureType: 'OOPS' }), { ...json, ...bearer(OPEN_KEY) }), status: 400, code: 'invalid_payload', field: '/failureType' },
  { name: 'a nested field', request: () => post(fresh({ error: { httpStatus: 700 } }), { ...json, ...bearer(OPEN_KEY) }), status: 400, code: 'invalid_payload', field: '/error/httpStatus' },
  { name: 'a routingHint naming two targets', request: () => post(fresh({ routingHint: { queueName: 'a', address: '+4930' } }), { ...json, ...bearer(OPEN_KEY) }), status: 400, code: 'invalid_payload', field: '/routingHint' },
  {
    name: 'Cognigy-shaped with a conversation id that contradicts the top level',
    request: () => post(fresh({ context: { genesys: { conversationId: '3c80f5c9-cb7b-430b-8607-1862b7380c1f' } } }), { ...json, ...bearer(OPEN_KEY) }),
    status: 400,
    code: 'invalid_payload',
    field: '/context/genesys/conversationId',
  },
  { name: 'a wait over 8 s', request: () => post(fresh(), { ...json, ...bearer(OPEN_KEY) }, '/v1/fallbacks?wait=30'), status: 400, code: 'invalid_query', field: '/wait' },
  // Prototype poisoning
  { name: '__proto__ at the top', request: () => post(`{"__proto__":{"admin":true},"conversationId":"${CID}"}`, { ...json, ...bearer(OPEN_KEY) }), status: 400, code: 'forbidden_property' },
  {
    name: '__proto__ inside the free-form context',
    request: () => post(`{"conversationId":"${CID}","context":{"a":{"__proto__":{"polluted":1}}}}`, { ...json, ...bearer(OPEN_KEY) }),
    status: 400,
    code: 'forbidden_property',
  },
  { name: 'an escaped __proto__', request: () => post(`{"conversationId":"${CID}","context":{"\\u005f_proto__":{}}}`, { ...json, ...bearer(OPEN_KEY) }), status: 400, code: 'forbidden_property' },
  {
    name: 'constructor.prototype',
    request: () => post(`{"conversationId":"${CID}","context":{"constructor":{"prototype":{"polluted":1}}}}`, { ...json, ...bearer(OPEN_KEY) }),
    status: 400,
    code: 'forbidden_property',
  },
  // Sources
  { name: 'a declared source claiming to be another', request: () => post(fresh({ source: 'orchestrator' }), { ...json, ...bearer(COGNIGY_KEY) }), status: 403, code: 'source_mismatch', field: '/source' },
];

describe('hostile-input matrix', () => {
  let t: TestIngress;
  beforeAll(async () => {
    t = await startTestIngress({ redisUrl: inject('redisUrl'), policy, name: 'hostile' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(rows)('$name → $status $code, nothing enqueued', async (row) => {
    const before = await t.jobIds();
    const res = await t.app.inject(row.request());
    expect(res.statusCode).toBe(row.status);
    const body = res.json();
    expect(body.error.code).toBe(row.code);
    expect(typeof body.error.message).toBe('string');
    if (row.field) expect(body.error.field).toBe(row.field);
    for (const [name, value] of Object.entries(row.headers ?? {})) expect(res.headers[name]).toMatch(value);
    expect(await t.jobIds()).toEqual(before);
    expect(await t.markers()).toHaveLength(before.length);
  });

  it('a replayed event (same eventId) answers 200 with the original id and state, and adds no job', async () => {
    const event = fresh();
    const first = await t.app.inject(post(event, { ...json, ...bearer(OPEN_KEY) }));
    expect(first.statusCode).toBe(202);
    const jobs = await t.jobIds();
    const again = await t.app.inject(post({ ...event, failureType: 'STT_ERROR' }, { ...json, ...bearer(OPEN_KEY) }));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.json().id, status: 'queued', duplicate: true, failureType: 'FLOW_ERROR' });
    expect(await t.jobIds()).toEqual(jobs);
  });

  it('a replayed signed request (same webhook-id, within tolerance) answers 200, no second job', async () => {
    const b = bodyOf(fresh());
    const headers = { ...json, ...signed(b) };
    const first = await t.app.inject(post(b, headers));
    expect(first.statusCode).toBe(202);
    const jobs = await t.jobIds();
    const replay = await t.app.inject(post(b, headers));
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ id: first.json().id, duplicate: true });
    expect(await t.jobIds()).toEqual(jobs);
  });

  it('a flood from one source gets 429 with Retry-After, enqueues nothing past the limit, and leaves other sources alone', async () => {
    for (let i = 0; i < 3; i++) expect((await t.app.inject(post(fresh(), { ...json, ...bearer(TINY_KEY) }))).statusCode).toBe(202);
    const jobs = await t.jobIds();
    const flood = await t.app.inject(post(fresh(), { ...json, ...bearer(TINY_KEY) }));
    expect(flood.statusCode).toBe(429);
    expect(flood.json().error.code).toBe('rate_limited');
    expect(Number(flood.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(flood.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Invalid requests from a flooding source are refused on the limit too, before their body is even parsed.
    expect((await t.app.inject(post('{not json', { ...json, ...bearer(TINY_KEY) }))).statusCode).toBe(429);
    expect(await t.jobIds()).toEqual(jobs);
    expect((await t.app.inject(post(fresh(), { ...json, ...bearer(COGNIGY_KEY) }))).statusCode).toBe(202);
  });

  it('accepts each kind of sender it should (the matrix is not refusing everything)', async () => {
    expect((await t.app.inject(post(fresh(), { ...json, ...bearer(OPEN_KEY) }))).statusCode).toBe(202);
    expect((await t.app.inject(post(fresh({ source: 'cognigy' }), { 'content-type': 'application/json; charset=utf-8', ...bearer(COGNIGY_KEY) }))).statusCode).toBe(202);
    const b = bodyOf(fresh());
    const res = await t.app.inject(post(b, { ...json, ...signed(b, { at: Date.now() - 299_000 }) }));
    expect(res.statusCode).toBe(202);
    const job = await t.deps.queue.getJob(res.json().id);
    expect(job?.data.source).toBe('orchestrator');
  });

  it('never writes a key, secret or signature to the log', async () => {
    expect(t.logs.some((l) => l.includes('request refused'))).toBe(true);
    const secrets = [OPEN_KEY, COGNIGY_KEY, TINY_KEY, SECRET, SECRET.slice(6), OTHER_SECRET.slice(6), 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='];
    const text = t.logs.join('\n');
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).not.toMatch(/v1,[A-Za-z0-9+/]{43}=/);
  });
});
