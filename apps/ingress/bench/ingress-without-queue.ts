/**
 * For the ingest benchmark only: the real ingress app (auth, JSON, schema, source policy, routing, job building,
 * job id, reply) with the enqueue replaced by an immediate "created". Measured beside the full ingress, it
 * splits the cost of a request into HTTP + our checks versus the Redis/BullMQ part. Never used by a test.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Queue } from 'bullmq';
import { parseRoutesFile, policyFromEnv, type PolicyDefaults } from '@fallback/ingress-core';
import type { FallbackProducer } from '@fallback/queue';
import { buildApp } from '../src/app.js';
import { testConfig } from '../test/test-app.js';

const env = process.env;
const defaults: PolicyDefaults = { apiKeys: [env['INGRESS_API_KEYS']!], webhookSecrets: [], defaultQueueId: env['DEFAULT_QUEUE_ID'] ?? '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b' };
const routesFile = env['ROUTES_FILE'];
// Never connects: the rate limiter is off (no Redis command) and nothing is enqueued.
const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
const app = await buildApp({
  config: testConfig('{bench}'),
  policy: routesFile ? parseRoutesFile(readFileSync(routesFile, 'utf8'), { fileName: routesFile, env, defaults }) : policyFromEnv(defaults),
  producer: { submit: async (id: string) => ({ id, created: true }) } as unknown as FallbackProducer,
  queue: {} as Queue,
  redis,
  logger: pino({ level: 'warn' }),
});
const address = await app.listen({ host: '127.0.0.1', port: Number(env['PORT'] ?? 0) });
process.stdout.write(`ingress-without-queue listening ${address}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
