import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { SEED, createSimulator, type Simulator } from '@fallback/genesys-sim';
import {
  freePort,
  redisClusterUnavailable,
  startRedisCluster,
  startService,
  uniquePrefix,
  waitFor,
  type PrivateRedisCluster,
  type ServiceProcess,
} from '@fallback/testing';
import { API_KEY } from './harness.js';
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
  let sim: Simulator;
  let ingress: ServiceProcess;
  const workers: ServiceProcess[] = [];
  let ingressUrl: string;
  const prefix = uniquePrefix('cluster');

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    sim = createSimulator({ rateLimitPerMinute: 0, transferDelayMs: 0 });
    const simUrl = await sim.listen(0);
    const port = await freePort();
    ingressUrl = `http://127.0.0.1:${port}`;
    const common = { REDIS_URL: cluster.url, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
    ingress = startService('ingress', 'apps/ingress/src/main.ts', {
      ...common,
      INGRESS_HOST: '127.0.0.1',
      INGRESS_PORT: String(port),
      INGRESS_API_KEYS: API_KEY,
      DEFAULT_QUEUE_ID: SEED.fallbackQueue.id,
    });
    for (let i = 0; i < 2; i += 1)
      workers.push(
        startService(`worker-${i + 1}`, 'apps/worker/src/main.ts', {
          ...common,
          GENESYS_API_URL: simUrl,
          GENESYS_LOGIN_URL: simUrl,
          GENESYS_CLIENT_ID: SEED.clientId,
          GENESYS_CLIENT_SECRET: SEED.clientSecret,
          CONFIRM_DELAY_MS: '0',
          // Few jobs per process, so both take part.
          WORKER_CONCURRENCY: '4',
          // The shared pacer still runs its Lua on the cluster, at a budget that does not make the test wait.
          GENESYS_REQUESTS_PER_MINUTE: '60000',
        }),
      );
    await Promise.all([ingress.waitForLine(/ingress listening/), ...workers.map((w) => w.waitForLine(/worker ready/))]);
  });
  afterAll(async () => {
    await Promise.all([ingress?.kill('SIGTERM'), ...workers.map((w) => w.kill('SIGTERM'))]);
    await sim?.close();
    await cluster?.destroy();
  });

  it(`transfers ${N} events exactly once with one ingress and two workers`, async () => {
    const conversations = Array.from({ length: N }, () => sim.createConversation());
    const post = (conversationId: string) =>
      fetch(`${ingressUrl}/v1/fallbacks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ eventId: `cl-${conversationId}`, failureType: 'FLOW_ERROR', conversationId }),
      });
    const answers = await Promise.all(conversations.map((c) => post(c.id)));
    expect(answers.map((a) => a.status)).toEqual(Array(N).fill(202));
    // A sender's retry of every event: acknowledged again, transferred no more.
    const repeats = await Promise.all(conversations.map((c) => post(c.id)));
    expect(repeats.every((a) => a.status === 200 || a.status === 202)).toBe(true);

    await waitFor(() => sim.transfers().length >= N || undefined, { timeoutMs: 30_000, what: `${N} transfers` });
    const ids = (await Promise.all(answers.map(async (a) => ((await a.json()) as { id: string }).id)));
    await waitFor(
      async () => {
        const states = await Promise.all(
          ids.map(async (id) => ((await (await fetch(`${ingressUrl}/v1/fallbacks/${id}`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as { status: string }).status),
        );
        return states.every((s) => s === 'transferred') || undefined;
      },
      { timeoutMs: 20_000, what: 'every fallback to report transferred' },
    );
    const transfers = sim.transfers();
    expect(transfers).toHaveLength(N);
    expect(new Set(transfers.map((t) => t.conversationId)).size).toBe(N);
    expect(sim.stats().duplicateTransfers).toBe(0);

    // Both workers took part (the log line of a confirmed 202 names the job).
    const accepted = workers.map((w) => w.lines.filter((l) => l.includes('transfer accepted (202)')).length);
    expect(accepted.reduce((a, b) => a + b, 0)).toBe(N);
    expect(accepted.every((n) => n > 0), `per worker: ${accepted.join(', ')}`).toBe(true);

    // Queue gauges work against a cluster too.
    const metrics = await scrape(`${ingressUrl}/metrics`);
    expect(sumOf(metrics, 'fallback_queue_jobs', { state: 'completed' })).toBe(N);
  });

  it('keeps every key of the queue in the one slot of its hash tag', async () => {
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
