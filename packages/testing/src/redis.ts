import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A Redis for tests, and how to give it back. */
export interface TestRedis {
  url: string;
  /** Where it came from: REDIS_URL, a testcontainer, or the local default. */
  source: 'env' | 'testcontainers' | 'local';
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * The Redis tests run against: REDIS_URL when set; else a testcontainer where a Docker engine answers; else a
 * Redis on 127.0.0.1:6379. Tests never mock Redis: without one they fail with the fix in the message.
 */
export async function acquireTestRedis(env: NodeJS.ProcessEnv = process.env): Promise<TestRedis> {
  if (env['REDIS_URL']) {
    if (!(await answers(env['REDIS_URL']))) throw new Error(`REDIS_URL=${env['REDIS_URL']} does not answer PING`);
    return { url: env['REDIS_URL'], source: 'env', stop: async () => undefined };
  }
  try {
    const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).withCommand(['redis-server', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction']).start();
    return {
      url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
      source: 'testcontainers',
      stop: async () => {
        await container.stop();
      },
    };
  } catch {
    // No Docker engine (as on this project's CI machine): fall through to a local Redis.
  }
  const local = 'redis://127.0.0.1:6379';
  if (await answers(local)) return { url: local, source: 'local', stop: async () => undefined };
  throw new Error(
    'No Redis for the tests: set REDIS_URL, run a Docker engine (testcontainers), or start one locally (`redis-server --daemonize yes`).',
  );
}

/** A key prefix no other test uses, with a hash tag so it also works on Redis Cluster. */
export function uniquePrefix(name: string): string {
  return `{t-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 24)}-${randomBytes(4).toString('hex')}}`;
}

/** Deletes every key under a prefix (a test's leftovers). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
