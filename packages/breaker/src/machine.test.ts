import { describe, expect, it } from 'vitest';
import { INITIAL_STATE, MAX_LEVEL, applyDecision, decide, quietTimeAt, recoveryDueAt, type BreakerState, type Decision, type Observation } from './machine.js';
import type { BreakerSpec } from './spec.js';

const spec: BreakerSpec = { name: 'default', switch: { kind: 'emergencyGroup', groupId: 'g' }, threshold: 10, windowMs: 60_000, recoverMs: 300_000 };
const probed: BreakerSpec = { ...spec, probeUrl: 'http://bot/health' };
const T = 1_000_000_000;
const closed = (s: Partial<BreakerState> = {}): BreakerState => ({ ...INITIAL_STATE, ...s });
const open = (s: Partial<BreakerState> = {}): BreakerState => ({ ...INITIAL_STATE, position: 'open', openedAt: T, quietMs: 300_000, ...s });
const obs = (o: Partial<Observation> = {}): Observation => ({ now: T + 1000, failures: 0, switchSetAt: T, ...o });

type Row = [string, BreakerSpec, BreakerState, Observation, Partial<Decision> & { kind: Decision['kind'] }];

describe('decide', () => {
  const rows: Row[] = [
    // closed, auto
    ['no failures: stays closed', spec, closed(), obs(), { kind: 'stay' }],
    ['a trickle below the threshold: stays closed', spec, closed(), obs({ failures: 9 }), { kind: 'stay', why: '9 of 10 failures in 60 s' }],
    ['the threshold reached: opens at level 0', spec, closed(), obs({ failures: 10 }), { kind: 'open', by: 'breaker', level: 0, quietMs: 300_000, why: '10 failures in 60 s (threshold 10)' }],
    ['a trip long after the last recovery: level 0 again', spec, closed({ recoveredAt: T - 700_000, level: 3, quietMs: 300_000 }), obs({ failures: 50 }), { kind: 'open', level: 0, quietMs: 300_000 }],
    ['a trip soon after a recovery: relapse, the quiet time doubles', spec, closed({ recoveredAt: T, level: 0, quietMs: 300_000 }), obs({ failures: 10 }), { kind: 'open', level: 1, quietMs: 600_000, why: '10 failures in 60 s (threshold 10); again 1 s after recovering: quiet time 600 s' }],
    ['relapse window is measured in the quiet time served (2 × 600 s)', spec, closed({ recoveredAt: T - 1_100_000, level: 1, quietMs: 600_000 }), obs({ failures: 10 }), { kind: 'open', level: 2, quietMs: 1_200_000 }],
    ['relapses stop doubling at the cap', spec, closed({ recoveredAt: T, level: MAX_LEVEL, quietMs: 300_000 * 16 }), obs({ failures: 10 }), { kind: 'open', level: MAX_LEVEL, quietMs: 300_000 * 16 }],
    // open, auto
    ['open, the switch not yet set in Genesys: no quiet time runs', spec, open(), obs({ now: T + 900_000, switchSetAt: undefined }), { kind: 'stay', why: 'open; waiting for the switch to be set in Genesys' }],
    ['open, quiet counted from when the switch was set when that is later', spec, open(), obs({ now: T + 300_000, switchSetAt: T + 20_000 }), { kind: 'stay', why: 'quiet for 280 s of 300 s' }],
    ['open, failures still coming: stays open', spec, open(), obs({ now: T + 400_000, lastFailureAt: T + 200_000, failures: 3 }), { kind: 'stay', why: 'quiet for 200 s of 300 s' }],
    ['open, quiet not yet long enough: stays open', spec, open(), obs({ now: T + 299_999, lastFailureAt: T - 5000 }), { kind: 'stay' }],
    ['open, quiet long enough (from the opening, the last failure being earlier): closes, recovered', spec, open(), obs({ now: T + 300_000, lastFailureAt: T - 5000 }), { kind: 'close', by: 'breaker', recovered: true, why: 'no failure for 300 s' }],
    ['open, quiet counted from the last failure when it is later', spec, open(), obs({ now: T + 300_000, lastFailureAt: T + 1 }), { kind: 'stay' }],
    ['open at level 2: the doubled quiet time is what counts', spec, open({ level: 2, quietMs: 1_200_000 }), obs({ now: T + 600_000 }), { kind: 'stay' }],
    ['open with a probe, quiet long enough, not yet probed: ask the probe', probed, open(), obs({ now: T + 300_000 }), { kind: 'probe' }],
    ['open with a probe that does not answer 2xx: stays open', probed, open(), obs({ now: T + 300_000, probe: 'down' }), { kind: 'stay', why: 'no failure for 300 s, but the probe does not answer 2xx' }],
    ['open with a healthy probe: closes', probed, open(), obs({ now: T + 300_000, probe: 'up' }), { kind: 'close', recovered: true }],
    ['open with a healthy probe but failures still coming: stays open (the probe is not asked)', probed, open(), obs({ now: T + 300_000, lastFailureAt: T + 299_000, probe: 'up' }), { kind: 'stay' }],
    // forced
    ['forced open while closed: opens, by the person, keeping the level', spec, closed({ mode: 'open', modeBy: 'person:admin', level: 2 }), obs(), { kind: 'open', by: 'person:admin', level: 2, quietMs: 1_200_000, why: 'forced open by person:admin' }],
    ['forced open while open: stays, whatever the quiet', spec, open({ mode: 'open', modeBy: 'person:admin' }), obs({ now: T + 10_000_000 }), { kind: 'stay', why: 'held open by person:admin' }],
    ['forced closed while open: closes, not a recovery', spec, open({ mode: 'closed', modeBy: 'person:admin' }), obs({ failures: 100 }), { kind: 'close', by: 'person:admin', recovered: false }],
    ['forced closed during a burst: stays closed', spec, closed({ mode: 'closed', modeBy: 'person:admin' }), obs({ failures: 1000 }), { kind: 'stay', why: 'held closed by person:admin' }],
  ];
  it.each(rows)('%s', (_name, s, state, o, expected) => {
    expect(decide(s, state, o)).toMatchObject(expected);
  });
});

