/**
 * Tenants through the app, and GET /v1/fallbacks?conversationId= (issue 11 §4, issue 14 §3): two declared
 * sources on one queue keep their own key spaces, reads and lookups; the conversation index is written with the
 * claim, bounded, expiring with the jobs, and tolerant of jobs that are gone. Real app and Redis (inject()).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dedupeKeyOf, jobIdOf, type FallbackJobData } from '@fallback/core';
import { parseRoutesFile } from '@fallback/ingress-core';
import { CONVERSATION_INDEX_LIMIT, conversationIndexKey, conversationIndexTtlSec, dedupeKey } from '@fallback/queue';
import { startTestIngress, TEST_QUEUE, type TestIngress } from '../test/test-app.js';

const KEY_A = 'tenant-a-lookup-key-0123456789';
const KEY_B = 'tenant-b-lookup-key-0123456789';
const ROUTES = `
sources:
  - { name: tenant-a, apiKeys: ["\${A_KEYS}"] }
  - { name: tenant-b, apiKeys: ["\${B_KEYS}"] }
default: { target: { queueId: ${TEST_QUEUE} } }
`;
// The test ingress's job policy (test-app.ts): both retentions 3600 s.
const INDEX_TTL_SEC = conversationIndexTtlSec({ attempts: 3, retentionSec: 3600, failedRetentionSec: 3600 });

describe('tenants and the lookup by conversation id', () => {
  let t: TestIngress;
  let clock = Date.now();
  beforeAll(async () => {
    const policy = parseRoutesFile(ROUTES, { fileName: 'routes.yaml', env: { A_KEYS: KEY_A, B_KEYS: KEY_B }, defaults: { apiKeys: [], webhookSecrets: [] } });
    t = await startTestIngress({ redisUrl: inject('redisUrl'), policy, now: () => clock, name: 'lookup' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (key: string, body: object) =>
    t.app.inject({ method: 'POST', url: '/v1/fallbacks', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: body });
  const get = (key: string, url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  const lookup = async (key: string, conversationId: string) => {
    const res = await get(key, `/v1/fallbacks?conversationId=${conversationId}`);
    expect(res.statusCode).toBe(200);
    return (res.json() as { fallbacks: { id: string; conversationId: string }[] }).fallbacks;
  };
  /** Posts at a given reception time (the app's clock), expecting a new fallback. */
  const accepted = async (key: string, body: object, at = (clock += 1000)) => {
    clock = at;
    const res = await post(key, body);
    expect(res.statusCode, res.body).toBe(202);
    return res.json().id as string;
  };

  it('gives each source its own job for the same conversation and event ids (a pre-posted id steals nothing)', async () => {
    const conversationId = randomUUID();
    const event = { eventId: 'evt-1', conversationId, failureType: 'FLOW_ERROR' as const };
    const b = await accepted(KEY_B, { ...event, deadline: new Date(clock - 60_000).toISOString() });
    const a = await accepted(KEY_A, event);
    expect(a).not.toBe(b);
    expect(a).toBe(jobIdOf(dedupeKeyOf(event, 'tenant-a')));
    // Repeats stay repeats within a source: eventId within the conversation, else conversation + failure type.
    expect((await post(KEY_A, event)).json()).toMatchObject({ id: a, duplicate: true });
    expect((await post(KEY_B, event)).json()).toMatchObject({ id: b, duplicate: true });
    const typed = await accepted(KEY_A, { conversationId, failureType: 'STT_ERROR' });
    expect((await post(KEY_A, { conversationId, failureType: 'STT_ERROR' })).json()).toMatchObject({ id: typed, duplicate: true });
    const jobA = (await t.deps.queue.getJob(a))!.data as FallbackJobData;
    const jobB = (await t.deps.queue.getJob(b))!.data as FallbackJobData;
    expect([jobA.source, jobB.source]).toEqual(['tenant-a', 'tenant-b']);
    expect(jobB.deadline).toBeLessThan(jobA.deadline);
  });

  it('answers GET by id only to the source that created it: 404 not_found to another, exactly as for an unknown id', async () => {
    const conversationId = randomUUID();
    const a = await accepted(KEY_A, { eventId: 'read-1', conversationId });
    expect((await get(KEY_A, `/v1/fallbacks/${a}`)).statusCode).toBe(200);
    const cross = await get(KEY_B, `/v1/fallbacks/${a}`);
    const unknown = await get(KEY_B, `/v1/fallbacks/fb-${'0'.repeat(32)}`);
    expect(cross.statusCode).toBe(404);
    expect(cross.json()).toEqual({ error: { code: 'not_found', message: `no fallback ${a} (unknown, or past retention)` } });
    expect(unknown.json().error.code).toBe('not_found');
    // A source that names another in the body is refused before anything is written.
    const before = await t.jobIds();
    const claimed = await post(KEY_B, { eventId: 'read-2', conversationId, source: 'tenant-a' });
    expect(claimed.statusCode).toBe(403);
    expect(claimed.json().error).toMatchObject({ code: 'source_mismatch', field: '/source' });
    expect(await t.jobIds()).toEqual(before);
  });

  it('lists a conversation\'s fallbacks of the caller\'s source only, newest first, in the view of GET by id', async () => {
    const conversationId = randomUUID();
    const first = await accepted(KEY_A, { eventId: 'l-1', conversationId, failureType: 'FLOW_ERROR' });
    const other = await accepted(KEY_B, { eventId: 'l-1', conversationId });
    const second = await accepted(KEY_A, { eventId: 'l-2', conversationId, failureType: 'STT_ERROR' });
    const mine = await lookup(KEY_A, conversationId);
    expect(mine.map((f) => f.id)).toEqual([second, first]);
    expect(mine[1]).toEqual((await get(KEY_A, `/v1/fallbacks/${first}`)).json());
    expect((await lookup(KEY_B, conversationId)).map((f) => f.id)).toEqual([other]);
    // Upper case ids are the same conversation; an unknown conversation is an empty list, not a 404.
    expect((await lookup(KEY_A, conversationId.toUpperCase())).map((f) => f.id)).toEqual([second, first]);
    expect(await lookup(KEY_A, randomUUID())).toEqual([]);
    // A repeat does not enter the index twice.
    await post(KEY_A, { eventId: 'l-1', conversationId });
    expect(await lookup(KEY_A, conversationId)).toHaveLength(2);
  });

  it('keeps the index bounded: the newest entries only, and none older than the jobs can be retained', async () => {
    const conversationId = randomUUID();
    const index = conversationIndexKey(t.prefix, conversationId, 'tenant-a');
    const start = clock;
    // An entry from longer ago than the index lives: dropped by the next claim.
    const ancient = await accepted(KEY_A, { eventId: 'b-old', conversationId }, start - (INDEX_TTL_SEC + 10) * 1000);
    expect(await t.probe.zscore(index, ancient)).not.toBeNull();
    const ids: string[] = [];
    for (let i = 0; i < CONVERSATION_INDEX_LIMIT + 5; i++) ids.push(await accepted(KEY_A, { eventId: `b-${i}`, conversationId }, start + i * 1000));
    expect(await t.probe.zscore(index, ancient)).toBeNull();
    expect(await t.probe.zcard(index)).toBe(CONVERSATION_INDEX_LIMIT);
    expect((await lookup(KEY_A, conversationId)).map((f) => f.id)).toEqual(ids.slice(-CONVERSATION_INDEX_LIMIT).reverse());
    // The index expires with the jobs it lists.
    const ttl = await t.probe.ttl(index);
    expect(ttl).toBeGreaterThan(INDEX_TTL_SEC - 60);
    expect(ttl).toBeLessThanOrEqual(INDEX_TTL_SEC);
  });

  it('skips an entry whose job is gone (removed, or past retention)', async () => {
    const conversationId = randomUUID();
    const kept = await accepted(KEY_A, { eventId: 'g-1', conversationId });
    const gone = await accepted(KEY_A, { eventId: 'g-2', conversationId });
    await t.deps.queue.remove(gone);
    expect(await t.probe.zscore(conversationIndexKey(t.prefix, conversationId, 'tenant-a'), gone)).not.toBeNull();
    expect((await lookup(KEY_A, conversationId)).map((f) => f.id)).toEqual([kept]);
  });

  it('leaves neither a marker nor an index entry for a job BullMQ refuses', async () => {
    const conversationId = randomUUID();
    const data = { v: 1, conversationId, dedupeKey: 'x', failureType: 'UNKNOWN', source: 'tenant-a', receivedAt: clock, deadline: clock + 60_000, target: { kind: 'queue', queueId: TEST_QUEUE }, route: 'default' } as const;
    // BullMQ refuses an integer job id; the producer asks it before the job joins a batch, so nothing is sent.
    await expect(t.deps.producer.submit('4242', data, 'tenant-a')).rejects.toThrow(/integer/);
    expect(await t.probe.exists(dedupeKey(t.prefix, '4242'))).toBe(0);
    expect(await t.probe.exists(conversationIndexKey(t.prefix, conversationId, 'tenant-a'))).toBe(0);
  });
});
