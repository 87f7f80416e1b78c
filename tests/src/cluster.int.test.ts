import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisClusterUnavailable, startRedisCluster, type PrivateRedisCluster } from '@fallback/testing';
import { startStack, waitForFinal, type Stack } from './harness.js';
import { scrape, sumOf } from './prometheus-text.js';

const N = 30;
const unavailable = redisClusterUnavailable();
if (unavailable) process.stderr.write(`\n[cluster.int.test] SKIPPED: ${unavailable}\n\n`);

/**
 * Scale-out on a real Redis Cluster: three masters, the queue under a hash-tagged prefix, one ingress and two
 * worker processes. Every event is transferred exactly once, and every key of the queue sits in one slot.
 */
describe.skipIf(unavailable)('scale-out on a Redis Cluster (3 local nodes)', () => {
  let cluster: PrivateRedisCluster;
  let stack: Stack;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    stack = await startStack({
      redisUrl: cluster.url,
      workers: 2,
      workerEnv: {
        // Few jobs per process, so both take part.
        WORKER_CONCURRENCY: '4',
        // The shared pacer still runs its Lua on the cluster, at a budget that does not make the test wait.
        GENESYS_REQUESTS_PER_MINUTE: '60000',
      },
    });
    // uniquePrefix is a hash tag: `{t-e2e-…}`.
    expect(stack.prefix).toMatch(/^\{[^}]+\}$/);
  });
  afterAll(async () => {
    await stack?.stop();
    await cluster?.destroy();
  });

  it(`transfers ${N} events exactly once with one ingress and two workers`, async () => {
    const { sim } = stack;
    const conversations = Array.from({ length: N }, () => sim.createConversation());
    const post = (conversationId: string) => stack.post({ eventId: `cl-${conversationId}`, failureType: 'FLOW_ERROR', conversationId });
    const answers = await Promise.all(conversations.map((c) => post(c.id)));
    expect(answers.map((a) => a.status)).toEqual(Array(N).fill(202));
    // A sender's retry of every event: acknowledged again, transferred no more.
    const repeats = await Promise.all(conversations.map((c) => post(c.id)));
    expect(repeats.every((a) => a.status === 200 || a.status === 202)).toBe(true);

    const finals = await Promise.all(answers.map((a) => waitForFinal(stack, a.body.id, 30_000)));
    expect(finals.map((f) => f.status)).toEqual(Array(N).fill('transferred'));
    const transfers = sim.transfers();
    expect(transfers).toHaveLength(N);
    expect(new Set(transfers.map((t) => t.conversationId)).size).toBe(N);
    expect(sim.stats().duplicateTransfers).toBe(0);

    // Both workers took part (each job's outcome line names it; a transfer this job posted has alreadyTransferred false).
    const accepted = stack.workers.map((w) => w.lines.filter((l) => l.includes('"msg":"transferred"') && l.includes('"alreadyTransferred":false')).length);
    expect(accepted.reduce((a, b) => a + b, 0)).toBe(N);
    expect(accepted.every((n) => n > 0), `per worker: ${accepted.join(', ')}`).toBe(true);

    // Queue gauges work against a cluster too.
    const metrics = await scrape(`${stack.ingressUrl}/metrics`);
    expect(sumOf(metrics, 'fallback_queue_jobs', { state: 'completed' })).toBe(N);
  });

  it('keeps every key of the queue in the one slot of its hash tag', async () => {
    const { prefix } = stack;
    const tag = prefix.slice(1, -1);
    const holders: number[] = [];
    for (const port of cluster.ports) {
      const node = new Redis(port, '127.0.0.1');
      try {
        let cursor = '0';
        let keys = 0;
        do {
          const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          keys += found.length;
        } while (cursor !== '0');
        if (keys > 0) holders.push(port);
        expect(Number(await node.cluster('KEYSLOT', `${prefix}:fallbacks:wait`))).toBe(Number(await node.cluster('KEYSLOT', tag)));
      } finally {
        node.disconnect();
      }
    }
    expect(holders).toHaveLength(1);
  });
});
