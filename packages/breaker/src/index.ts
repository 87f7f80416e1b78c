/** Breakers as configured: switches, conditions, which breakers a failure counts toward. */
export { DEFAULT_BREAKER, breakerSpecs, breakersFor, bucketMsOf, describeSwitch } from './spec.js';
export type { BreakerSpec, BreakerSwitch, BreakerDefaults } from './spec.js';
/** The pure state machine: trip, quiet time, relapse backoff, forced states. */
export { INITIAL_STATE, MAX_LEVEL, RELAPSE_FACTOR, applyDecision, decide, quietTimeAt, recoveryDueAt } from './machine.js';
export type { BreakerMode, BreakerPosition, BreakerState, Decision, Observation } from './machine.js';
/** Redis: counts, state, the evaluator's lease, the flips stream. */
export { BreakerStore, FLIPS_KEPT, breakerKeys, failuresInWindow, snapshotOf } from './store.js';
export type { BreakerSnapshot, FlipEntry } from './store.js';
/** Counting failures at ingest (one Redis command per new failure). */
export { BreakerCounter } from './counter.js';
/** Setting a switch in Genesys: read whole, write back whole, 409 → read again. */
export { MAX_CONFLICTS, SwitchFieldError, setSwitch } from './switches.js';
export type { SwitchPort, SwitchResult } from './switches.js';
/** The evaluator of the worker: one lease holder decides and flips. */
export { BreakerEvaluator, flipRetryDelay, httpProbe } from './evaluator.js';
export type { BreakerLog, EvaluatorOptions, FlipReport } from './evaluator.js';
/** What a person sees: GET /admin/breaker and fallbackctl breaker. */
export { breakerGauges, breakerView, readBreakers } from './view.js';
export type { BreakerView } from './view.js';
