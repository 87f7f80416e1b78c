export { GENESYS_REGIONS, isGenesysRegion, resolveHosts } from './regions.js';
export type { GenesysRegion, GenesysHosts } from './regions.js';
export {
  GenesysApiError,
  isGenesysApiError,
  classify,
  parseRetryAfter,
  missingPermissionsOf,
  DEFAULT_MAX_RETRY_AFTER_MS,
} from './errors.js';
export type { GenesysErrorKind, GenesysErrorBody, GenesysErrorFacts, FailedRequest, ClassifyInput } from './errors.js';
export { ClientCredentialsTokenProvider, tokenTimes, needsRefresh } from './token.js';
export type { CachedToken, TokenSource, TokenProviderOptions } from './token.js';
export {
  parseConversation,
  callOverReason,
  transferEvidence,
  pickLegToReplace,
  isEnded,
  DEFAULT_BOT_PURPOSES,
} from './conversation.js';
export type { ConversationView, Leg, RecentTransfer, LegPolicy } from './conversation.js';
export { TRANSFER_STRATEGIES, buildTransferRequest } from './transfer.js';
export type { TransferStrategy, TransferRequest } from './transfer.js';
export { GenesysClient } from './client.js';
export type { GenesysClientOptions, RequestGate, RequestInfo, ReadEndpoint } from './client.js';
export { createHttp, networkCodeOf } from './http.js';
