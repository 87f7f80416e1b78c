import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { deleteByPrefix, uniquePrefix, waitFor } from '@fallback/testing';
import { ConversationClaims } from './claims.js';
import { RedisPacer } from './pacer.js';

let redis: Redis;
let other: Redis;
const prefixes: string[] = [];
const fresh = (name: string) => {
  const p = uniquePrefix(name);
  prefixes.push(p);
  return p;
};

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  other = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  for (const p of prefixes) await deleteByPrefix(redis, p);
  await Promise.all([redis.quit(), other.quit()]);
});

describe('RedisPacer', () => {
  it('spaces requests at the configured rate once the burst is used', async () => {
    const pacer = new RedisPacer(redis, fresh('pace'), { requestsPerMinute: 600, burst: 1 });
    // A slot's time is Redis' clock at booking plus the wait; the test only knows that clock lies between just
    // before and just after the call (the process may be slow in between), so it brackets each slot.
    const slots: { lo: number; hi: number }[] = [];
    for (let i = 0; i < 5; i += 1) {
      const before = Date.now();
      const { waitMs } = await pacer.acquire(['c1'], 10_000);
      slots.push({ lo: before + waitMs, hi: Date.now() + waitMs });
    }
    // 600/min = one per 100 ms; each booking queues behind the previous one.
    slots.forEach((slot, i) => {
      expect(slot.hi - slots[0]!.lo + 2, `slot ${i}`).toBeGreaterThanOrEqual(i * 100);
      expect(slot.lo - slots[0]!.hi - 2, `slot ${i}`).toBeLessThanOrEqual(i * 100);
    });
  });

  it('lets a burst through at once, then paces', async () => {
    const pacer = new RedisPacer(redis, fresh('burst'), { requestsPerMinute: 60, burst: 3 });
    const waits = [];
    for (let i = 0; i < 4; i += 1) waits.push((await pacer.acquire(['c1'], 10_000)).waitMs);
    // 60/min: the burst of 3 goes at once, the 4th waits ~1 s (minus however slow this test was).
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(500);
  });

  it('books nothing when the slot is further than the caller may wait', async () => {
    const pacer = new RedisPacer(redis, fresh('refuse'), { requestsPerMinute: 60, burst: 1 });
    expect(await pacer.acquire(['c1'], 0)).toEqual({ index: 0, waitMs: 0, booked: true });
    const refused = await pacer.acquire(['c1'], 500);
    expect(refused.booked).toBe(false);
    expect(refused.waitMs).toBeGreaterThan(900);
    // The refusal did not consume the slot: the next caller gets the same one.
    expect((await pacer.acquire(['c1'], 5000)).waitMs).toBeLessThanOrEqual(refused.waitMs);
  });

  it('holds a Retry-After for every process and queues later bookings after it', async () => {
    const prefix = fresh('block');
    const a = new RedisPacer(redis, prefix, { requestsPerMinute: 0, burst: 1 });
    const b = new RedisPacer(other, prefix, { requestsPerMinute: 0, burst: 1 });
    expect((await b.acquire(['c1'], 10_000)).waitMs).toBe(0);
    await a.block('c1', 800);
    const blocked = await b.blockedFor('c1');
    expect(blocked).toBeGreaterThan(700);
    const admission = await b.acquire(['c1'], 10_000);
    expect(admission.waitMs).toBeGreaterThan(700);
    // A shorter block never shortens a longer one.
    await a.block('c1', 10);
    expect(await b.blockedFor('c1')).toBeGreaterThan(600);
    // Other clients are not blocked.
    expect((await b.acquire(['c2'], 10_000)).waitMs).toBe(0);
  });

  it('takes the earliest slot among several OAuth clients', async () => {
    const pacer = new RedisPacer(redis, fresh('multi'), { requestsPerMinute: 600, burst: 1 });
    const got = [];
    for (let i = 0; i < 4; i += 1) got.push(await pacer.acquire(['c1', 'c2'], 10_000));
    expect(got.map((g) => g.index).sort()).toEqual([0, 0, 1, 1]);
    expect(got.filter((g) => g.waitMs === 0)).toHaveLength(2);
    expect(Math.max(...got.map((g) => g.waitMs))).toBeLessThanOrEqual(115);
    await pacer.block('c1', 5000);
    const afterBlock = await pacer.acquire(['c1', 'c2'], 10_000);
    expect(afterBlock.index).toBe(1);
  });
});

