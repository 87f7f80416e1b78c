/**
 * Test wiring of the ingress (not a test itself): the real app on a real Redis under a unique key prefix, with
 * its log captured so tests can assert what was (and was not) written to it.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { BreakerCounter, BreakerStore, type BreakerSpec } from '@fallback/breaker';
import type { FallbackJobData, FallbackResult } from '@fallback/core';
import { policyFromEnv, type IngressPolicy } from '@fallback/ingress-core';
import { createLogger } from '@fallback/observability';
import { FALLBACK_QUEUE, FallbackProducer, FallbackWaiter, openQueueEvents, createRedis, dedupeKey, openFallbackQueue } from '@fallback/queue';
import { deleteByPrefix, uniquePrefix } from '@fallback/testing';
import { buildApp, type IngressDeps } from '../src/app.js';
import { registerDocsUi } from '../src/docs-ui.js';
import { registerBreakerAdmin } from '../src/breaker-admin.js';

/** The quick start's key and queue, used when a test gives no policy. */
export const TEST_KEY = 'test-ingress-key-0123456789';
export const TEST_QUEUE = '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';

/** The app config of tests and benchmarks: the documented defaults, under a given key prefix. */
export function testConfig(queuePrefix: string): IngressDeps['config'] {
  return {
    bodyLimit: 65_536,
    deadline: { defaultTtlMs: 120_000, maxTtlMs: 600_000 },
    trustProxy: false,
    timeouts: { requestMs: 10_000, connectionMs: 10_000 },
    queuePrefix,
  };
}

/** A running test ingress and what a test needs to look behind it. */
export interface TestIngress {
  app: FastifyInstance;
  deps: IngressDeps;
  prefix: string;
  /** A connection of the test's own (not the app's), for assertions. */
  probe: Redis;
  /** Every log line the app wrote. */
  logs: string[];
  /** Ids of the fallback jobs that exist under this prefix. */
  jobIds(): Promise<string[]>;
  /** Dedupe markers under this prefix (a refused request must leave none). */
  markers(): Promise<string[]>;
  close(): Promise<void>;
}

/** Options of startTestIngress. */
export interface TestIngressOptions {
  redisUrl: string;
  policy?: IngressPolicy;
  now?: () => number;
  config?: Partial<IngressDeps['config']>;
  /** Wire a FallbackWaiter (QueueEvents) for `?wait=`. */
  waiter?: boolean;
  name?: string;
  /** Share another test ingress's prefix: several ingress processes on one queue. */
  prefix?: string;
  /** Serve Swagger UI, as main.ts does with INGRESS_DOCS_UI=true. */
  docsUi?: boolean;
  /** Outage breakers to count failures toward; with `breakerAdmin`, /admin/breaker behind that user and password. */
  breakers?: BreakerSpec[];
  breakerAdmin?: { username: string; password: string };
  /** Told the size of every enqueue batch the producer sends. */
  onBatch?: (size: number) => void;
}

/** Builds the app (not listening: inject() or listen() as the test needs). */
export async function startTestIngress(opts: TestIngressOptions): Promise<TestIngress> {
  const prefix = opts.prefix ?? uniquePrefix(opts.name ?? 'ingress');
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ name: 'ingress', level: 'debug', destination });
  const redis = createRedis(opts.redisUrl, { role: 'producer', name: 'test-ingress' });
  const probe = new Redis(opts.redisUrl);
  const queue = openFallbackQueue<FallbackJobData, FallbackResult>(redis, prefix);
  const jobPolicy = { attempts: 3, retentionSec: 3600, failedRetentionSec: 3600 };
  const producer = new FallbackProducer({ queue, redis, prefix, policy: jobPolicy, dedupeTtlSec: 600, ...(opts.onBatch ? { onBatch: opts.onBatch } : {}) });
  const waiter = opts.waiter ? new FallbackWaiter(queue, () => openQueueEvents(opts.redisUrl, prefix, 'test-ingress-events')) : undefined;
  const deps: IngressDeps = {
    config: { ...testConfig(prefix), ...opts.config },
    policy: opts.policy ?? policyFromEnv({ apiKeys: [TEST_KEY], webhookSecrets: [], defaultQueueId: TEST_QUEUE }),
    producer,
    queue,
    redis,
    logger,
    ...(waiter ? { waiter } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ready: async () => {
      await redis.ping();
    },
  };
  if (opts.breakers) deps.breakers = new BreakerCounter(new BreakerStore(redis, prefix), opts.breakers);
  const app = await buildApp(deps);
  if (opts.docsUi) await registerDocsUi(app);
  if (opts.breakers && opts.breakerAdmin) await registerBreakerAdmin(app, { store: new BreakerStore(redis, prefix), specs: opts.breakers, admin: opts.breakerAdmin });
  await app.ready();
  await queue.waitUntilReady();
  // SCAN may return a key twice (the keyspace rehashes while other tests write): a set, sorted.
  const scan = async (pattern: string) => {
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await probe.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) found.add(k);
    } while (cursor !== '0');
    return [...found].sort();
  };
  return {
    app,
    deps,
    prefix,
    probe,
    logs,
    jobIds: async () => (await scan(`${prefix}:${FALLBACK_QUEUE}:fb-*`)).filter((k) => /:fb-[0-9a-f]{32}$/.test(k)).map((k) => k.slice(k.lastIndexOf(':') + 1)),
    markers: () => scan(dedupeKey(prefix, 'fb-*')),
    async close() {
      await app.close();
      await waiter?.close();
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
      // The owner of the prefix cleans it; an instance sharing it leaves that to the owner.
      if (!opts.prefix) await deleteByPrefix(probe, prefix);
      await probe.quit();
    },
  };
}
