import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Redis } from 'ioredis';
import { deleteByPrefix, uniquePrefix, waitFor } from '@fallback/testing';
import { createRedis } from './connection.js';
import { FloodCounter } from './flood.js';

/** Flood counters on a real Redis: a turn's hits in one round trip, each with the count it would have got alone. */
describe('FloodCounter', () => {
  let redis: Redis;
  let prefix: string;
  let counter: FloodCounter;
  beforeAll(async () => {
    redis = createRedis(inject('redisUrl'), { role: 'producer', name: 'test-flood' });
    // A producer connection has no offline queue: wait until it is up.
    await waitFor(() => redis.status === 'ready', { what: 'the Redis connection' });
    prefix = uniquePrefix('flood');
    counter = new FloodCounter(redis);
  });
  afterAll(async () => {
    await deleteByPrefix(redis, prefix);
    await redis.quit();
  });

  it('gives the hits of one turn their positions, per key', async () => {
    const [a, b] = [`${prefix}:a`, `${prefix}:b`];
    const counts = await Promise.all([counter.hit(a, 10_000), counter.hit(b, 5_000), counter.hit(a, 10_000), counter.hit(a, 10_000)]);
    expect(counts.map((c) => c.current)).toEqual([1, 1, 2, 3]);
    expect(counts[0]!.ttlMs).toBe(10_000);
    expect(counts[1]!.ttlMs).toBe(5_000);
    // The next turn continues the same window.
    const next = await counter.hit(a, 10_000);
    expect(next.current).toBe(4);
    expect(next.ttlMs).toBeGreaterThan(0);
    expect(next.ttlMs).toBeLessThanOrEqual(10_000);
    expect(await redis.get(a)).toBe('4');
    expect(await redis.pttl(b)).toBeGreaterThan(0);
  });

  it('starts a new window when the last one ended, and repairs a counter that lost its expiry', async () => {
    const key = `${prefix}:c`;
    expect((await counter.hit(key, 50)).current).toBe(1);
    await redis.pexpire(key, 1);
    await redis.set(`${prefix}:d`, '7');
    await waitFor(async () => (await redis.exists(key)) === 0, { what: 'the window to end' });
    const [fresh, repaired] = await Promise.all([counter.hit(key, 50), counter.hit(`${prefix}:d`, 1000)]);
    expect(fresh).toEqual({ current: 1, ttlMs: 50 });
    expect(repaired).toEqual({ current: 8, ttlMs: 1000 });
    expect(await redis.pttl(`${prefix}:d`)).toBeGreaterThan(0);
  });
});
