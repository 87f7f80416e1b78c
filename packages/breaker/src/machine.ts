/**
 * The breaker's decisions, pure: a state and what was observed in, a decision out. The evaluator (evaluator.ts)
 * reads the observation from Redis and carries the decision out; nothing here reads a clock or does I/O.
 *
 * closed → open: `threshold` failures within the window (auto), counting only failures since it last closed (the
 *   ones that tripped it must not trip it again the moment it recovers), or a person forces it open.
 * open → closed: no failure for the quiet time (measured from the last failure, or from when the switch was set
 *   in Genesys if that is later: until then callers still reach the bot) and, with a probe URL, the probe
 *   answering 2xx (auto); or a person forces it closed.
 * Relapse: a trip within RELAPSE_FACTOR × the quiet time just served after the breaker itself recovered doubles
 *   the next quiet time (up to 2^MAX_LEVEL × the configured one); a trip later than that starts again at the
 *   configured one. Without this a bot that is still broken would see callers every quiet time, fail them, and
 *   trip again: flapping, with a burst of failed callers at each flap.
 *
 * Why "no failure at all" is the quiet test, not "fewer than the threshold": while the breaker is open the inbound
 * flows send new callers around the bot, so failures stop because of the breaker itself (the ones that still come
 * are callers who were already on the bot). Quiet therefore says little about the bot's health, which is why the
 * probe exists, and why a relapse waits longer.
 */
import type { BreakerSpec } from './spec.js';

/** Where the breaker is. `open` = the switch is on: inbound flows send new callers around the bot. */
export type BreakerPosition = 'open' | 'closed';
/** What a person set: the breaker decides (`auto`), or it is held open or closed. */
export type BreakerMode = 'auto' | 'open' | 'closed';

/** Relapse window, in quiet times served: a trip this soon after recovering counts as a relapse. */
export const RELAPSE_FACTOR = 2;
/** Most doublings of the quiet time: at most 16 × the configured one. */
export const MAX_LEVEL = 4;

/** The breaker's state as kept in Redis (the fields decisions read). */
export interface BreakerState {
  position: BreakerPosition;
  mode: BreakerMode;
  /** Who set `mode` (`person:<user>`). */
  modeBy?: string;
  openedAt?: number;
  /** When the breaker last recovered by itself (not when a person closed it): the relapse clock. */
  recoveredAt?: number;
  /** Doublings of the quiet time in force (0 … MAX_LEVEL). */
  level: number;
  /** Quiet time of the current open period, or of the last one once closed (ms). */
  quietMs: number;
}

/** What the evaluator saw (Redis clock, ms). */
export interface Observation {
  now: number;
  /** Failures counted within the breaker's window, since it last closed. */
  failures: number;
  lastFailureAt?: number;
  /** The probe's last answer while it is fresh; undefined when not probed (or too long ago). */
  probe?: 'up' | 'down';
  /** When Genesys was found or made to match the current position; undefined while that flip is still to do. */
  switchSetAt?: number;
}

/** The decision. `open`/`close` change the state; `probe` asks for the probe's answer before deciding again. */
export type Decision =
  | { kind: 'stay'; why: string }
  | { kind: 'probe'; why: string }
  | { kind: 'open'; why: string; by: string; level: number; quietMs: number }
  | { kind: 'close'; why: string; by: string; recovered: boolean };

/** The state of a breaker nobody has touched: closed, auto. */
export const INITIAL_STATE: BreakerState = { position: 'closed', mode: 'auto', level: 0, quietMs: 0 };

/** Quiet time required at a backoff level (ms). Pure. */
export function quietTimeAt(spec: Pick<BreakerSpec, 'recoverMs'>, level: number): number {
  return spec.recoverMs * 2 ** Math.min(MAX_LEVEL, Math.max(0, level));
}

/** When an open breaker in auto mode may recover (quiet time elapsed; the probe aside), once its switch is set. Pure. */
export function recoveryDueAt(state: BreakerState, lastFailureAt: number | undefined, switchSetAt: number): number {
  return Math.max(lastFailureAt ?? 0, state.openedAt ?? 0, switchSetAt) + state.quietMs;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** The decision for one breaker. Pure: same input, same answer. */
export function decide(spec: BreakerSpec, state: BreakerState, obs: Observation): Decision {
  const by = state.modeBy ?? 'person';
  if (state.mode === 'open') {
    if (state.position === 'open') return { kind: 'stay', why: `held open by ${by}` };
    return { kind: 'open', why: `forced open by ${by}`, by, level: state.level, quietMs: quietTimeAt(spec, state.level) };
  }
  if (state.mode === 'closed') {
    if (state.position === 'closed') return { kind: 'stay', why: `held closed by ${by}` };
    return { kind: 'close', why: `forced closed by ${by}`, by, recovered: false };
  }

  if (state.position === 'closed') {
    if (obs.failures < spec.threshold) return { kind: 'stay', why: `${obs.failures} of ${spec.threshold} failures in ${seconds(spec.windowMs)}` };
    const sinceRecovery = state.recoveredAt === undefined ? undefined : obs.now - state.recoveredAt;
    const relapse = sinceRecovery !== undefined && sinceRecovery < RELAPSE_FACTOR * state.quietMs;
    const level = relapse ? Math.min(MAX_LEVEL, state.level + 1) : 0;
    const quietMs = quietTimeAt(spec, level);
    const why =
      `${obs.failures} failures in ${seconds(spec.windowMs)} (threshold ${spec.threshold})` +
      (relapse ? `; again ${seconds(sinceRecovery!)} after recovering: quiet time ${seconds(quietMs)}` : '');
    return { kind: 'open', why, by: 'breaker', level, quietMs };
  }

  // A trip not yet set in Genesys (a 429, a refusal: retried) has diverted nobody: no quiet time runs for it.
  if (obs.switchSetAt === undefined) return { kind: 'stay', why: 'open; waiting for the switch to be set in Genesys' };
  const dueAt = recoveryDueAt(state, obs.lastFailureAt, obs.switchSetAt);
  if (obs.now < dueAt) return { kind: 'stay', why: `quiet for ${seconds(Math.max(0, obs.now - (dueAt - state.quietMs)))} of ${seconds(state.quietMs)}` };
  const quiet = `no failure for ${seconds(state.quietMs)}`;
  if (spec.probeUrl !== undefined) {
    if (obs.probe === undefined) return { kind: 'probe', why: `${quiet}; asking the probe` };
    if (obs.probe === 'down') return { kind: 'stay', why: `${quiet}, but the probe does not answer 2xx` };
    return { kind: 'close', why: `${quiet} and the probe answers 2xx`, by: 'breaker', recovered: true };
  }
  return { kind: 'close', why: quiet, by: 'breaker', recovered: true };
}

/** The state after a decision was carried out at `now`. Pure. */
export function applyDecision(state: BreakerState, decision: Decision, now: number): BreakerState {
  switch (decision.kind) {
    case 'open':
      return { ...state, position: 'open', openedAt: now, level: decision.level, quietMs: decision.quietMs };
    case 'close':
      return { ...state, position: 'closed', ...(decision.recovered ? { recoveredAt: now } : {}) };
    default:
      return state;
  }
}
