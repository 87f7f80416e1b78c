import { afterEach, describe, expect, it } from 'vitest';
import { SEED } from '@fallback/genesys-sim';
import { freePort, startPrivateRedis, startService, uniquePrefix, type PrivateRedis, type ServiceProcess } from '@fallback/testing';
import { scrape, sumOf } from './prometheus-text.js';

/**
 * Issue 15: ingress and worker read the persistence and eviction settings of the Redis they are given at start,
 * warn loudly when AOF is off or the policy evicts, and refuse to start with REDIS_REQUIRE_DURABLE=true.
 * Real processes against private redis-servers configured wrong on purpose.
 */
let redis: PrivateRedis | undefined;
const services: ServiceProcess[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.kill('SIGTERM')));
  await redis?.destroy();
  redis = undefined;
});

const start = (name: string, entry: string, env: Record<string, string>) => {
  const p = startService(name, entry, env);
  services.push(p);
  return p;
};
const ingressEnv = async (url: string, extra: Record<string, string> = {}) => ({
  REDIS_URL: url,
  QUEUE_PREFIX: uniquePrefix('durable'),
  INGRESS_HOST: '127.0.0.1',
  INGRESS_PORT: String(await freePort()),
  INGRESS_API_KEYS: 'durability-test-key-0123',
  DEFAULT_QUEUE_ID: SEED.fallbackQueue.id,
  ...extra,
});
const workerEnv = (url: string, extra: Record<string, string> = {}) => ({
  REDIS_URL: url,
  QUEUE_PREFIX: uniquePrefix('durable'),
  GENESYS_API_URL: 'http://127.0.0.1:9',
  GENESYS_LOGIN_URL: 'http://127.0.0.1:9',
  GENESYS_CLIENT_ID: SEED.clientId,
  GENESYS_CLIENT_SECRET: SEED.clientSecret,
  ...extra,
});
const warnings = (p: ServiceProcess) => p.lines.filter((l) => l.includes('"level":"warn"')).map((l) => JSON.parse(l).msg as string);

describe('startup check of the Redis persistence and eviction settings', () => {
  it('AOF off: the ingress warns and serves; with REDIS_REQUIRE_DURABLE=true it refuses, one line per problem', async () => {
    redis = await startPrivateRedis({ appendonly: false, args: ['--maxmemory', '64mb'] });
    const warned = start('ingress-aof-off', 'apps/ingress/src/main.ts', await ingressEnv(redis.url));
    await warned.waitForLine(/ingress listening/);
    expect(warnings(warned)).toEqual([expect.stringMatching(/^Redis may lose acknowledged fallbacks .*: appendonly is no: a Redis restart loses every acknowledged fallback/)]);

    const refused = start('ingress-aof-off-required', 'apps/ingress/src/main.ts', await ingressEnv(redis.url, { REDIS_REQUIRE_DURABLE: 'true' }));
    expect((await refused.exited).code).toBe(1);
    expect(refused.lines).toEqual([
      expect.stringMatching(/^\[ingress\] Redis does not keep acknowledged fallbacks safe, and REDIS_REQUIRE_DURABLE=true refuses to start on it:$/),
      expect.stringMatching(/^ {2}- appendonly is no: .*set appendonly yes/),
      expect.stringMatching(/unset REDIS_REQUIRE_DURABLE to start with a warning/),
    ]);
  });

  it('maxmemory-policy allkeys-lru: the worker warns and takes jobs; with REDIS_REQUIRE_DURABLE=true it refuses', async () => {
    redis = await startPrivateRedis({ args: ['--maxmemory-policy', 'allkeys-lru', '--maxmemory', '64mb'] });
    const warned = start('worker-lru', 'apps/worker/src/main.ts', workerEnv(redis.url));
    await warned.waitForLine(/worker ready/);
    expect(warnings(warned)).toEqual([expect.stringMatching(/maxmemory-policy is allkeys-lru: under memory pressure Redis deletes queued jobs/)]);

    const refused = start('worker-lru-required', 'apps/worker/src/main.ts', workerEnv(redis.url, { REDIS_REQUIRE_DURABLE: 'true' }));
    expect((await refused.exited).code).toBe(1);
    expect(refused.lines.join('\n')).toMatch(/^\[worker\] Redis does not keep acknowledged fallbacks safe[^\n]*\n {2}- maxmemory-policy is allkeys-lru: /);
    expect(refused.lines.some((l) => l.includes('worker ready'))).toBe(false);
  });

  it('a durable Redis (AOF, noeviction, a maxmemory) starts both without a word, and both report its memory', async () => {
    redis = await startPrivateRedis({ args: ['--maxmemory', '64mb'] });
    const env = await ingressEnv(redis.url, { REDIS_REQUIRE_DURABLE: 'true' });
    const opsPort = String(await freePort());
    const ingress = start('ingress-durable', 'apps/ingress/src/main.ts', env);
    const worker = start('worker-durable', 'apps/worker/src/main.ts', workerEnv(redis.url, { REDIS_REQUIRE_DURABLE: 'true', WORKER_HTTP_HOST: '127.0.0.1', WORKER_HTTP_PORT: opsPort }));
    await Promise.all([ingress.waitForLine(/ingress listening/), worker.waitForLine(/worker ready/)]);
    expect([...warnings(ingress), ...warnings(worker)]).toEqual([]);
    const node = { node: `127.0.0.1:${redis.port}` };
    for (const url of [`http://127.0.0.1:${env.INGRESS_PORT}/metrics`, `http://127.0.0.1:${opsPort}/metrics`]) {
      const samples = await scrape(url);
      expect(sumOf(samples, 'fallback_redis_memory_max_bytes', node), url).toBe(64 * 1024 * 1024);
      expect(sumOf(samples, 'fallback_redis_memory_used_bytes', node), url).toBeGreaterThan(100_000);
    }
  });
});
