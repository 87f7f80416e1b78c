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
const redisNow = async () => {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
};

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  other = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  for (const p of prefixes) await deleteByPrefix(redis, p);
  await Promise.all([redis.quit(), other.quit()]);
});

describe('RedisPacer: a budget per sliding window', () => {
  it('lets a quiet client spend the whole budget at once, then refuses until the oldest request leaves the window', async () => {
    const pacer = new RedisPacer(redis, fresh('burst'), { budget: 5, windowMs: 1500, maxInFlight: 0 });
    for (let i = 0; i < 5; i += 1) {
      const a = await pacer.admit(['c1'], `r${i}`, 100, 'high');
      expect(a, `request ${i}`).toMatchObject({ admitted: true, index: 0, used: i + 1 });
      await pacer.end('c1', `r${i}`, { sent: true });
    }
    const refused = await pacer.admit(['c1'], 'r5', 100, 'high');
    expect(refused).toMatchObject({ admitted: false, reason: 'budget', used: 5 });
    expect(refused.admitted === false && refused.waitMs).toBeGreaterThan(1000);
    expect(refused.admitted === false && refused.waitMs).toBeLessThanOrEqual(1501);
    // The window slides: once the first requests are older than it, the budget is there again.
    await waitFor(async () => (await pacer.admit(['c1'], 'r6', 100, 'high')).admitted || undefined, { timeoutMs: 3000, what: 'the window to slide' });
  });

  it('counts a request until its answer, not its start: one under way holds its slot; one never sent gives it back', async () => {
    const pacer = new RedisPacer(redis, fresh('end'), { budget: 2, windowMs: 60_000, maxInFlight: 0 });
    expect((await pacer.admit(['c1'], 'sent', 5000, 'high')).admitted).toBe(true);
    expect((await pacer.admit(['c1'], 'fenced', 5000, 'high')).admitted).toBe(true);
    expect(await pacer.admit(['c1'], 'third', 5000, 'high')).toMatchObject({ admitted: false, reason: 'budget' });
    await pacer.end('c1', 'fenced', { sent: false });
    expect((await pacer.admit(['c1'], 'third', 5000, 'high')).admitted).toBe(true);
    // An answered request is scored with its answer's time: still inside the window.
    await pacer.end('c1', 'sent', { sent: true });
    expect(await pacer.usage(['c1'])).toEqual([2]);
  });

  it('never admits more than the budget in any window, across processes racing for it', async () => {
    const prefix = fresh('race');
    const windowMs = 800;
    const budget = 10;
    const pacers = [new RedisPacer(redis, prefix, { budget, windowMs, maxInFlight: 0 }), new RedisPacer(other, prefix, { budget, windowMs, maxInFlight: 0 })];
    const admitted: number[] = [];
    const deadline = Date.now() + 2 * windowMs + 300;
    let n = 0;
    await Promise.all(
      pacers.flatMap((p) =>
        Array.from({ length: 4 }, async () => {
          while (Date.now() < deadline) {
            const id = `r${n++}`;
            const a = await p.admit(['c1'], id, 50, 'high');
            if (a.admitted) {
              await p.end('c1', id, { sent: true });
              admitted.push(await redisNow());
            } else await new Promise((r) => setTimeout(r, Math.min(a.waitMs, 20)));
          }
        }),
      ),
    );
    admitted.sort((x, y) => x - y);
    // The END of each request (taken after its end call) is at or after the time the pacer scored it with.
    for (let i = 0; i + budget < admitted.length; i += 1) expect(admitted[i + budget]! - admitted[i]!, `requests ${i}..${i + budget}`).toBeGreaterThanOrEqual(windowMs - 15);
    expect(admitted.length).toBeGreaterThanOrEqual(2 * budget);
  });

  it('serialises a client (maxInFlight 1): the next request waits for the previous answer, other clients do not', async () => {
    const prefix = fresh('serial');
    const a = new RedisPacer(redis, prefix, { budget: 100 });
    const b = new RedisPacer(other, prefix, { budget: 100 });
    expect(a.maxInFlight).toBe(1);
    expect((await a.admit(['c1'], 'one', 5000, 'high')).admitted).toBe(true);
    expect(await b.admit(['c1'], 'two', 5000, 'high')).toMatchObject({ admitted: false, reason: 'busy' });
    expect(await b.admit(['c1', 'c2'], 'two', 5000, 'high')).toMatchObject({ admitted: true, index: 1 });
    await a.end('c1', 'one', { sent: true });
    expect((await b.admit(['c1'], 'three', 5000, 'high')).admitted).toBe(true);
  });

  it('frees the hold of a sender that died once its hold time has passed', async () => {
    const pacer = new RedisPacer(redis, fresh('hold'), { budget: 100 });
    expect((await pacer.admit(['c1'], 'dead', 60, 'high')).admitted).toBe(true);
    await waitFor(async () => (await pacer.admit(['c1'], 'next', 5000, 'high')).admitted || undefined, { timeoutMs: 2000, what: 'the hold to lapse' });
  });
});

