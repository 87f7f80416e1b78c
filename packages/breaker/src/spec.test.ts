import { describe, expect, it } from 'vitest';
import type { FailureEvent } from '@fallback/core';
import { flipRetryDelay } from './evaluator.js';
import { breakerSpecs, breakersFor, bucketMsOf, describeSwitch, type BreakerSpec } from './spec.js';
import { failuresInWindow, snapshotOf } from './store.js';
import { breakerView } from './view.js';

const group = { kind: 'emergencyGroup', groupId: 'g-1' } as const;
const row = { kind: 'datatableRow', datatableId: 't-1', rowId: 'bot-outage', field: 'enabled' } as const;
const base = { threshold: 20, windowMs: 60_000, recoverMs: 300_000 };
const named = (name: string, match: BreakerSpec['match']): BreakerSpec => ({ name, switch: row, ...base, match });
const event = (e: Partial<FailureEvent>): FailureEvent => ({ conversationId: 'c', ...e }) as FailureEvent;

describe('which breakers a failure counts toward', () => {
  const specs = [
    ...breakerSpecs({ switch: group, ...base }),
    named('billing', { flows: ['billing'] }),
    named('vg-eu', { endpoints: ['vg-eu'] }),
    named('partner', { sources: ['partner'], flows: ['billing', 'sales'] }),
  ];
  const rows: [string, Partial<FailureEvent>, string[]][] = [
    ['no bot facts: the default', {}, ['default']],
    ['another flow: the default', { bot: { flowName: 'Sales' } }, ['default']],
    ['its flow (case aside): its breaker, not the default', { bot: { flowName: 'BILLING' } }, ['billing']],
    ['flow and endpoint: both breakers', { bot: { flowName: 'Billing', endpoint: 'VG-EU' } }, ['billing', 'vg-eu']],
    ['every condition must hold (source and flow)', { source: 'partner', bot: { flowName: 'sales' } }, ['partner']],
    ['a source alone does not satisfy a breaker that also names flows', { source: 'partner' }, ['default']],
  ];
  it.each(rows)('%s', (_name, e, expected) => {
    expect(breakersFor(specs, event(e)).map((s) => s.name)).toEqual(expected);
  });

  it('without a default breaker, an unmatched failure counts toward none', () => {
    expect(breakersFor([named('billing', { flows: ['billing'] })], event({}))).toEqual([]);
    expect(breakerSpecs({ ...base })).toEqual([]);
  });
});

describe('counting buckets and windows', () => {
  it('about 60 buckets per window, never under 100 ms', () => {
    expect([1000, 2000, 60_000, 600_000, 3_600_000].map(bucketMsOf)).toEqual([100, 100, 1000, 10_000, 60_000]);
  });

  it('sums the buckets that end inside the window', () => {
    // 1 s buckets: buckets 100…109 hold 1 each; the window [104 500, 109 500] reaches back into bucket 104.
    const counts = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(100 + i), '1']));
    expect(failuresInWindow(counts, 109_500, 5000, 1000)).toBe(6);
    expect(failuresInWindow(counts, 200_000, 5000, 1000)).toBe(0);
    expect(failuresInWindow({}, 1, 5000, 1000)).toBe(0);
    // Closed at 107 200: the failures before it (which tripped it) do not count toward the next trip.
    expect(failuresInWindow(counts, 109_500, 5000, 1000, 107_200)).toBe(3);
  });

  it('reads a state hash, missing fields as the initial state', () => {
    expect(snapshotOf({ windowMs: 5000 }, 10_000, {}, {})).toEqual({ now: 10_000, failures: 0, total: 0, state: { position: 'closed', mode: 'auto', level: 0, quietMs: 0 }, seq: 0, pending: false, attempts: 0, retryAt: 0 });
    // 100 ms buckets for a 5 s window: bucket 90 is 9.0–9.1 s.
    const snap = snapshotOf({ windowMs: 5000 }, 10_000, { '90': '3' }, { state: 'open', mode: 'open', modeBy: 'person:admin', level: '2', quietMs: '4000', openedAt: '9000', last: '9500', pending: '1', applied: 'closed', lastError: '' });
    expect(snap).toMatchObject({ failures: 3, lastFailureAt: 9500, pending: true, applied: 'closed', state: { position: 'open', mode: 'open', modeBy: 'person:admin', level: 2, quietMs: 4000, openedAt: 9000 } });
    expect(snap.lastError).toBeUndefined();
  });
});

describe('flip retries', () => {
  it('double from the base to the cap, never before a Retry-After', () => {
    const retry = { baseMs: 1000, capMs: 30_000 };
    expect([1, 2, 3, 5, 6, 10].map((a) => flipRetryDelay(a, retry))).toEqual([1000, 2000, 4000, 16_000, 30_000, 30_000]);
    expect(flipRetryDelay(1, retry, 5000)).toBe(5000);
  });

  it('switches are named in one line', () => {
    expect(describeSwitch(group)).toBe('emergency group g-1');
    expect(describeSwitch(row)).toBe('data table t-1 row bot-outage field enabled');
  });
});

describe('the view a person sees', () => {
  it('never shows credentials of the probe URL; says when an open breaker may close', () => {
    const spec: BreakerSpec = { name: 'default', switch: group, ...base, probeUrl: 'https://probe:s3cret@bot.example.com/health?password=hunter2' };
    const snap = snapshotOf(spec, 1_000_000, {}, { state: 'open', openedAt: '900000', quietMs: '300000', applied: 'open', appliedAt: '901000', last: '950000' });
    const view = breakerView(spec, snap);
    expect(JSON.stringify(view)).not.toMatch(/s3cret|hunter2/);
    expect(view.probe?.url).toBe('https://probe:***@bot.example.com/health?password=***');
    expect(view.recoveryDueAt).toBe(new Date(1_250_000).toISOString());
    expect(view).toMatchObject({ state: 'open', mode: 'auto', quietSeconds: 300, genesys: { applied: 'open', pending: false } });
  });
});
