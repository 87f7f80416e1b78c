/**
 * The reference of the worker-throughput scenario: a BullMQ worker with a no-op processor, same concurrency,
 * same Redis, in its own process. Its drain rate in the same run is the ceiling our worker is compared with.
 *
 * Env: REDIS_URL, QUEUE_PREFIX, WORKER_CONCURRENCY.
 */
import { Worker } from 'bullmq';
import { FALLBACK_QUEUE, createRedis } from '@fallback/queue';

const connection = createRedis(process.env['REDIS_URL']!, { role: 'worker', name: 'bench-bare-worker' });
const worker = new Worker(FALLBACK_QUEUE, async () => ({ outcome: 'transferred' }), {
  connection,
  prefix: process.env['QUEUE_PREFIX']!,
  concurrency: Number(process.env['WORKER_CONCURRENCY'] ?? 50),
});
await worker.waitUntilReady();
console.log(JSON.stringify({ msg: 'bare worker ready' }));
process.on('SIGTERM', () => void worker.close().finally(() => process.exit(0)));
