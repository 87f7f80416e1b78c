/**
 * The reference routes of the ingest scenario, in their own process like the ingress: a bare Fastify POST route
 * (JSON body parsed, 202 answered, nothing else), and the same route doing one BullMQ `add` per request on a
 * producer connection configured like the ingress's (auto-pipelining, no offline queue).
 *
 * Env: BARE_PORT, REDIS_URL, QUEUE_PREFIX.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { FALLBACK_JOB, createRedis, openFallbackQueue } from '@fallback/queue';

const redis = createRedis(process.env['REDIS_URL']!, { role: 'producer', name: 'bench-bare' });
const queue = openFallbackQueue(redis, process.env['QUEUE_PREFIX']!);
const app = Fastify({ logger: false });
app.post('/bare', async (_request, reply) => reply.code(202).send({ status: 'queued' }));
app.post('/bare-bullmq', async (request, reply) => {
  const id = randomUUID();
  await queue.add(FALLBACK_JOB, request.body, { jobId: id, removeOnComplete: true });
  return reply.code(202).send({ id, status: 'queued' });
});
await app.listen({ host: '127.0.0.1', port: Number(process.env['BARE_PORT']) });
console.log(JSON.stringify({ msg: 'bare routes listening' }));
process.on('SIGTERM', () => void app.close().finally(() => process.exit(0)));
