export { createRedis, redactRedisUrl, assertRedisReachable, RedisUnavailableError } from './connection.js';
export type { ConnectionRole, CreateRedisOptions } from './connection.js';
export { FALLBACK_QUEUE, FALLBACK_JOB, DEFAULT_PREFIX, BACKOFF_STRATEGY, fallbackJobOptions, dedupeKey, openFallbackQueue } from './catalog.js';
export type { JobPolicy } from './catalog.js';
export { FallbackProducer } from './producer.js';
export type { SubmitResult, ProducerOptions } from './producer.js';
export { getFallbackStatus, statusViewOf } from './status.js';
export type { FallbackStatusView } from './status.js';