describe('a breaker over time', () => {
  it('trips, recovers after the quiet time, relapses with a longer quiet time, and starts over after a long calm', () => {
    const s = { ...spec, threshold: 3, windowMs: 10_000, recoverMs: 5_000 };
    let state = INITIAL_STATE;
    const step = (o: Omit<Observation, 'switchSetAt'>) => {
      // Genesys takes no time here: the switch is set the instant the breaker decides.
      const d = decide(s, state, { ...o, switchSetAt: state.openedAt ?? 0 });
      state = applyDecision(state, d, o.now);
      return d.kind;
    };
    expect(step({ now: 0, failures: 2 })).toBe('stay');
    expect(step({ now: 1000, failures: 3, lastFailureAt: 1000 })).toBe('open');
    expect(step({ now: 5999, failures: 3, lastFailureAt: 1000 })).toBe('stay');
    expect(step({ now: 6000, failures: 3, lastFailureAt: 1000 })).toBe('close');
    expect(state).toMatchObject({ position: 'closed', recoveredAt: 6000, level: 0 });
    // The bot is still broken: the callers it gets now fail again at once.
    expect(step({ now: 7000, failures: 3, lastFailureAt: 7000 })).toBe('open');
    expect(state).toMatchObject({ level: 1, quietMs: 10_000 });
    expect(recoveryDueAt(state, 7000, 7000)).toBe(17_000);
    expect(step({ now: 16_999, failures: 0, lastFailureAt: 7000 })).toBe('stay');
    expect(step({ now: 17_000, failures: 0, lastFailureAt: 7000 })).toBe('close');
    // A calm longer than twice the last quiet time: the next outage starts from the configured quiet time.
    expect(step({ now: 17_000 + 20_000, failures: 3, lastFailureAt: 37_000 })).toBe('open');
    expect(state).toMatchObject({ level: 0, quietMs: 5_000 });
  });

  it('quietTimeAt is bounded', () => {
    expect([0, 1, 2, 4, 9, -1].map((l) => quietTimeAt(spec, l) / spec.recoverMs)).toEqual([1, 2, 4, 16, 16, 1]);
  });
});
