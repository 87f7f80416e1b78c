export { createRedis, redactRedisUrl, assertRedisReachable, waitUntilReady, RedisUnavailableError } from './connection.js';
export type { ConnectionRole, CreateRedisOptions } from './connection.js';
/** Startup check that Redis persists (AOF) and never evicts; memory for the metrics. */
export { checkRedisDurability, durabilityVerdict, parseInfo, readRedisDurability, readRedisMemory, RedisNotDurableError } from './durability.js';
export type { DurabilityVerdict, NodeDurability, RedisMemory } from './durability.js';
export {
  FALLBACK_QUEUE,
  FALLBACK_JOB,
  DEFAULT_PREFIX,
  BACKOFF_STRATEGY,
  CONVERSATION_INDEX_LIMIT,
  fallbackJobOptions,
  dedupeKey,
  conversationIndexKey,
  conversationIndexTtlSec,
  floodKey,
  openFallbackQueue,
} from './catalog.js';
export type { JobPolicy } from './catalog.js';
export { DEFAULT_MAX_BATCH, FallbackProducer } from './producer.js';
export type { SubmitResult, SubmitOptions, ProducerOptions, RedisCommand } from './producer.js';
/** Groups work arriving in one event-loop turn into one call (one Redis round trip). */
export { MicroBatcher } from './batcher.js';
export type { MicroBatcherOptions } from './batcher.js';
/** Per-sender fixed-window flood counters, many requests per round trip. */
export { FloodCounter, FloodLimitedError } from './flood.js';
export type { FloodCount, FloodLimit } from './flood.js';
export { FallbackWaiter, openQueueEvents, getFallbackStatus, isFinalStatus, listFallbacks, statusViewOf } from './status.js';
export type { EventsHandle, FallbackStatusView, LookupTarget } from './status.js';
export { RedisPacer } from './pacer.js';
export type { PacerOptions, PacerAdmission, RefusalReason } from './pacer.js';
export { ConversationClaims } from './claims.js';
export type { ClaimResult, ClaimState, PostingRefusal } from './claims.js';
/** Seed nodes of a `redis+cluster://` REDIS_URL. */
export { parseClusterUrl } from '@fallback/core';
export type { ClusterUrl } from '@fallback/core';
/** Queue-wide numbers for the metrics gauges. */
export { queueStatsSource } from './stats.js';
export type { QueueStats } from './stats.js';
/** What a person may do to a job from the dashboard: retry a dead letter afresh, remove a finished job. */
export { mayRemove, mayRetry, removeFinishedJob, retryDeadLetter } from './operator.js';
export type { OperatorRefusal } from './operator.js';
/** Dead letters (the failed set): list by reason and age, replay safely. */
export { deadLetterOf, listDeadLetters, matchesFilter, replayDecision, replayDeadLetter } from './dead-letters.js';
export type { DeadLetter, DeadLetterFilter, ReplayOutcome, ReplaySkip, ReplayedJobData } from './dead-letters.js';
