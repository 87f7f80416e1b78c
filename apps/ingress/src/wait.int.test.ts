/**
 * `?wait=<s>`: the answer carries the final outcome when it comes within the wait, else it is the usual 202.
 * A BullMQ worker in the test stands in for the worker process (real queue, real events; no Genesys).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { FallbackJobData, FallbackResult } from '@fallback/core';
import { FALLBACK_QUEUE } from '@fallback/queue';
import { waitFor } from '@fallback/testing';
import { startTestIngress, TEST_KEY, type TestIngress } from '../test/test-app.js';

const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';
let n = 0;
const event = (failureType: string) => ({ eventId: `wait-${process.pid}-${++n}`, conversationId: CID, failureType });

describe('?wait', () => {
  let t: TestIngress;
  let worker: Worker<FallbackJobData, FallbackResult>;
  let connection: Redis;
  // Jobs of type NO_INPUT_EXHAUSTED are held until the test opens this gate (a job slower than the wait).
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));

  beforeAll(async () => {
    const redisUrl = inject('redisUrl');
    t = await startTestIngress({ redisUrl, waiter: true, name: 'wait' });
    connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    worker = new Worker<FallbackJobData, FallbackResult>(
      FALLBACK_QUEUE,
      async (job: Job<FallbackJobData, FallbackResult>) => {
        if (job.data.failureType === 'CALL_FAILED') throw new UnrecoverableError('call.ended: the caller hung up');
        if (job.data.failureType === 'NO_INPUT_EXHAUSTED') await gate;
        return { outcome: 'transferred', at: Date.now(), target: job.data.target, participantId: 'bot-leg', alreadyTransferred: false, genesysRequests: 3 };
      },
      { connection, prefix: t.prefix, concurrency: 10 },
    );
  });
  afterAll(async () => {
    openGate();
    await worker?.close();
    await connection?.quit();
    await t?.close();
  });

  const post = (body: object, wait: string) =>
    t.app.inject({ method: 'POST', url: `/v1/fallbacks?wait=${wait}`, headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, payload: body });

  it('answers 200 with the transfer when it completes within the wait', async () => {
    const res = await post(event('FLOW_ERROR'), '5');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'transferred', result: { outcome: 'transferred', participantId: 'bot-leg' }, conversationId: CID });
    expect(res.json().duplicate).toBeUndefined();
  });

  it('answers 200 with the reason when it fails within the wait', async () => {
    const res = await post(event('CALL_FAILED'), '5');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'failed', reason: 'call.ended', detail: 'the caller hung up' });
  });

  it('answers the usual 202 when the outcome takes longer than the wait, and the job still finishes', async () => {
    const body = event('NO_INPUT_EXHAUSTED');
    const res = await post(body, '0.3');
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'queued' });
    openGate();
    await waitFor(async () => (await t.deps.queue.getJobState(res.json().id)) === 'completed', { what: 'the held job to complete' });
    // A repeat with a wait sees the final state at once, as a duplicate.
    const again = await post(body, '2');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: res.json().id, status: 'transferred', duplicate: true });
  });

  it('does not leave listeners behind', async () => {
    await Promise.all(Array.from({ length: 20 }, () => post(event('FLOW_ERROR'), '5')));
    const handle = (t.deps.waiter as unknown as { handle?: { events: { eventNames(): (string | symbol)[] } } }).handle;
    expect(handle?.events.eventNames().filter((e) => String(e).includes(':fb-'))).toEqual([]);
  });
});
