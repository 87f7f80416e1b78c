/**
 * The outage breaker end to end (issue 13 §1), on real processes: two ingresses count failures, two workers race
 * to decide, the simulator holds the emergency group. Time is driven by configuration (a 3 s quiet time), never by
 * sleeps: every wait polls the simulator's ledger or the ingress with a deadline. Prints the measured trip time
 * (first failure → the PUT in Genesys) and recovery time (last failure → the PUT with enabled:false).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '@fallback/genesys-sim';
import { waitFor } from '@fallback/testing';
import { startStack, waitForFinal, type Stack } from './harness.js';

const G = SEED.emergencyGroup.id;
const ADMIN_PASSWORD = 'breaker-e2e-password';
const BREAKER_ENV = { BREAKER_EMERGENCY_GROUP_ID: G, BREAKER_THRESHOLD: '10', BREAKER_WINDOW_SECONDS: '10', BREAKER_RECOVER_SECONDS: '3' };
const auth = { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` };

describe('the outage breaker on two ingresses and two workers', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ ingresses: 2, workers: 2, ingressEnv: { ...BREAKER_ENV, ADMIN_PASSWORD }, workerEnv: BREAKER_ENV });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const admin = async (i: number, method: string, path: string, body?: object) => {
    const res = await fetch(`${stack.ingressUrls[i]}${path}`, { method, headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, body: (await res.json()) as any };
  };
  const groupPuts = () => stack.sim.requests().filter((r) => r.endpoint === 'emergencygroups/update');
  const flips = (n: number, what: string) => waitFor(() => (stack.sim.flips().length >= n ? stack.sim.flips() : undefined), { timeoutMs: 20_000, what });
  const settled = (to: 'open' | 'closed') =>
    waitFor(async () => {
      const b = (await admin(0, 'GET', '/admin/breaker')).body.breakers?.[0];
      return b?.state === to && b.genesys.pending === false && b.genesys.applied === to ? b : undefined;
    }, { timeoutMs: 20_000, what: `the breaker ${to} and applied` });

  it('a burst trips it with one PUT of the whole group; every caller is still moved; it recovers after the quiet time', async () => {
    const before = stack.sim.getEmergencyGroup(G)!;
    const calls = Array.from({ length: 15 }, () => stack.sim.createConversation());
    const firstFailure = Date.now();
    const answers = await Promise.all(calls.map((c, i) => stack.post({ conversationId: c.id, eventId: `outage-${i}`, failureType: 'BOT_UNREACHABLE' })));
    expect(answers.map((a) => a.status)).toEqual(calls.map(() => 202));
    // Repeats are not new failures: they must not count.
    expect((await stack.post({ conversationId: calls[0]!.id, eventId: 'outage-0', failureType: 'BOT_UNREACHABLE' })).status).toBe(200);

    const [trip] = await flips(1, 'the trip');
    const tripMs = trip!.at - firstFailure;
    expect(trip).toMatchObject({ id: G, by: 'api', changed: ['enabled'], versionBefore: 1, version: 2, clientId: SEED.clientId });
    expect(trip!.after).toEqual({ ...trip!.before, enabled: true });
    expect(trip!.after.emergencyCallFlows).toEqual(before.emergencyCallFlows);

    const open = await settled('open');
    expect(open).toMatchObject({ failures: { inWindow: 15, total: 15, threshold: 10 }, lastDecision: { by: 'breaker' } });
    const lastFailure = Date.parse(open.failures.lastAt);

    // The callers already on the failed bot are moved as before.
    const finals = await Promise.all(answers.map((a) => waitForFinal(stack, a.body.id, 30_000)));
    expect(finals.map((f) => f.status)).toEqual(calls.map(() => 'transferred'));

    const [, recovery] = await flips(2, 'the recovery');
    const recoveryMs = recovery!.at - lastFailure;
    expect(recovery!.after.enabled).toBe(false);
    expect(recoveryMs).toBeGreaterThanOrEqual(3000);
    expect(recoveryMs).toBeLessThan(3000 + 3000);
    await settled('closed');
    // Two workers, one decision each way: exactly two PUTs, nothing before a Retry-After.
    expect(groupPuts()).toHaveLength(2);
    expect(stack.sim.stats()).toMatchObject({ emergencyGroupFlips: 2, earlyRequests: 0, duplicateTransfers: 0 });
    const history = (await admin(1, 'GET', '/admin/breaker')).body.history.reverse();
    expect(history.map((e: any) => [e.event, e.to, e.by, e.result])).toEqual([
      ['flip', 'open', 'breaker', 'done'],
      ['flip', 'closed', 'breaker', 'done'],
    ]);
    console.log(`breaker e2e (2 ingresses, 2 workers, tick 250 ms): trip ${tripMs} ms after the first failure; recovery ${recoveryMs} ms after the last failure (quiet time 3000 ms)`);
  });

  it('a person forces it open through one ingress; it holds past the quiet time; auto gives it back', async () => {
    const forced = await admin(1, 'POST', '/admin/breaker/default', { state: 'open', reason: 'bot vendor incident' });
    expect(forced.status).toBe(200);
    const [, , open] = await flips(3, 'the forced trip');
    expect(open!.after.enabled).toBe(true);
    const held = await settled('open');
    expect(held).toMatchObject({ mode: 'open', forced: { by: 'person:admin', reason: 'bot vendor incident' }, lastDecision: { by: 'person:admin' } });
    // Held: well past its quiet time with no failure, the worker keeps it open.
    const at = Date.now();
    await waitFor(async () => {
      const b = (await admin(0, 'GET', '/admin/breaker')).body.breakers[0];
      return Date.parse(b.evaluatedAt) > at + 4000 ? b : undefined;
    }, { timeoutMs: 15_000, what: 'an evaluation after the quiet time' });
    expect(stack.sim.flips()).toHaveLength(3);
    expect((await admin(0, 'POST', '/admin/breaker/default', { state: 'auto' })).status).toBe(200);
    const [, , , closed] = await flips(4, 'the recovery once back on auto');
    expect(closed!.after.enabled).toBe(false);
    await settled('closed');
    // Each flip was carried out (and logged) by exactly one of the two workers.
    const flipLines = stack.workers.flatMap((w) => w.lines.filter((l) => l.includes(`"msg":"breaker default `) && /"result":"(done|already)"/.test(l)));
    expect(flipLines.map((l) => JSON.parse(l).to)).toEqual(['open', 'closed', 'open', 'closed']);
    const ingressMetrics = await (await fetch(`${stack.ingressUrls[0]}/metrics`)).text();
    expect(ingressMetrics).toMatch(/fallback_breaker_open\{breaker="default"\} 0/);
  });
});
