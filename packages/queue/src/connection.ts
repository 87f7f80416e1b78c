import { Redis, type RedisOptions } from 'ioredis';

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

/** `redis://user:pass@host:port/db` without the password, for logs and error messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

/** Creates an ioredis connection for a role. The caller owns it and must `quit()` it. */
export function createRedis(url: string, opts: CreateRedisOptions): Redis {
  const roleOpts: RedisOptions =
    opts.role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null };
  const redis = new Redis(url, {
    ...roleOpts,
    connectionName: opts.name,
    // Reconnect forever, backing off to 2 s: a restarted Redis is picked up within ~2 s.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    connectTimeout: 5000,
    // Keep latency low at high rates: pipeline concurrent commands into one write.
    enableAutoPipelining: opts.role === 'producer',
  });
  let down = false;
  const safeUrl = redactRedisUrl(url);
  redis.on('error', (err: NodeJS.ErrnoException) => {
    if (down) return;
    down = true;
    opts.onStatus?.({ status: 'down', error: err.code ?? err.message, url: safeUrl });
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
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  let lastError = '';
  redis.on('error', (err: NodeJS.ErrnoException) => {
    lastError = err.code ?? err.message;
  });
  try {
    await redis.connect();
    await redis.ping();
    const info = await redis.info('persistence').catch(() => '');
    void info;
  } catch (err) {
    const reason = lastError || (err as Error).message;
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
