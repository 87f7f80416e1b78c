/** The failure event: its JSON Schema, and normalization of generic and Cognigy-shaped bodies. */
export { FAILURE_TYPES, UUID_PATTERN, failureEventSchema, normalizeEvent } from './event.js';
export type { CognigyContext, EventProblem, FailureEvent, FailureEventBody, FailureType, RoutingHint } from './event.js';
export { ADDRESS_PATTERN, describeTarget } from './target.js';
export type { Target, TargetKind } from './target.js';
export { dedupeKeyOf, jobIdOf, isJobId } from './job.js';
/** SHA-256 of a string (one-shot where Node has it). */
export { sha256, sha256Hex } from './hash.js';
export type { FallbackJobData } from './job.js';
export { computeDeadline } from './deadline.js';
/** REDIS_URL: startup check, cluster URLs, and its password kept out of every message. */
export { parseClusterUrl, redactUrlPassword, redisUrlProblem, scrubUrlPassword } from './redis-url.js';
export type { ClusterUrl } from './redis-url.js';
export type { DeadlinePolicy } from './deadline.js';
export { REASONS, formatFailure, parseFailure, toPublicStatus } from './outcome.js';
export type { ReasonCode, FallbackResult, PublicStatus } from './outcome.js';
/** Routing: pure rule matching (first match wins), time windows, allowed routing hints, the quick-start router. */
export {
  addressMatches,
  decide,
  defaultQueueRouter,
  factsOf,
  hintNames,
  inWindow,
  languageMatches,
  localTime,
  matchesRule,
  normalizeAddress,
  selectAction,
  tableRouter,
} from './routing.js';
export type { CallbackOption, LocalTime, RouteAction, RouteDecision, RouteExtras, RouteFacts, RouteMatch, RouteRule, Router, RoutingTable, TimeWindow } from './routing.js';
export { buildJobData } from './build-job.js';
export { apiKeyVerifier, bearerToken } from './auth.js';
export { basicAuthVerifier, basicCredentials } from './basic-auth.js';
