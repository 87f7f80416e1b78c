import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseClusterUrl, redactUrlPassword, scrubUrlPassword } from '@fallback/core';
import { BATCH_SCRIPTS } from './catalog.js';

/**
 * How a connection is used decides its failure behaviour:
 * - `producer` (ingress): no offline queue and one retry per command, so a request fails in milliseconds
 *   while Redis is down and the sender gets a 503 it can retry — never a hung request, never a half-write.
 * - `worker`: BullMQ's blocking commands need `maxRetriesPerRequest: null`; commands wait for reconnection,
 *   so a worker rides out a Redis restart by itself.
 */
export type ConnectionRole = 'producer' | 'worker';

/** Options of createRedis. */
export interface CreateRedisOptions {
  role: ConnectionRole;
  /** CLIENT SETNAME, visible in `CLIENT LIST` (which process holds which connection). */
  name: string;
  /** Reports connection trouble once per outage and on recovery (not once per reconnect attempt). */
  onStatus?: (event: { status: 'down' | 'up'; error?: string; url: string }) => void;
}

/** `redis://user:pass@host:port/db` (or a `redis+cluster://` URL) without the password, for logs and error messages. */
export const redactRedisUrl = redactUrlPassword;

/**
 * Creates an ioredis connection for a role. The caller owns it and must `quit()` it.
 *
 * A `redis+cluster://` URL gives an ioredis Cluster. It is typed as Redis so every caller keeps its signature:
 * it answers the commands we and BullMQ send (BullMQ detects a cluster by `isCluster` and needs the hash-tagged
 * prefix, `{fallback}` by default, so a queue's keys share one slot).
 */
export function createRedis(url: string, opts: CreateRedisOptions): Redis {
  const roleOpts: RedisOptions =
    opts.role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, autoPipeliningIgnoredCommands: Object.values(BATCH_SCRIPTS) }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null };
  // Reconnect forever, backing off to 2 s: a restarted Redis is picked up within ~2 s.
  const retryStrategy = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);
  const cluster = parseClusterUrl(url);
  const redis = cluster
    ? (new Cluster(cluster.nodes, {
        redisOptions: {
          ...roleOpts,
          connectionName: opts.name,
          connectTimeout: 5000,
          ...(cluster.username ? { username: cluster.username } : {}),
          ...(cluster.password ? { password: cluster.password } : {}),
          ...(cluster.tls ? { tls: {} } : {}),
        },
        enableOfflineQueue: roleOpts.enableOfflineQueue ?? true,
        clusterRetryStrategy: retryStrategy,
        enableAutoPipelining: opts.role === 'producer',
        autoPipeliningIgnoredCommands: Object.values(BATCH_SCRIPTS),
      }) as unknown as Redis)
    : new Redis(url, {
        ...roleOpts,
        connectionName: opts.name,
        retryStrategy,
        connectTimeout: 5000,
        // Keep latency low at high rates: pipeline concurrent commands into one write.
        enableAutoPipelining: opts.role === 'producer',
      });
  let down = false;
  const safeUrl = redactRedisUrl(url);
  redis.on('error', (err: NodeJS.ErrnoException) => {
    if (down) return;
    down = true;
    opts.onStatus?.({ status: 'down', error: scrubUrlPassword(err.code ?? err.message, url), url: safeUrl });
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    opts.onStatus?.({ status: 'up', url: safeUrl });
  });
  return redis;
}

/** Redis did not answer at startup. Its message is one line saying what to do. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/**
 * PINGs Redis once with a short timeout. Services call it before anything else so a missing Redis is one clear
 * line ("start one, or set REDIS_URL") instead of a stack trace per reconnect attempt.
 */
export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const cluster = parseClusterUrl(url);
  const probeOpts = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs };
  const redis = cluster
    ? (new Cluster(cluster.nodes, {
        lazyConnect: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: () => null,
        redisOptions: {
          ...probeOpts,
          ...(cluster.username ? { username: cluster.username } : {}),
          ...(cluster.password ? { password: cluster.password } : {}),
          ...(cluster.tls ? { tls: {} } : {}),
        },
      }) as unknown as Redis)
    : new Redis(url, { ...probeOpts, retryStrategy: () => null });
  let lastError = '';
  redis.on('error', (err: NodeJS.ErrnoException) => {
    lastError = err.code ?? err.message;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    const reason = scrubUrlPassword(lastError || (err as Error).message, url);
    throw new RedisUnavailableError(
      `Redis is not answering at ${redactRedisUrl(url)} (${reason}). ` +
        'Start one (Debian: `redis-server --daemonize yes`; Docker: `docker compose up redis`) or point REDIS_URL at yours.',
    );
  } finally {
    redis.disconnect();
  }
}

/**
 * Resolves when a connection is ready for commands. A producer connection has no offline queue, so the ingress
 * must not take requests before this (they would get a 503 for nothing).
 */
export async function waitUntilReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new RedisUnavailableError(`Redis connection not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
