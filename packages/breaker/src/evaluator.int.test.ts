import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED } from '@fallback/genesys-sim';
import { waitFor } from '@fallback/testing';
import { GROUP, spec, startBreakerRig, type BreakerRig } from '../test/rig.js';

let rig: BreakerRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const G = SEED.emergencyGroup.id;
const groupRequests = (r: BreakerRig) => r.sim.requests().filter((q) => q.endpoint.startsWith('emergencygroups/'));
const puts = (r: BreakerRig) => groupRequests(r).filter((q) => q.method === 'PUT');
const flipsTo = (r: BreakerRig, enabled: boolean) => r.sim.flips('emergencyGroup').filter((f) => f.by === 'api' && f.after.enabled === enabled);
const waitForFlips = (r: BreakerRig, n: number, what = `${n} flip(s) in Genesys`) => waitFor(() => (r.sim.flips().length >= n ? r.sim.flips() : undefined), { timeoutMs: 10_000, what });
const waitForApplied = (r: BreakerRig, to: 'open' | 'closed') => waitFor(async () => { const s = await r.snapshot(); return s.applied === to && !s.pending ? s : undefined; }, { timeoutMs: 10_000, what: `the switch ${to}` });

describe('the outage breaker against the simulator', () => {
  it('a trickle below the threshold never trips, whatever the total', async () => {
    rig = await startBreakerRig([spec()]);
    const t1 = await rig.fail(4);
    expect(await rig.evaluatedAfter(t1)).toMatchObject({ failures: 4, state: { position: 'closed' }, pending: false });
    // Wait for the window to pass over them (the evaluator's own view), then as many again.
    await waitFor(async () => (await rig!.snapshot()).failures === 0, { timeoutMs: 5000, what: 'the window to empty' });
    const t2 = await rig.fail(4);
    expect(await rig.evaluatedAfter(t2)).toMatchObject({ failures: 4, total: 8, state: { position: 'closed' } });
    expect(groupRequests(rig)).toEqual([]);
    expect(rig.sim.flips()).toEqual([]);
  });

  it('a burst trips it within a few seconds with ONE PUT of the whole group at its version; the flip is in the stream', async () => {
    rig = await startBreakerRig([spec()]);
    const before = rig.sim.getEmergencyGroup(G)!;
    const started = Date.now();
    await rig.fail(12);
    const [flip] = await waitForFlips(rig, 1);
    const tripMs = flip!.at - started;
    expect(tripMs).toBeLessThan(3000);
    expect(flip).toMatchObject({ kind: 'emergencyGroup', id: G, by: 'api', changed: ['enabled'], versionBefore: 1, version: 2 });
    // Everything else of the group went back as read: name, division, description, flows.
    expect(flip!.after).toEqual({ ...flip!.before, enabled: true });
    expect(flip!.after.emergencyCallFlows).toEqual(before.emergencyCallFlows);
    expect(groupRequests(rig).map((q) => [q.method, q.status])).toEqual([
      ['GET', 200],
      ['PUT', 200],
    ]);
    await waitForApplied(rig, 'open');
    const [entry] = await rig.history();
    expect(entry).toMatchObject({ breaker: 'default', event: 'flip', to: 'open', by: 'breaker', result: 'done', versionBefore: '1', version: '2', threshold: '5', switch: `emergency group ${G}` });
    expect(Number(entry!['failures'])).toBeGreaterThanOrEqual(5);
    expect(entry!['why']).toMatch(/failures in 2 s \(threshold 5\)/);
    expect(rig.reports).toEqual([{ breaker: 'default', to: 'open', by: 'breaker', result: 'done' }]);
    console.log(`breaker trip (in-process, tick 50 ms): first failure → PUT in Genesys ${tripMs} ms`);
  });

  it('a version conflict (a supervisor edits the group between our read and our write) is read again and resolved', async () => {
    // The PUT waits 400 ms in the simulator; the supervisor's edit lands meanwhile and moves the version on.
    rig = await startBreakerRig([spec()], { sim: { faults: [{ endpoint: 'architect', action: { type: 'latency', ms: 400 }, skip: 1, count: 1 }] } });
    await rig.fail(6);
    await waitFor(() => groupRequests(rig!).some((q) => q.method === 'GET'), { what: 'the read of the group' });
    rig.sim.editEmergencyGroup(G, { description: 'edited in Architect' });
    await waitForApplied(rig, 'open');
    expect(groupRequests(rig).map((q) => [q.method, q.status])).toEqual([
      ['GET', 200],
      ['PUT', 409],
      ['GET', 200],
      ['PUT', 200],
    ]);
    expect(rig.sim.flips('emergencyGroup').map((f) => [f.by, f.changed, f.version])).toEqual([
      ['control', ['description'], 2],
      ['api', ['enabled'], 3],
    ]);
    expect(rig.sim.getEmergencyGroup(G)).toMatchObject({ enabled: true, description: 'edited in Architect', version: 3 });
    expect((await rig.history())[0]).toMatchObject({ result: 'done', conflicts: '1', versionBefore: '2', version: '3' });
  });

  it('recovers after the quiet time, not before; a failure while open restarts the quiet time', async () => {
    rig = await startBreakerRig([spec({ recoverMs: 1500 })]);
    await rig.fail(6);
    await waitForApplied(rig, 'open');
    const last = await rig.fail(1); // a caller who was already on the bot
    const [, recovery] = await waitForFlips(rig, 2, 'the recovery');
    expect(recovery!.after.enabled).toBe(false);
    const quietMs = recovery!.at - last;
    expect(quietMs).toBeGreaterThanOrEqual(1500);
    expect(quietMs).toBeLessThan(1500 + 2000);
    expect(puts(rig)).toHaveLength(2);
    await waitForApplied(rig, 'closed');
    const history = await rig.history();
    expect(history.map((e) => [e['to'], e['result'], e['by']])).toEqual([
      ['open', 'done', 'breaker'],
      ['closed', 'done', 'breaker'],
    ]);
    expect(history[1]!['why']).toBe('no failure for 1.5 s');
    console.log(`breaker recovery (in-process, quiet 1.5 s): last failure → PUT enabled:false ${quietMs} ms`);
  });

  it('a second trip soon after a recovery waits twice as long before recovering (no flapping)', async () => {
    rig = await startBreakerRig([spec({ recoverMs: 1000 })]);
    await rig.fail(6);
    await waitForFlips(rig, 2, 'the first trip and recovery');
    // The bot is still broken: the callers it gets again fail at once.
    await rig.fail(6);
    await waitForFlips(rig, 3, 'the second trip');
    expect((await rig.snapshot()).state).toMatchObject({ position: 'open', level: 1, quietMs: 2000 });
    const last = (await rig.snapshot()).lastFailureAt!;
    const flips = await waitForFlips(rig, 4, 'the second recovery');
    expect(flips[3]!.at - last).toBeGreaterThanOrEqual(2000);
    await waitForApplied(rig, 'closed');
    const history = await rig.history();
    expect(history[2]!['why']).toMatch(/again .* after recovering: quiet time 2 s/);
    expect(history[3]!['why']).toBe('no failure for 2 s');
  });

  it('two evaluators (two workers) flip it once; when the leader stops, the other carries on', async () => {
    rig = await startBreakerRig([spec({ recoverMs: 1500 })], { evaluators: 2 });
    await waitFor(() => rig!.evaluators.some((e) => e.isLeader), { what: 'a leader' });
    await rig.fail(20);
    await waitForApplied(rig, 'open');
    expect(flipsTo(rig, true)).toHaveLength(1);
    expect(puts(rig)).toHaveLength(1);
    // The leader goes away (its worker shuts down) before the quiet time is over: the other one recovers it.
    await rig.evaluators.find((e) => e.isLeader)!.stop();
    const flips = await waitForFlips(rig, 2, 'the recovery by the other evaluator');
    expect(flips.map((f) => f.after.enabled)).toEqual([true, false]);
    const entries = await waitFor(async () => {
      const h = (await rig!.history()).filter((e) => e['event'] === 'flip');
      return h.length === 2 ? h : undefined;
    }, { what: 'both flips in the stream' });
    expect(entries[0]!['evaluator']).not.toBe(entries[1]!['evaluator']);
    expect(puts(rig)).toHaveLength(2);
  });

  it('forced states hold: open without failures, closed through a burst, then auto decides again', async () => {
    rig = await startBreakerRig([spec({ recoverMs: 300 })]);
    await rig.store.force('default', 'open', 'person:admin', 'vendor incident 42');
    await waitForApplied(rig, 'open');
    expect(rig.reports.at(-1)).toEqual({ breaker: 'default', to: 'open', by: 'person', result: 'done' });
    // Held open: far beyond its quiet time, with no failure, it stays open.
    const t = (await rig.snapshot()).now;
    await waitFor(async () => (await rig!.snapshot()).now > t + 1500, { what: 'three quiet times to pass' });
    expect(await rig.evaluatedAfter(t + 1500)).toMatchObject({ state: { position: 'open', mode: 'open' } });
    await rig.store.force('default', 'closed', 'person:admin');
    await waitForApplied(rig, 'closed');
    const burst = await rig.fail(30);
    expect(await rig.evaluatedAfter(burst)).toMatchObject({ failures: 30, state: { position: 'closed', mode: 'closed' } });
    expect(rig.sim.getEmergencyGroup(G)!.enabled).toBe(false);
    await rig.store.force('default', 'auto', 'person:admin');
    await waitForApplied(rig, 'open');
    const history = await rig.history();
    expect(history.map((e) => [e['event'], e['mode'] ?? e['to'], e['by']])).toEqual([
      ['forced', 'open', 'person:admin'],
      ['flip', 'open', 'person:admin'],
      ['forced', 'closed', 'person:admin'],
      ['flip', 'closed', 'person:admin'],
      ['forced', 'auto', 'person:admin'],
      ['flip', 'open', 'breaker'],
    ]);
    expect(history[0]!['why']).toBe('vendor incident 42');
    expect(puts(rig)).toHaveLength(3);
  });

  it('the data-table switch: the whole row read (showbrief=false) and written back with only its field changed', async () => {
    const sw = { kind: 'datatableRow', datatableId: SEED.datatable.id, rowId: SEED.datatable.rowId, field: 'enabled' } as const;
    rig = await startBreakerRig([spec({ switch: sw, recoverMs: 500 })]);
    rig.sim.engine.dataTables.get(SEED.datatable.id)!.rows.set(SEED.datatable.rowId, { key: SEED.datatable.rowId, enabled: false, reason: 'kept as is' });
    await rig.fail(6);
    const flips = await waitForFlips(rig, 2, 'the row switched on and off again');
    expect(flips.map((f) => [f.kind, f.after])).toEqual([
      ['datatableRow', { key: SEED.datatable.rowId, enabled: true, reason: 'kept as is' }],
      ['datatableRow', { key: SEED.datatable.rowId, enabled: false, reason: 'kept as is' }],
    ]);
    await waitForApplied(rig, 'closed');
    expect((await rig.history()).map((e) => e['switch'])).toEqual([`data table ${sw.datatableId} row ${sw.rowId} field enabled`, `data table ${sw.datatableId} row ${sw.rowId} field enabled`]);
  });

  it('a 429 and a refused PUT are retried (after the Retry-After) and reported, never lost', async () => {
    rig = await startBreakerRig([spec()], {
      sim: {
        faults: [
          { endpoint: 'architect', action: { type: 'status', status: 429, retryAfterSec: 1 }, count: 1 },
          { endpoint: 'architect', action: { type: 'status', status: 503 }, skip: 1, count: 1 },
        ],
      },
    });
    await rig.fail(6);
    await waitForApplied(rig, 'open');
    const history = await rig.history();
    expect(history.map((e) => [e['result'], e['attempt']])).toEqual([
      ['failed', '1'],
      ['failed', '2'],
      ['done', '3'],
    ]);
    expect(Number(history[0]!['retryInMs'])).toBeGreaterThanOrEqual(1000);
    expect(history[0]!['error']).toMatch(/429/);
    expect(history[1]!['error']).toMatch(/503/);
    expect(rig.reports.map((r) => r.result)).toEqual(['failed', 'failed', 'done']);
    expect(rig.logs.filter((l) => l.level === 'error')).toHaveLength(2);
    expect(rig.sim.stats().earlyRequests).toBe(0);
    expect(flipsTo(rig, true)).toHaveLength(1);
  });

  it("with a probe URL it recovers only once the bot's health URL answers 2xx", async () => {
    let status = 503;
    const asked: number[] = [];
    const health = http.createServer((_req, res) => {
      asked.push(status);
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;
      rig = await startBreakerRig([spec({ recoverMs: 500, probeUrl: url })]);
      await rig.fail(6);
      await waitForApplied(rig, 'open');
      // Quiet long enough, but the bot is not healthy: asked, and still open.
      const down = await waitFor(async () => { const s = await rig!.snapshot(); return s.probe === 'down' ? s : undefined; }, { what: 'the probe to answer 503' });
      expect(down.state.position).toBe('open');
      expect(rig.sim.flips()).toHaveLength(1);
      status = 204;
      await waitForApplied(rig, 'closed');
      expect(asked.at(-1)).toBe(204);
      expect(asked.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
      expect((await rig.history()).at(-1)!['why']).toBe('no failure for 0.5 s and the probe answers 2xx');
    } finally {
      health.closeAllConnections();
      await new Promise((r) => health.close(r));
    }
  });

  it('per-bot breakers: a failure counts toward its own breaker, and the default counts only the rest', async () => {
    const billing = spec({ name: 'billing', match: { flows: ['billing'] }, switch: { kind: 'datatableRow', datatableId: SEED.datatable.id, rowId: SEED.datatable.rowId, field: 'enabled' } });
    rig = await startBreakerRig([spec(), billing]);
    await rig.fail(6, { bot: { flowName: 'Billing' } });
    await waitFor(() => rig!.sim.flips('datatableRow').length === 1, { what: 'the billing breaker to trip' });
    const t = await rig.fail(2, { bot: { flowName: 'Sales' } });
    expect(await rig.evaluatedAfter(t, 'default')).toMatchObject({ failures: 2, state: { position: 'closed' } });
    expect(rig.sim.flips('emergencyGroup')).toEqual([]);
    expect(GROUP.groupId).toBe(G);
  });
});
