/** The simulator: a Fastify server with Genesys' endpoints, faults, a ledger and a control API under /__sim. */
export { createSimulator } from './server.js';
export type { Simulator, SimulatorOptions } from './server.js';
/** The simulated org behind the HTTP surface. */
export { SimEngine } from './engine.js';
export type { EngineOptions, TransferTarget, TransferCheck, TransferFailure } from './engine.js';
/** Run-time settings, their defaults and validation. */
export { DEFAULT_SETTINGS, NOT_CONNECTED_ANSWERS, settingsProblems, applySettings } from './settings.js';
export type { SimSettings, NotConnectedAnswer } from './settings.js';
/** Ledger records and counters (`/__sim/stats` field names are read by tests and benchmarks). */
export { Ledger } from './ledger.js';
export type {
  SimStats,
  LedgerRequest,
  LedgerTransfer,
  LedgerTransferState,
  LedgerFlip,
  LedgerCallback,
  LedgerAttributePatch,
  ChangeAuthor,
  RequestQuery,
} from './ledger.js';
/** Seeded org data and conversation construction. */
export { SEED, newConversation, isLive, isConnected, leg } from './model.js';
export type { SimConversation, SimParticipant, SimQueue, SimRecentTransfer, NewConversation, ConversationRoles, TransferState } from './model.js';
/** The Genesys bodies, written with the SDK's models (the two read shapes, recent transfers). */
export { toCallShape, toGenericShape, toTransferResponse, toCallMediaParticipant, toParticipant, toCall } from './shapes.js';
/** The analytics batch read (ids, lag). */
export { analyticsIds, toAnalyticsConversation, segmentsOf } from './analytics.js';
/** Emergency groups, data-table rows, callbacks, attributes, queue wait. */
export {
  newEmergencyGroup,
  updateEmergencyGroup,
  listEmergencyGroups,
  toEmergencyGroup,
  updateRow,
  toRowBody,
  rowProblems,
  checkCallback,
  checkAttributes,
  toEstimatedWait,
} from './org.js';
export type { SimEmergencyGroup, EmergencyGroupFields, SimDataTable, DataTableRow, DataTableValue, DataTableFieldType } from './org.js';
/** Fault rules: validation, the seeded RNG and the rule book. */
export { seededRandom, parseFaultRules, appliesTo, FaultBook, FaultRuleError } from './faults.js';
export type { FaultRule, FaultAction, FaultEndpoint, RequestEndpoint, ActiveFault, FailedTransferState } from './faults.js';
/** Genesys error bodies as the simulator sends them. */
export { errorBody, rateLimitBody, missingPermissionBody, oauthErrorBody, defaultCode, RATE_LIMIT_CODES } from './errors.js';
export type { ErrorBody, RateLimitCode, RateLimitInfo, Refusal } from './errors.js';
/** Sliding one-minute request window (rate limits). */
export { SlidingWindow } from './rate-limit.js';
/** Issued tokens (never exposed: only non-secret ids leave the simulator). */
export { TokenStore } from './tokens.js';
export type { TokenRecord, TokenProblem } from './tokens.js';
/** Control API helpers. */
export { summarize, newConversationProblems } from './control.js';
export { emergencyGroupProblems, dataTableProblems } from './control-org.js';
export type { ConversationSummary } from './control.js';