describe('RedisPacer: Retry-After', () => {
  it('a 429 recorded at the end of a request blocks the client for every process, and announces it', async () => {
    const prefix = fresh('block');
    const a = new RedisPacer(redis, prefix, { budget: 100 });
    const b = new RedisPacer(other, prefix, { budget: 100 });
    const heard: string[] = [];
    const sub = redis.duplicate();
    const stop = await a.watchBlocks(sub, ['c1'], (clientId, ms) => heard.push(`${clientId}:${ms > 700}`));
    try {
      expect((await a.admit(['c1'], 'x', 5000, 'high')).admitted).toBe(true);
      await a.end('c1', 'x', { sent: true, retryAfterMs: 800 });
      const refused = await b.admit(['c1'], 'y', 5000, 'high');
      expect(refused).toMatchObject({ admitted: false, reason: 'blocked' });
      expect(refused.admitted === false && refused.waitMs).toBeGreaterThan(700);
      expect(await b.blockedFor('c1')).toBeGreaterThan(700);
      // Other clients are not blocked; a shorter block never shortens a longer one.
      expect((await b.admit(['c1', 'c2'], 'z', 5000, 'high')).index).toBe(1);
      await a.block('c1', 10);
      expect(await b.blockedFor('c1')).toBeGreaterThan(600);
      await waitFor(() => heard.includes('c1:true') || undefined, { what: 'the block announcement' });
    } finally {
      stop();
      await sub.quit();
    }
  });

  it('takes a Retry-After of 0, or a long one, without a Redis error', async () => {
    const pacer = new RedisPacer(redis, fresh('zero'), { budget: 100 });
    expect(await pacer.block('c1', 0)).toBe(0);
    expect(await pacer.block('c1', -5)).toBe(0);
    expect((await pacer.admit(['c1'], 'a', 5000, 'high')).admitted).toBe(true);
    await pacer.end('c1', 'a', { sent: true, retryAfterMs: 0 });
    expect((await pacer.admit(['c1'], 'b', 5000, 'high')).admitted).toBe(true);
    await pacer.end('c1', 'b', { sent: true });
    expect(await pacer.block('c1', 3_600_000)).toBeGreaterThan(3_599_000);
    expect(await pacer.admit(['c1'], 'c', 5000, 'high')).toMatchObject({ admitted: false, reason: 'blocked' });
  });

  it('without a budget, only blocks apply: no log, no serialising', async () => {
    const pacer = new RedisPacer(redis, fresh('unpaced'), { budget: 0 });
    expect(pacer.paced).toBe(false);
    for (let i = 0; i < 20; i += 1) expect((await pacer.admit(['c1'], `r${i}`, 5000, 'high')).admitted).toBe(true);
    expect(await pacer.usage(['c1'])).toEqual([0]);
    await pacer.block('c1', 1000);
    expect(await pacer.admit(['c1'], 'x', 5000, 'high')).toMatchObject({ admitted: false, reason: 'blocked' });
  });
});

describe('RedisPacer: callers first', () => {
  it('refuses a low-priority request while callers wait and half the budget is used; admits it otherwise', async () => {
    const pacer = new RedisPacer(redis, fresh('prio'), { budget: 4, maxInFlight: 0 });
    expect((await pacer.admit(['c1'], 'low-1', 5000, 'low')).admitted).toBe(true); // no demand yet
    expect((await pacer.admit(['c1'], 'high-1', 5000, 'high')).admitted).toBe(true); // sets the demand mark
    expect(await pacer.admit(['c1'], 'low-2', 5000, 'low')).toMatchObject({ admitted: false, reason: 'deferred' });
    expect((await pacer.admit(['c1'], 'high-2', 5000, 'high')).admitted).toBe(true);
    // The mark lapses a second after the last caller's request: confirmations go again.
    await waitFor(async () => (await pacer.admit(['c1'], 'low-3', 5000, 'low')).admitted || undefined, { timeoutMs: 3000, what: 'the demand mark to lapse' });
  });

  it('takes the client with room among several', async () => {
    const pacer = new RedisPacer(redis, fresh('multi'), { budget: 2, maxInFlight: 0 });
    const got = [];
    for (let i = 0; i < 4; i += 1) got.push(await pacer.admit(['c1', 'c2'], `r${i}`, 5000, 'high'));
    expect(got.map((g) => g.admitted && g.index).sort()).toEqual([0, 0, 1, 1]);
    expect(await pacer.admit(['c1', 'c2'], 'r5', 5000, 'high')).toMatchObject({ admitted: false, reason: 'budget' });
  });
});

