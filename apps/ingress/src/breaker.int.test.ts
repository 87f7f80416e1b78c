/**
 * The ingress side of the outage breaker: each new failure is counted once toward the breakers it matches (a
 * repeat is not a new failure), and /admin/breaker lets a person see and force them, behind Basic auth.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { BreakerSpec } from '@fallback/breaker';
import { BreakerStore } from '@fallback/breaker';
import { waitFor } from '@fallback/testing';
import { ADMIN_SECURITY_HEADERS } from './admin.js';
import { startTestIngress, TEST_KEY, type TestIngress } from '../test/test-app.js';

const GROUP = '9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4';
const specs: BreakerSpec[] = [
  { name: 'default', switch: { kind: 'emergencyGroup', groupId: GROUP }, threshold: 20, windowMs: 60_000, recoverMs: 300_000 },
  { name: 'billing-bot', switch: { kind: 'datatableRow', datatableId: GROUP, rowId: 'billing', field: 'enabled' }, threshold: 5, windowMs: 60_000, recoverMs: 300_000, match: { flows: ['billing'] } },
];
const ADMIN = { username: 'ops', password: 'breaker-admin-password' };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

let t: TestIngress | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const post = (app: TestIngress['app'], body: object) =>
  app.inject({ method: 'POST', url: '/v1/fallbacks', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, payload: body });
const cid = (n: number) => `2b80f5c9-cb7b-430b-8607-${String(n).padStart(12, '0')}`;

describe('counting at ingest', () => {
  it('a new failure counts once toward the breakers it matches; its repeat (200) does not', async () => {
    t = await startTestIngress({ redisUrl: inject('redisUrl'), name: 'breaker-count', breakers: specs });
    const store = new BreakerStore(t.probe, t.prefix);
    const totals = async () => Object.fromEntries(await Promise.all(specs.map(async (s) => [s.name, (await store.snapshot(s)).total])));
    expect((await post(t.app, { eventId: 'e-1', conversationId: cid(1), failureType: 'FLOW_ERROR' })).statusCode).toBe(202);
    expect((await post(t.app, { eventId: 'e-1', conversationId: cid(1), failureType: 'FLOW_ERROR' })).statusCode).toBe(200);
    expect((await post(t.app, { eventId: 'e-2', conversationId: cid(2), failureType: 'FLOW_ERROR', bot: { flowName: 'Billing' } })).statusCode).toBe(202);
    expect((await post(t.app, { eventId: 'e-2', conversationId: cid(2), failureType: 'FLOW_ERROR', bot: { flowName: 'Billing' } })).statusCode).toBe(200);
    expect((await post(t.app, { eventId: 'e-3', conversationId: cid(3), failureType: 'FLOW_ERROR', bot: { flowName: 'Sales' } })).statusCode).toBe(202);
    // The count is not awaited by the request: wait for it, then make sure nothing more comes.
    await waitFor(async () => JSON.stringify(await totals()) === JSON.stringify({ default: 2, 'billing-bot': 1 }), { what: 'the counts', timeoutMs: 2000 });
    expect((await store.snapshot(specs[0]!)).failures).toBe(2);
    const refused = await post(t.app, { eventId: 'e-4', conversationId: 'not-a-uuid' });
    expect(refused.statusCode).toBe(400);
    expect(await totals()).toEqual({ default: 2, 'billing-bot': 1 });
  });
});

describe('/admin/breaker', () => {
  const start = async () => {
    t = await startTestIngress({ redisUrl: inject('redisUrl'), name: 'breaker-admin', breakers: specs, breakerAdmin: ADMIN });
    return t.app;
  };

  it('needs the admin user and password; every answer carries the dashboard security headers', async () => {
    const app = await start();
    for (const authorization of [undefined, basic('ops', 'wrong-password!'), basic('admin', ADMIN.password), `Bearer ${TEST_KEY}`]) {
      const res = await app.inject({ method: 'GET', url: '/admin/breaker', headers: authorization ? { authorization } : {} });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'unauthorized', message: 'the breaker admin needs a user and password' } });
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
      expect(res.headers['x-frame-options']).toBe(ADMIN_SECURITY_HEADERS['X-Frame-Options']);
    }
    const forced = await app.inject({ method: 'POST', url: '/admin/breaker/default', headers: { 'content-type': 'application/json' }, payload: { state: 'open' } });
    expect(forced.statusCode).toBe(401);
    expect((await new BreakerStore(t!.probe, t!.prefix).snapshot(specs[0]!)).state.mode).toBe('auto');
  });

  it('GET shows every breaker (state, mode, counts, switch) and the history; POST forces a state, recorded with who and why', async () => {
    const app = await start();
    const auth = { authorization: basic(ADMIN.username, ADMIN.password) };
    const before = await app.inject({ method: 'GET', url: '/admin/breaker', headers: auth });
    expect(before.statusCode).toBe(200);
    expect(before.headers['cache-control']).toBe('no-store');
    expect(before.json()).toMatchObject({
      breakers: [
        { name: 'default', state: 'closed', mode: 'auto', switch: { kind: 'emergencyGroup', groupId: GROUP, description: `emergency group ${GROUP}` }, failures: { inWindow: 0, threshold: 20, windowSeconds: 60, total: 0 }, genesys: { pending: false, attempts: 0 } },
        { name: 'billing-bot', state: 'closed', mode: 'auto', match: { flowName: ['billing'] } },
      ],
      history: [],
    });
    const forced = await app.inject({ method: 'POST', url: '/admin/breaker/billing-bot', headers: { ...auth, 'content-type': 'application/json' }, payload: { state: 'open', reason: 'vendor incident 42' } });
    expect(forced.statusCode, t!.logs.join('\n')).toBe(200);
    expect(forced.json().breaker).toMatchObject({ name: 'billing-bot', mode: 'open', forced: { by: 'person:ops', reason: 'vendor incident 42', at: expect.any(String) } });
    const after = (await app.inject({ method: 'GET', url: '/admin/breaker?history=10', headers: auth })).json();
    expect(after.history).toEqual([{ id: expect.any(String), at: expect.any(String), breaker: 'billing-bot', event: 'forced', mode: 'open', by: 'person:ops', why: 'vendor incident 42' }]);
    expect(t!.logs.some((l) => l.includes('breaker billing-bot set to open by a person'))).toBe(true);
  });

  it('refuses a bad body (400 naming the field), an unknown breaker (404), other methods (405)', async () => {
    const app = await start();
    const auth = { authorization: basic(ADMIN.username, ADMIN.password), 'content-type': 'application/json' };
    const cases: [string, string, number, object][] = [
      ['/admin/breaker/default', JSON.stringify({ state: 'half-open' }), 400, { code: 'invalid_payload', field: '/state', message: 'must be "open", "closed" or "auto"' }],
      ['/admin/breaker/default', JSON.stringify({ state: 'open', colour: 'red' }), 400, { code: 'invalid_payload', field: '/colour' }],
      ['/admin/breaker/default', JSON.stringify({ state: 'open', reason: 7 }), 400, { code: 'invalid_payload', field: '/reason' }],
      ['/admin/breaker/default', '{"state":', 400, { code: 'invalid_payload', message: 'the body is not valid JSON' }],
      ['/admin/breaker/nope', JSON.stringify({ state: 'open' }), 404, { code: 'not_found', message: 'no breaker nope (configured: default, billing-bot)' }],
    ];
    for (const [url, payload, status, error] of cases) {
      const res = await app.inject({ method: 'POST', url, headers: auth, payload });
      expect([res.statusCode, res.json().error], payload).toEqual([status, expect.objectContaining(error)]);
    }
    const del = await app.inject({ method: 'DELETE', url: '/admin/breaker/default', headers: auth });
    expect([del.statusCode, del.headers['allow']]).toEqual([405, 'POST']);
    expect((await new BreakerStore(t!.probe, t!.prefix).history()).length).toBe(0);
  });
});
