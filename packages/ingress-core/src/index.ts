/** Parses a request body as JSON, refusing prototype-poisoning keys. */
export { parseJsonBody } from './json.js';
export type { JsonProblem } from './json.js';
/** Standard Webhooks: header checks, signing keys with rotation, secret format. */
export { SIGNATURE_TOLERANCE_SECONDS, WebhookKeys, hasSignatureHeaders, isUsableWebhookSecret, readSignedMessage } from './signature.js';
export type { SignatureFailure, SignatureHeaders, SignedMessage } from './signature.js';
/** Sources (senders), their authentication, and the source an event is recorded under. */
export { createAuthenticator, effectiveSource, isAuthFailure, tenantOf } from './sources.js';
export type { AuthFailure, Authenticator, Principal, RateLimitSpec, SourceSpec } from './sources.js';
/** The routes file (YAML/JSON) and the environment's defaults, as one checked policy. */
export { DEFAULT_ROUTE, ENV_SOURCE, RoutesFileError, isTimeZone, parseDays, parseRoutesFile, policyFromEnv, readBreakers } from './routes-file.js';
export type { IngressPolicy, PolicyDefaults } from './routes-file.js';
/** `?conversationId=` of GET /v1/fallbacks (the lookup). */
export { parseConversationQuery } from './lookup.js';
/** Senders over their flood limit, remembered until their window ends; the Retry-After of a flood refusal. */
export { FloodMemory, floodRetryAfterSeconds } from './flood.js';
/** The bounded `?wait=` of POST /v1/fallbacks. */
export { MAX_WAIT_SECONDS, parseWait } from './wait.js';
/** Whether the worker's TRANSFER_STRATEGY can reach every target of the routes (checked by the ingress at startup). */
export { strategyCannotReach, strategyProblems } from './strategy.js';
export type { TransferStrategyName } from './strategy.js';