describe('ConversationClaims', () => {
  const setup = async (name: string) => {
    const prefix = fresh(name);
    const lock = (job: string) => `${prefix}:lock:${job}`;
    return { claims: new ConversationClaims(redis, prefix, lock), lock };
  };

  it('lets one job claim a conversation; others see who holds it until it is released', async () => {
    const { claims } = await setup('claim');
    expect(await claims.acquire('conv', 'job-a', 5000)).toEqual({ ok: true, holder: 'job-a', accepted: false, done: false, posts: 0, step: 0, callback: false });
    expect(await claims.acquire('conv', 'job-b', 5000)).toMatchObject({ ok: false, holder: 'job-a', done: false });
    expect(await claims.acquire('conv', 'job-a', 5000)).toMatchObject({ ok: true, holder: 'job-a' });
    await claims.release('conv', 'job-b'); // not the holder: no effect
    expect((await claims.acquire('conv', 'job-b', 5000)).ok).toBe(false);
    await claims.release('conv', 'job-a');
    expect(await claims.acquire('conv', 'job-b', 5000)).toMatchObject({ ok: true, holder: 'job-b' });
  });

  it('marks a POST only while the job holds the claim AND its BullMQ lock holds this run\'s token (S15)', async () => {
    const { claims, lock } = await setup('fence');
    await claims.acquire('conv', 'job-a', 5000);
    await redis.set(lock('job-a'), 'token-1');
    expect(await claims.markPosting('conv', 'job-a', 'token-0', 'leg-1', 1000, 5000)).toBe('lock-lost');
    expect(await claims.markPosting('conv', 'job-b', 'token-1', 'leg-1', 1000, 5000)).toBe('lock-lost');
    await redis.set(lock('job-b'), 'token-b');
    expect(await claims.markPosting('conv', 'job-b', 'token-b', 'leg-1', 1000, 5000)).toBe('not-holder');
    expect(await claims.acquire('conv', 'job-a', 5000)).toMatchObject({ ok: true, posts: 0 });
    expect(await claims.markPosting('conv', 'job-a', 'token-1', 'leg-1', 1234, 5000)).toBeUndefined();
    // The job's next run learns what may have landed, on which leg and since when; other jobs see the holder.
    expect(await claims.acquire('conv', 'job-a', 5000)).toEqual({ ok: true, holder: 'job-a', leg: 'leg-1', postedAt: 1234, accepted: false, done: false, posts: 0, step: 0, callback: false });
    expect(await claims.acquire('conv', 'job-b', 5000)).toMatchObject({ ok: false, holder: 'job-a', postedAt: 1234 });
    // The lock passed to another run (a new token): this run's mark is refused.
    await redis.set(lock('job-a'), 'token-2');
    expect(await claims.markPosting('conv', 'job-a', 'token-1', 'leg-1', 2000, 5000)).toBe('lock-lost');
  });

  it('records a 202, forgets a POST that provably did not land, and saves the chosen leg', async () => {
    const { claims, lock } = await setup('fields');
    await claims.acquire('conv', 'job-a', 5000);
    await claims.saveLeg('conv', 'job-a', 'leg-9');
    await claims.saveLeg('conv', 'job-b', 'leg-x'); // not the holder: no effect
    expect(await claims.acquire('conv', 'job-a', 5000)).toMatchObject({ leg: 'leg-9' });
    await redis.set(lock('job-a'), 't');
    await claims.markPosting('conv', 'job-a', 't', 'leg-9', 10, 5000);
    await claims.markAccepted('conv', 'job-a');
    expect(await claims.acquire('conv', 'job-a', 5000)).toMatchObject({ postedAt: 10, accepted: true, posts: 1 });
    await claims.clearPosting('conv', 'job-a');
    const after = await claims.acquire('conv', 'job-a', 5000);
    expect(after.postedAt).toBeUndefined();
    expect(after).toMatchObject({ leg: 'leg-9', posts: 1 });
  });

  it('moves on to the next target of a chain, forgetting what was posted to the last; remembers a callback', async () => {
    const { claims, lock } = await setup('chain');
    await claims.acquire('conv', 'job-a', 5000);
    await redis.set(lock('job-a'), 't');
    await claims.markPosting('conv', 'job-a', 't', 'leg-1', 10, 5000);
    await claims.markAccepted('conv', 'job-a');
    await claims.nextTarget('conv', 'job-b', 1); // not the holder: no effect
    expect(await claims.acquire('conv', 'job-a', 5000)).toMatchObject({ step: 0, posts: 1, postedAt: 10 });
    await claims.nextTarget('conv', 'job-a', 1);
    await claims.markCallback('conv', 'job-a');
    const after = await claims.acquire('conv', 'job-a', 5000);
    expect(after).toMatchObject({ step: 1, posts: 0, accepted: false, leg: 'leg-1', callback: true });
    expect(after.postedAt).toBeUndefined();
  });

  it('a moved call stays marked done for later jobs of it, and can no longer be released', async () => {
    const { claims } = await setup('done');
    await claims.acquire('conv', 'job-a', 5000);
    await claims.finish('conv', 'job-b', 60_000); // not the holder: no effect
    expect((await claims.acquire('conv', 'job-b', 5000)).done).toBe(false);
    await claims.finish('conv', 'job-a', 60_000);
    await claims.release('conv', 'job-a');
    expect(await claims.acquire('conv', 'job-b', 5000)).toMatchObject({ ok: false, holder: 'job-a', done: true });
    expect(await redis.pttl(`${prefixes.at(-1)}:claim:conv`)).toBeGreaterThan(50_000);
  });
});
