/**
 * fallbackctl as an operator runs it: the real binary in a child process, on a real Redis under a unique prefix,
 * against dead letters made the way the worker makes them (a BullMQ worker in the test fails jobs with the
 * worker's reason codes; it stands in for the worker process, as the ingress' ?wait tests do).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { buildJobData, formatFailure, jobIdOf, type FailureEvent, type FallbackResult } from '@fallback/core';
import { FALLBACK_QUEUE, FallbackProducer, openFallbackQueue, type ReplayedJobData } from '@fallback/queue';
import { deleteByPrefix, freePort, serviceArgs, uniquePrefix, waitFor } from '@fallback/testing';

const QUEUE_ID = '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';
const FORBIDDEN = formatFailure('genesys.forbidden', 'missing permission conversation:communication:blindTransfer');

/** How the stand-in worker ends each kind of failure. */
const FATE: Record<string, string | 'transfer'> = {
  FLOW_ERROR: FORBIDDEN,
  LLM_ERROR: FORBIDDEN,
  CALL_FAILED: formatFailure('call.ended', 'the caller hung up'),
  STT_ERROR: formatFailure('attempts.exhausted', 'Genesys answered 503 five times'),
  TTS_ERROR: 'transfer',
};

describe('fallbackctl', () => {
  const redisUrl = inject('redisUrl');
  const prefix = uniquePrefix('ctl');
  let redis: Redis;
  let queue: ReturnType<typeof openFallbackQueue<ReplayedJobData, FallbackResult>>;
  let producer: FallbackProducer;
  const ids: Record<string, string> = {};

  /** Runs the real CLI; resolves with its exit code and output (never rejects on a non-zero exit). */
  const ctl = async (args: string[], env: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [...serviceArgs('apps/ctl/src/main.ts'), ...args], {
        env: { ...process.env, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, ...env },
        encoding: 'utf8',
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  /** A stand-in worker run until every waiting job has ended. */
  const drain = async (fate: (job: Job<ReplayedJobData, FallbackResult>) => string) => {
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const worker = new Worker<ReplayedJobData, FallbackResult>(
      FALLBACK_QUEUE,
      async (job) => {
        const end = fate(job);
        if (end !== 'transfer') throw new UnrecoverableError(end);
        return { outcome: 'transferred', at: Date.now(), target: job.data.target, participantId: 'bot-leg', alreadyTransferred: false, genesysRequests: 3 };
      },
      { connection, prefix },
    );
    try {
      await waitFor(async () => Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((n) => n === 0), { what: 'the queue to drain' });
    } finally {
      await worker.close();
      await connection.quit();
    }
  };

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    queue = openFallbackQueue<ReplayedJobData, FallbackResult>(redis, prefix);
    producer = new FallbackProducer({ queue, redis, prefix, policy: { attempts: 5, retentionSec: 3600, failedRetentionSec: 3600 }, dedupeTtlSec: 600 });
    const now = Date.now();
    for (const [i, failureType] of Object.keys(FATE).entries()) {
      const event: FailureEvent = {
        eventId: `ctl-${i}`,
        conversationId: `2b80f5c9-cb7b-430b-8607-1862b7380c${String(10 + i)}`,
        failureType: failureType as FailureEvent['failureType'],
        source: 'cognigy',
        // The STT failure happened minutes ago with a 1 s deadline: its caller is presumed gone.
        ...(failureType === 'STT_ERROR' ? { occurredAt: new Date(now - 300_000).toISOString(), ttlSeconds: 1 } : {}),
      };
      const data = buildJobData(event, { target: { kind: 'queue', queueId: QUEUE_ID }, route: 'default' }, now, { defaultTtlMs: 120_000, maxTtlMs: 600_000 });
      ids[failureType] = jobIdOf(data.dedupeKey);
      await producer.submit(ids[failureType]!, data);
    }
    await drain((job) => FATE[job.data.failureType]!);
  });
  afterAll(async () => {
    await queue?.close();
    await deleteByPrefix(redis, prefix);
    await redis?.quit();
  });

  it('lists dead letters by reason, newest first, and filters by reason and age', async () => {
    const all = await ctl(['dead-letters', '--json']);
    expect(all.code).toBe(0);
    const listed = JSON.parse(all.stdout);
    expect(listed).toMatchObject({ total: 4, matched: 4, byReason: { 'genesys.forbidden': 2, 'call.ended': 1, 'attempts.exhausted': 1 } });
    expect(listed.deadLetters.map((d: { id: string }) => d.id).sort()).toEqual([ids['FLOW_ERROR'], ids['LLM_ERROR'], ids['CALL_FAILED'], ids['STT_ERROR']].sort());
    expect(listed.deadLetters[0]).toMatchObject({ reason: expect.any(String), conversationId: expect.any(String), retried: 0 });

    const text = await ctl(['dead-letters', '--reason', 'call.ended']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^1 dead letter of 4\n\s+call\.ended\s+1\n/);
    expect(text.stdout).toContain(ids['CALL_FAILED']);

    const old = await ctl(['dead-letters', '--older-than', '1h']);
    expect(old.code).toBe(1);
    expect(old.stdout).toContain('no dead letters match (4 in all)');
  });

  it('shows a fallback: status, reason and detail, target, deadline', async () => {
    const failed = await ctl(['show', ids['FLOW_ERROR']!, '--json']);
    expect(failed.code).toBe(0);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      id: ids['FLOW_ERROR'],
      status: 'failed',
      reason: 'genesys.forbidden',
      detail: 'missing permission conversation:communication:blindTransfer',
      target: { kind: 'queue', queueId: QUEUE_ID },
      source: 'cognigy',
      eventId: 'ctl-0',
      retried: 0,
    });
    const done = await ctl(['show', ids['TTS_ERROR']!]);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`^${ids['TTS_ERROR']} transferred\\n`));
    expect(done.stdout).toContain('moved leg bot-leg, 3 Genesys requests');
  });

  it('says what is wrong with exit codes: 1 not found, 2 usage or configuration, 3 Redis unreachable', async () => {
    const missing = await ctl(['show', 'fb-00000000000000000000000000000000', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toEqual({ error: { code: 'not_found', message: expect.stringContaining('no fallback') } });

    // Usage errors are covered in cli.test.ts without a process each; one here proves the binary's exit code.
    const usage = await ctl(['show', 'not-an-id']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('"not-an-id" is not a fallback id');

    const down = await ctl(['dead-letters', '--json', '--redis-url', `redis://127.0.0.1:${await freePort()}`]);
    expect(down.code).toBe(3);
    expect(JSON.parse(down.stdout).error.code).toBe('redis_unreachable');
  });

  it('a dry run decides without touching anything', async () => {
    const dry = await ctl(['replay', '--all', '--reason', 'genesys.forbidden', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, replayed: 2 });
    expect(await queue.getJobState(ids['FLOW_ERROR']!)).toBe('failed');
    expect(await queue.getJobState(ids['LLM_ERROR']!)).toBe('failed');
  });

  it('replays a dead letter with fresh attempts and `retried` recorded; the worker then moves it once', async () => {
    const id = ids['FLOW_ERROR']!;
    const r = await ctl(['replay', id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`replayed 1 of 1`);
    const job = (await queue.getJob(id))!;
    expect(['waiting', 'prioritized']).toContain(await queue.getJobState(id));
    expect(job.attemptsMade).toBe(0);
    expect(job.attemptsStarted ?? 0).toBe(0);
    expect(job.data.retried).toBe(1);

    // Not twice: it is no longer a dead letter.
    const again = await ctl(['replay', id, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).outcomes).toEqual([{ id, replayed: false, why: 'not-failed', message: expect.stringContaining('not a dead letter') }]);

    // A worker that now succeeds (the permission was fixed) moves it; its counts started afresh.
    await drain((j) => ((j.data.retried ?? 0) > 0 ? 'transfer' : FATE[j.data.failureType]!));
    const shown = JSON.parse((await ctl(['show', id, '--json'])).stdout);
    expect(shown).toMatchObject({ status: 'transferred', attempts: 1, starts: 1, retried: 1 });
  });

  it('never replays a fallback past its deadline: the dead letter and its reason stay', async () => {
    const id = ids['STT_ERROR']!;
    const r = await ctl(['replay', id, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).outcomes[0]).toMatchObject({ id, replayed: false, why: 'past-deadline' });
    expect(await queue.getJobState(id)).toBe('failed');
    const all = JSON.parse((await ctl(['replay', '--all', '--json'])).stdout);
    expect(all.outcomes.find((o: { id: string }) => o.id === id)).toMatchObject({ replayed: false, why: 'past-deadline' });
    // --all replayed the others whose callers may still be waiting.
    expect(all.outcomes.filter((o: { replayed: boolean }) => o.replayed).map((o: { id: string }) => o.id).sort()).toEqual([ids['LLM_ERROR'], ids['CALL_FAILED']].sort());
  });

  it("shows a conversation's fallbacks from the ingress' index, newest first, by source; gone ones are skipped", async () => {
    const conversationId = '5d1e7c2a-9b4f-4a3e-8c6d-0e1f2a3b4c5d';
    const t0 = Date.now() - 60_000;
    /** Submits as the ingress does: single-tenant (the body's source is a label) or as a declared source (its own index). */
    const submit = async (eventId: string, source: string, at: number, tenant?: string) => {
      const event: FailureEvent = { eventId, conversationId, source, failureType: 'TTS_ERROR' };
      const data = buildJobData(event, { target: { kind: 'queue', queueId: QUEUE_ID }, route: 'default' }, at, { defaultTtlMs: 120_000, maxTtlMs: 600_000 }, tenant);
      const id = jobIdOf(data.dedupeKey);
      await producer.submit(id, data, tenant);
      return id;
    };
    const oldest = await submit('conv-1', 'cognigy', t0);
    const middle = await submit('conv-2', 'orchestrator', t0 + 1000);
    const tenant = await submit('conv-3', 'tenant-a', t0 + 1500, 'tenant-a');
    const newest = await submit('conv-4', 'cognigy', t0 + 2000);
    const listed = async (...args: string[]) => {
      const r = await ctl(['show', '--conversation', ...args, '--json']);
      return { code: r.code, ids: (JSON.parse(r.stdout).fallbacks as { id: string }[]).map((f) => f.id), body: JSON.parse(r.stdout) };
    };

    expect(await listed(conversationId)).toMatchObject({ code: 0, ids: [newest, middle, oldest] });
    const cognigy = await listed(conversationId.toUpperCase(), '--source', 'cognigy');
    expect(cognigy).toMatchObject({ code: 0, ids: [newest, oldest] });
    expect(cognigy.body).toMatchObject({ conversationId, source: 'cognigy' });
    expect(cognigy.body.fallbacks[0]).toMatchObject({ id: newest, status: 'queued', source: 'cognigy', eventId: 'conv-4', target: { kind: 'queue', queueId: QUEUE_ID }, retried: 0 });
    // A declared source's fallbacks live in its own index: found only when it is named.
    expect(await listed(conversationId, '--source', 'tenant-a')).toMatchObject({ code: 0, ids: [tenant] });

    const text = await ctl(['show', '--conversation', conversationId]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toBe(`3 fallbacks of conversation ${conversationId}, newest first`);
    expect(lines[1]).toMatch(/^RECEIVED\s+ID\s+STATUS\s+REASON\s+TARGET\s+SOURCE$/);
    expect(lines.slice(2).map((l) => /fb-[0-9a-f]{32}/.exec(l)?.[0])).toEqual([newest, middle, oldest]);
    expect(lines[2]).toMatch(/queued\s+queue 6f4c2a1e-\S+\s+cognigy$/);

    // Removed (or past retention) while its index entry stays: skipped, not an error.
    await queue.remove(oldest);
    expect(await listed(conversationId)).toMatchObject({ code: 0, ids: [newest, middle] });

    const none = await ctl(['show', '--conversation', '00000000-0000-4000-8000-000000000000']);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('no fallbacks of conversation 00000000-0000-4000-8000-000000000000');
    expect(none.stdout).toContain('--source <name>');
  });
});
