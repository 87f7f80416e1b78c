import { redactUrlPassword } from '@fallback/core';
import { recoveryDueAt, type BreakerMode, type BreakerPosition } from './machine.js';
import { describeSwitch, type BreakerSpec, type BreakerSwitch } from './spec.js';
import type { BreakerSnapshot, BreakerStore, FlipEntry } from './store.js';

/** A breaker as a person sees it (GET /admin/breaker, fallbackctl breaker). Times are ISO-8601. */
export interface BreakerView {
  name: string;
  switch: BreakerSwitch & { description: string };
  /** open: the switch is (being) set on, inbound flows send new callers around the bot. */
  state: BreakerPosition;
  mode: BreakerMode;
  forced?: { by: string; at?: string; reason?: string };
  /** inWindow: failures within the window since the breaker last closed (what trips it). */
  failures: { inWindow: number; threshold: number; windowSeconds: number; total: number; lastAt?: string };
  /** Quiet time of the current (or last) open period and its backoff level. */
  quietSeconds: number;
  level: number;
  recoverSeconds: number;
  openedAt?: string;
  closedAt?: string;
  /** Open in auto mode: when it may recover if no failure comes (the probe aside). */
  recoveryDueAt?: string;
  probe?: { url: string; state?: 'up' | 'down'; at?: string };
  /** The last decision: why, by whom, the failures counted then. */
  lastDecision?: { why?: string; by?: string; failures?: number };
  /** The switch in Genesys: as last set or found, and the flip still to do (with its failed attempts). */
  genesys: { applied?: BreakerPosition; appliedAt?: string; pending: boolean; attempts: number; lastError?: string; retryAt?: string };
  evaluatedAt?: string;
  evaluator?: string;
  match?: { flowName?: readonly string[]; endpoint?: readonly string[]; source?: readonly string[] };
}

const iso = (ms: number | undefined) => (ms === undefined || ms === 0 ? undefined : new Date(ms).toISOString());
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The view of one breaker from its spec and a snapshot. Pure. */
export function breakerView(spec: BreakerSpec, snap: BreakerSnapshot): BreakerView {
  const { state } = snap;
  const forced = state.mode !== 'auto' ? defined({ by: state.modeBy ?? 'person', at: iso(snap.modeAt), reason: snap.modeReason }) : undefined;
  return defined({
    name: spec.name,
    switch: { ...spec.switch, description: describeSwitch(spec.switch) },
    state: state.position,
    mode: state.mode,
    forced,
    failures: defined({ inWindow: snap.failures, threshold: spec.threshold, windowSeconds: spec.windowMs / 1000, total: snap.total, lastAt: iso(snap.lastFailureAt) }),
    quietSeconds: (state.quietMs || spec.recoverMs) / 1000,
    level: state.level,
    recoverSeconds: spec.recoverMs / 1000,
    openedAt: iso(state.openedAt),
    closedAt: iso(snap.closedAt),
    recoveryDueAt:
      state.position === 'open' && state.mode === 'auto' && !snap.pending ? iso(recoveryDueAt(state, snap.lastFailureAt, snap.appliedAt ?? 0)) : undefined,
    // A health URL may carry credentials (user:password@, ?password=): never shown.
    probe: spec.probeUrl ? defined({ url: redactUrlPassword(spec.probeUrl), state: snap.probe, at: iso(snap.probedAt) }) : undefined,
    lastDecision: snap.why || snap.by ? defined({ why: snap.why, by: snap.by, failures: snap.failuresAtFlip }) : undefined,
    genesys: defined({ applied: snap.applied, appliedAt: iso(snap.appliedAt), pending: snap.pending, attempts: snap.attempts, lastError: snap.lastError, retryAt: snap.pending ? iso(snap.retryAt) : undefined }),
    evaluatedAt: iso(snap.evaluatedAt),
    evaluator: snap.evaluator,
    match: spec.match ? defined({ flowName: spec.match.flows, endpoint: spec.match.endpoints, source: spec.match.sources }) : undefined,
  });
}

/** Every breaker's view and the newest entries of the flips stream (newest first). */
export async function readBreakers(store: BreakerStore, specs: readonly BreakerSpec[], historyCount = 50): Promise<{ breakers: BreakerView[]; history: FlipEntry[] }> {
  const breakers = await Promise.all(specs.map(async (spec) => breakerView(spec, await store.snapshot(spec))));
  return { breakers, history: await store.history(historyCount) };
}

/** Each breaker's position and window failures, for the metrics gauges (read at scrape time). */
export function breakerGauges(store: BreakerStore, specs: readonly BreakerSpec[]): () => Promise<{ breaker: string; open: boolean; failures: number }[]> {
  return () =>
    Promise.all(
      specs.map(async (spec) => {
        const snap = await store.snapshot(spec);
        return { breaker: spec.name, open: snap.state.position === 'open', failures: snap.failures };
      }),
    );
}
