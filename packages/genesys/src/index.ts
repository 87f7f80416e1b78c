/** Genesys Cloud domains and the hosts derived from them. */
export { GENESYS_REGIONS, isGenesysRegion, resolveHosts } from './regions.js';
export type { GenesysRegion, GenesysHosts } from './regions.js';
/** Error facts and their classification into the kinds the worker acts on. */
export {
  GenesysApiError,
  isGenesysApiError,
  classify,
  headerOf,
  parseRetryAfter,
  missingPermissionsOf,
} from './errors.js';
export type { GenesysErrorKind, GenesysErrorBody, GenesysErrorFacts, FailedRequest, ClassifyInput, HeaderBag } from './errors.js';
/** OAuth client-credentials tokens: cache, single-flight and background refresh, expiry arithmetic. */
export {
  ClientCredentialsTokenProvider,
  tokenTimes,
  tokenState,
  needsRefresh,
  isCredentialsRefusal,
  expiresInOf,
  TOKEN_USABLE_MARGIN_MS,
} from './token.js';
export type { CachedToken, TokenSource, TokenProviderOptions } from './token.js';
/** Conversation parsing (both read shapes) and the pure decisions taken on it. */
export {
  parseConversation,
  parseAnalyticsConversations,
  callOverReason,
  chooseLeg,
  transferState,
  endedByTransfer,
  legTime,
  isEnded,
  isLiveLeg,
  normalizeAddress,
  DEFAULT_BOT_PURPOSES,
} from './conversation.js';
export type { ConversationView, Leg, RecentTransfer, LegPolicy, LegHints, LegChoice, EvidenceOptions, TransferState } from './conversation.js';
/** Transfer strategies and the request each builds for a target. */
export { TRANSFER_STRATEGIES, buildTransferRequest, interactionsFailure } from './transfer.js';
export type { TransferStrategy, TransferRequest, InteractionsFailure } from './transfer.js';
/** The thin API client (no globals, no env). */
export { GenesysClient, FencedError } from './client.js';
export type { GenesysClientOptions, Credential, RequestGate, RequestContext, RequestPriority, Admission, RequestInfo, ReadEndpoint } from './client.js';
/** The keep-alive axios instance the client and token provider share, and network error codes. */
export { createHttp, networkCodeOf } from './http.js';
/** The org objects of an outage switch: emergency groups and data-table rows (SDK-typed), and their parsers. */
export { parseEmergencyGroup, parseDataTableRow } from './org.js';
export type { EmergencyGroup, DataTableRow, DataTableValue } from './org.js';
