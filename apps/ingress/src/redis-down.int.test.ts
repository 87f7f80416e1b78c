/**
 * Redis unavailable: the ingress answers 503 with Retry-After at once (no offline queue, no hang), writes nothing,
 * and accepts again by itself when Redis is back. A private redis-server that the test kills and restarts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, waitFor, type PrivateRedis } from '@fallback/testing';
import { startTestIngress, TEST_KEY, type TestIngress } from '../test/test-app.js';

const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';
const post = (t: TestIngress, eventId: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/fallbacks',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    payload: { eventId, conversationId: CID },
  });

describe('Redis unavailable', () => {
  let redis: PrivateRedis;
  let t: TestIngress;
  beforeAll(async () => {
    redis = await startPrivateRedis({ appendonly: true, appendfsync: 'always' });
    t = await startTestIngress({ redisUrl: redis.url, name: 'redis-down' });
  });
  afterAll(async () => {
    // The test restarts Redis itself; if it failed while Redis was down, the cleanup simply cannot reach it.
    await Promise.race([t?.close(), new Promise((r) => setTimeout(r, 3000))]);
    await redis?.destroy();
  });

  it('answers 503 + Retry-After while Redis is down, writes nothing, and recovers by itself', async () => {
    expect((await post(t, 'before-outage')).statusCode).toBe(202);
    await redis.stop('SIGKILL');

    const during = await post(t, 'during-outage');
    expect(during.statusCode).toBe(503);
    expect(during.headers['retry-after']).toBe('1');
    expect(during.json().error).toEqual({ code: 'queue_unavailable', message: expect.stringMatching(/nothing was accepted/) });
    // Neither the status route nor readiness hang; the rate limiter does not turn the outage into a 429 or 500.
    const status = await t.app.inject({ method: 'GET', url: '/v1/fallbacks/fb-00000000000000000000000000000000', headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(status.statusCode).toBe(503);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    for (let i = 0; i < 20; i++) expect((await post(t, `during-outage-${i}`)).statusCode).toBe(503);

    await redis.start();
    // The producer reconnects by itself (backoff ≤ 2 s); then the same event is new: nothing was half-written.
    const after = await waitFor(
      async () => {
        const res = await post(t, 'during-outage');
        return res.statusCode === 503 ? undefined : res;
      },
      { timeoutMs: 15_000, what: 'the ingress to accept again after Redis restarted' },
    );
    expect(after.statusCode).toBe(202);
    // The event acknowledged before the outage survived the crash (AOF, fsync always in this test).
    expect((await post(t, 'before-outage')).statusCode).toBe(200);
    const jobs = await t.jobIds();
    expect(jobs).toHaveLength(2);
    expect(await t.markers()).toHaveLength(2);
  });
});
