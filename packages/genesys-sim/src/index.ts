/** The simulator: a Fastify server with Genesys' endpoints, faults, a ledger and a control API under /__sim. */
export { createSimulator } from './server.js';
export type { Simulator, SimulatorOptions } from './server.js';
/** The simulated org behind the HTTP surface, its run-time settings and their defaults. */
export { SimEngine, DEFAULT_SETTINGS } from './engine.js';
export type { SimSettings, EngineOptions, TransferTarget, TransferCheck } from './engine.js';
/** Ledger records and counters (`/__sim/stats` field names are read by tests and benchmarks). */
export { Ledger } from './ledger.js';
export type { SimStats, LedgerRequest, LedgerTransfer, LedgerTransferState, RequestQuery } from './ledger.js';
/** Seeded org data, conversation construction and the two Genesys read shapes. */
export { SEED, newConversation, toCallShape, toGenericShape, isLive } from './model.js';
export type { SimConversation, SimParticipant, SimQueue, SimRecentTransfer, NewConversation } from './model.js';
/** Fault rules: validation, the seeded RNG and the rule book. */
export { seededRandom, parseFaultRules, appliesTo, FaultBook, FaultRuleError } from './faults.js';
export type { FaultRule, FaultAction, FaultEndpoint, RequestEndpoint, ActiveFault } from './faults.js';
/** Genesys error bodies as the simulator sends them. */
export { errorBody, rateLimitBody, missingPermissionBody, oauthErrorBody, defaultCode } from './errors.js';
export type { ErrorBody } from './errors.js';
/** Sliding one-minute request window (rate limits). */
export { SlidingWindow } from './rate-limit.js';
/** Issued tokens (never exposed: only non-secret ids leave the simulator). */
export { TokenStore } from './tokens.js';
export type { TokenRecord, TokenProblem } from './tokens.js';
/** Control API helpers. */
export { summarize, settingsProblems, newConversationProblems } from './control.js';
export type { ConversationSummary } from './control.js';
