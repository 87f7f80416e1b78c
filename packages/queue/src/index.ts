export { createRedis, redactRedisUrl, assertRedisReachable, waitUntilReady, RedisUnavailableError } from './connection.js';
export type { ConnectionRole, CreateRedisOptions } from './connection.js';
/** Startup check that Redis persists (AOF) and never evicts; memory for the metrics. */
export { checkRedisDurability, durabilityVerdict, parseInfo, readRedisDurability, readRedisMemory, RedisNotDurableError } from './durability.js';
export type { DurabilityVerdict, NodeDurability, RedisMemory } from './durability.js';
export { FALLBACK_QUEUE, FALLBACK_JOB, DEFAULT_PREFIX, BACKOFF_STRATEGY, fallbackJobOptions, dedupeKey, openFallbackQueue } from './catalog.js';
export type { JobPolicy } from './catalog.js';
export { FallbackProducer } from './producer.js';
export type { SubmitResult, ProducerOptions } from './producer.js';
export { FallbackWaiter, openQueueEvents, getFallbackStatus, isFinalStatus, statusViewOf } from './status.js';
export type { EventsHandle, FallbackStatusView } from './status.js';
export { RedisPacer } from './pacer.js';
export type { PacerOptions, Admission, SendPermit } from './pacer.js';
export { ConversationClaims } from './claims.js';
export type { ClaimResult, ClaimState } from './claims.js';
/** Seed nodes of a `redis+cluster://` REDIS_URL. */
export { parseClusterUrl } from '@fallback/core';
export type { ClusterUrl } from '@fallback/core';
/** Queue-wide numbers for the metrics gauges. */
export { queueStatsSource } from './stats.js';
export type { QueueStats } from './stats.js';