describe('ConversationClaims', () => {
  it('lets one holder claim a conversation; others see who holds it until it is released', async () => {
    const claims = new ConversationClaims(redis, fresh('claim'));
    expect(await claims.acquire('conv', 'job-a', 5000)).toEqual({ ok: true, holder: 'job-a', renewed: false, posting: false });
    expect(await claims.acquire('conv', 'job-b', 5000)).toEqual({ ok: false, holder: 'job-a', renewed: false, posting: false });
    expect(await claims.acquire('conv', 'job-a', 5000)).toEqual({ ok: true, holder: 'job-a', renewed: true, posting: false });
    expect(await claims.stateOf('conv')).toEqual({ holder: 'job-a', posting: false });
    await claims.release('conv', 'job-b'); // not the holder: no effect
    expect((await claims.acquire('conv', 'job-b', 5000)).ok).toBe(false);
    await claims.release('conv', 'job-a');
    expect(await claims.stateOf('conv')).toBeNull();
    expect(await claims.acquire('conv', 'job-b', 5000)).toEqual({ ok: true, holder: 'job-b', renewed: false, posting: false });
  });

  it('remembers that a holder is posting: its next run knows, other jobs still see the holder', async () => {
    const claims = new ConversationClaims(redis, fresh('posting'));
    await claims.acquire('conv', 'job-a', 5000);
    expect(await claims.markPosting('conv', 'job-b', 5000)).toBe(false); // not the holder
    expect(await claims.markPosting('conv', 'job-a', 5000)).toBe(true);
    expect(await claims.stateOf('conv')).toEqual({ holder: 'job-a', posting: true });
    expect(await claims.acquire('conv', 'job-b', 5000)).toEqual({ ok: false, holder: 'job-a', renewed: false, posting: false });
    expect(await claims.acquire('conv', 'job-a', 5000)).toEqual({ ok: true, holder: 'job-a', renewed: true, posting: true });
    await claims.release('conv', 'job-a');
    expect(await claims.stateOf('conv')).toBeNull();
  });
});

describe('RedisPacer after a Retry-After', () => {
  it('sends one request when the block ends and spaces the next by one interval (no burst into a storm)', async () => {
    const pacer = new RedisPacer(redis, fresh('after-block'), { requestsPerMinute: 600, burst: 10 });
    await pacer.block('c1', 300);
    const first = await pacer.acquire(['c1'], 10_000);
    const second = await pacer.acquire(['c1'], 10_000);
    expect(first.waitMs).toBeGreaterThan(250);
    expect(second.waitMs - first.waitMs).toBeGreaterThanOrEqual(85);
  });
});

describe('RedisPacer sends', () => {
  it('lets one request of a client be in flight at a time, and none while a Retry-After runs', async () => {
    const prefix = fresh('send');
    const a = new RedisPacer(redis, prefix, { requestsPerMinute: 600, burst: 10 });
    const b = new RedisPacer(other, prefix, { requestsPerMinute: 600, burst: 10 });
    expect(a.paced).toBe(true);
    expect(await a.beginSend('c1', 'req-1', 5000)).toEqual({ ok: true });
    expect(await b.beginSend('c1', 'req-2', 5000)).toEqual({ ok: false, busy: true });
    expect(await b.beginSend('c2', 'req-3', 5000)).toEqual({ ok: true });
    await b.endSend('c1', 'req-2'); // not the holder: no effect
    expect(await b.beginSend('c1', 'req-2', 5000)).toEqual({ ok: false, busy: true });
    await a.block('c1', 1000);
    await a.endSend('c1', 'req-1');
    const refused = await b.beginSend('c1', 'req-2', 5000);
    expect(refused.ok).toBe(false);
    expect('blockedMs' in refused && refused.blockedMs).toBeGreaterThan(900);
  });

  it('frees the in-flight mark of a sender that died after its hold time', async () => {
    const pacer = new RedisPacer(redis, fresh('hold'), { requestsPerMinute: 600, burst: 1 });
    expect((await pacer.beginSend('c1', 'dead', 50)).ok).toBe(true);
    await waitFor(async () => (await pacer.beginSend('c1', 'next', 5000)).ok || undefined, { timeoutMs: 2000, what: 'the hold to lapse' });
  });
});

describe('RedisPacer at the default budget (290/min, burst 5)', () => {
  it('books, blocks and serialises without Redis refusing a fractional interval', async () => {
    const pacer = new RedisPacer(redis, fresh('default'), { requestsPerMinute: 290, burst: 5 });
    for (let i = 0; i < 6; i += 1) expect((await pacer.acquire(['c1'], 60_000)).booked).toBe(true);
    expect(await pacer.block('c1', 1500)).toBeGreaterThan(1400);
    expect((await pacer.beginSend('c1', 'x', 5000)).ok).toBe(false);
    const next = await pacer.acquire(['c1'], 60_000);
    expect(next.booked).toBe(true);
    expect(next.waitMs).toBeGreaterThan(1400);
  });
});
