/**
 * The reference routes of the ingest scenario, in their own process like the ingress: a bare Fastify POST route
 * (JSON body parsed, 202 answered, nothing else), the same route doing one BullMQ `add` per request on a
 * producer connection configured like the ingress's (auto-pipelining, no offline queue), and the ingress
 * producer's Redis work without the rest of the ingress: a dedupe marker (SET NX) then the add, awaited one after
 * the other as packages/queue FallbackProducer does, and the same two sent together in one pipeline write.
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
const marker = (id: string) => `{bench-bare}:fallbacks:dedupe:${id}`;
app.post('/bare-claim-add', async (request, reply) => {
  const id = randomUUID();
  await redis.set(marker(id), '1', 'EX', 600, 'NX');
  await queue.add(FALLBACK_JOB, request.body, { jobId: id, removeOnComplete: true });
  return reply.code(202).send({ id, status: 'queued' });
});
app.post('/bare-claim-add-pipelined', async (request, reply) => {
  const id = randomUUID();
  // Issued in the same tick: auto-pipelining writes both in one go; the add is idempotent by job id.
  await Promise.all([redis.set(marker(id), '1', 'EX', 600, 'NX'), queue.add(FALLBACK_JOB, request.body, { jobId: id, removeOnComplete: true })]);
  return reply.code(202).send({ id, status: 'queued' });
});
await app.listen({ host: '127.0.0.1', port: Number(process.env['BARE_PORT']) });
console.log(JSON.stringify({ msg: 'bare routes listening' }));
process.on('SIGTERM', () => void app.close().finally(() => process.exit(0)));
