/**
 * Deduplication under concurrency, over real HTTP: N identical requests racing, spread over three ingress
 * instances (each its own Redis connection, as separate processes would have), give exactly one 202 and one job;
 * every other answer is a 200 naming the same job. A marker left by a first attempt that died before adding its
 * job does not lose the event.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dedupeKeyOf, jobIdOf } from '@fallback/core';
import { dedupeKey } from '@fallback/queue';
import { startTestIngress, TEST_KEY, type TestIngress } from '../test/test-app.js';

const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';

describe('deduplication is race-free', () => {
  let t: TestIngress;
  const others: TestIngress[] = [];
  const urls: string[] = [];
  beforeAll(async () => {
    t = await startTestIngress({ redisUrl: inject('redisUrl'), name: 'dedupe' });
    for (let i = 0; i < 2; i++) others.push(await startTestIngress({ redisUrl: inject('redisUrl'), prefix: t.prefix }));
    for (const x of [t, ...others]) urls.push(`${await x.app.listen({ host: '127.0.0.1', port: 0 })}/v1/fallbacks`);
  });
  afterAll(async () => {
    for (const o of others) await o.close();
    await t?.close();
  });

  let turn = 0;
  const post = async (body: object) => {
    const url = urls[turn++ % urls.length]!;
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { id: string; duplicate?: boolean } };
  };

  it.each([
    ['with an eventId', (round: number) => ({ eventId: `race-${process.pid}-${round}`, conversationId: CID, failureType: 'FLOW_ERROR' })],
    ['without an eventId (conversation + failure type)', (round: number) => ({ conversationId: CID.replace(/^.{8}/, `0000000${round}`), failureType: 'STT_ERROR' })],
  ])('50 identical concurrent posts %s → one 202, 49 × 200 with the same id, one job (5 rounds)', async (_label, eventOf) => {
    for (let round = 0; round < 5; round++) {
      const event = eventOf(round);
      const before = (await t.jobIds()).length;
      const answers = await Promise.all(Array.from({ length: 50 }, () => post(event)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 202)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(49);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(answers.filter((a) => a.status === 200).every((a) => a.body.duplicate === true)).toBe(true);
      expect((await t.jobIds()).length).toBe(before + 1);
    }
  });

  it('a marker without a job (a first attempt died between claim and add) still ends with the job, once', async () => {
    const event = { eventId: `orphan-${process.pid}`, conversationId: CID };
    const id = jobIdOf(dedupeKeyOf(event));
    await t.probe.set(dedupeKey(t.prefix, id), '1', 'EX', 600);
    const retry = await post(event);
    // Not the request that claimed the event, but the one that made it durable: 200 with its (queued) state.
    expect(retry).toMatchObject({ status: 200, body: { id, status: 'queued', duplicate: true } });
    expect(await t.deps.queue.getJobState(id)).toBe('waiting');
    expect((await post(event)).status).toBe(200);
  });

  it('recognises a repeat after its marker expired, for as long as the job is kept', async () => {
    const event = { eventId: `expired-marker-${process.pid}`, conversationId: CID };
    const first = await post(event);
    expect(first.status).toBe(202);
    await t.probe.del(dedupeKey(t.prefix, first.body.id));
    expect(await post(event)).toMatchObject({ status: 200, body: { id: first.body.id, duplicate: true } });
  });
});
