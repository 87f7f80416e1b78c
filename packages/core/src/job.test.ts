import { describe, expect, it } from 'vitest';
import { buildJobData, computeDeadline, dedupeKeyOf, defaultQueueRouter, isJobId, jobIdOf, parseFailure, formatFailure, toPublicStatus } from './index.js';

const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';

describe('job ids', () => {
  it('are deterministic per conversation and event', () => {
    const a = jobIdOf(dedupeKeyOf({ conversationId: CID, eventId: 'e1' }));
    expect(a).toBe(jobIdOf(dedupeKeyOf({ conversationId: CID, eventId: 'e1' })));
    expect(isJobId(a)).toBe(true);
  });

  it('differ across events, conversations and (without eventId) failure types', () => {
    const ids = new Set([
      jobIdOf(dedupeKeyOf({ conversationId: CID, eventId: 'e1' })),
      jobIdOf(dedupeKeyOf({ conversationId: CID, eventId: 'e2' })),
      jobIdOf(dedupeKeyOf({ conversationId: CID.replace('2b', '3c'), eventId: 'e1' })),
      jobIdOf(dedupeKeyOf({ conversationId: CID, failureType: 'FLOW_ERROR' })),
      jobIdOf(dedupeKeyOf({ conversationId: CID, failureType: 'STT_ERROR' })),
    ]);
    expect(ids.size).toBe(5);
  });

  it('ignore the case of the conversation id (Genesys ids are case-insensitive UUIDs)', () => {
    expect(dedupeKeyOf({ conversationId: CID.toUpperCase(), eventId: 'x' })).toBe(dedupeKeyOf({ conversationId: CID, eventId: 'x' }));
  });

  it('are kept apart per tenant (declared source), and unchanged in single-tenant mode', () => {
    const event = { conversationId: CID, eventId: 'e1' };
    const a = jobIdOf(dedupeKeyOf(event, 'tenant-a'));
    const b = jobIdOf(dedupeKeyOf(event, 'tenant-b'));
    expect(new Set([a, b, jobIdOf(dedupeKeyOf(event))]).size).toBe(3);
    expect(a).toBe(jobIdOf(dedupeKeyOf({ ...event, conversationId: CID.toUpperCase() }, 'tenant-a')));
    // Single tenant: the keys (and so the job ids) of before tenants existed, so a repeat across an upgrade is still one.
    expect(dedupeKeyOf(event)).toBe(`${CID}|event|e1`);
    expect(dedupeKeyOf({ conversationId: CID, failureType: 'STT_ERROR' }, 'tenant-a')).toBe(`tenant-a|${CID}|type|STT_ERROR`);
  });

  it('never contain a colon and always match isJobId', () => {
    const id = jobIdOf('a:b|c');
    expect(id).not.toContain(':');
    expect(isJobId(id)).toBe(true);
    expect(isJobId('fb-xyz')).toBe(false);
    expect(isJobId('../../etc')).toBe(false);
  });
});

describe('computeDeadline', () => {
  const policy = { defaultTtlMs: 120_000, maxTtlMs: 600_000 };
  const now = Date.parse('2026-11-24T12:00:00Z');

  it('defaults to the TTL from reception', () => {
    expect(computeDeadline({}, now, policy)).toBe(now + 120_000);
  });
  it('counts from occurredAt, clamped to reception (a clock in the future cannot extend it)', () => {
    expect(computeDeadline({ occurredAt: '2026-11-24T11:59:30Z' }, now, policy)).toBe(now - 30_000 + 120_000);
    expect(computeDeadline({ occurredAt: '2026-11-24T13:00:00Z' }, now, policy)).toBe(now + 120_000);
  });
  it('honours ttlSeconds and an explicit deadline, never beyond the maximum', () => {
    expect(computeDeadline({ ttlSeconds: 30 }, now, policy)).toBe(now + 30_000);
    expect(computeDeadline({ deadline: '2026-11-24T12:01:00Z' }, now, policy)).toBe(now + 60_000);
    expect(computeDeadline({ deadline: '2026-11-25T12:00:00Z' }, now, policy)).toBe(now + 600_000);
    expect(computeDeadline({ ttlSeconds: 3600 }, now, policy)).toBe(now + 600_000);
  });
  it('ignores an unparseable deadline', () => {
    expect(computeDeadline({ deadline: 'soon' }, now, policy)).toBe(now + 120_000);
  });
});

describe('buildJobData', () => {
  it('keeps PII (ani/dnis) out of the job and lower-cases ids', () => {
    const router = defaultQueueRouter('6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b');
    const event = { conversationId: CID.toUpperCase(), eventId: 'e', ani: '+14155550123', dnis: '+18005550199', participantId: 'ABCDEF01-0000-4000-8000-000000000000' };
    const data = buildJobData(event, router.resolve(event, new Date()), 1000, { defaultTtlMs: 5000, maxTtlMs: 10_000 });
    expect(JSON.stringify(data)).not.toContain('4155550123');
    expect(data).toMatchObject({ v: 1, conversationId: CID, participantId: 'abcdef01-0000-4000-8000-000000000000', failureType: 'UNKNOWN', source: 'unknown', deadline: 6000, route: 'default' });
  });
  it('carries a route\'s chain, callback and agentContext; the ANI only for a route that offers callbacks', () => {
    const queue = { kind: 'queue' as const, queueId: '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b' };
    const number = { kind: 'number' as const, address: '+4930123456' };
    const decision = { route: 'r', target: queue, then: [number], callback: { aboveSeconds: 300 }, agentContext: true };
    const event = { conversationId: CID, eventId: 'e', ani: '+14155550123' };
    const data = buildJobData(event, decision, 1000, { defaultTtlMs: 5000, maxTtlMs: 10_000 });
    expect(data).toMatchObject({ target: queue, chain: [number], callback: { aboveSeconds: 300, number: '+14155550123' }, agentContext: true });
    // No callback without a number to call.
    const noAni = buildJobData({ conversationId: CID }, decision, 1000, { defaultTtlMs: 5000, maxTtlMs: 10_000 });
    expect(noAni.callback).toBeUndefined();
    expect(noAni.chain).toEqual([number]);
  });
  it('keys the job in its tenant\'s space', () => {
    const router = defaultQueueRouter('6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b');
    const event = { conversationId: CID, eventId: 'e', source: 'tenant-a' };
    const data = buildJobData(event, router.resolve(event, new Date()), 1000, { defaultTtlMs: 5000, maxTtlMs: 10_000 }, 'tenant-a');
    expect(data).toMatchObject({ source: 'tenant-a', dedupeKey: dedupeKeyOf(event, 'tenant-a') });
    expect(data.retried).toBeUndefined();
  });
});

describe('failure reasons and public status', () => {
  it('round-trip a reason code and its detail', () => {
    expect(parseFailure(formatFailure('genesys.forbidden', 'missing conversation:communication:blindTransfer'))).toEqual({
      reason: 'genesys.forbidden',
      detail: 'missing conversation:communication:blindTransfer',
    });
    expect(parseFailure('call.ended')).toEqual({ reason: 'call.ended' });
    expect(parseFailure('job stalled more than allowable limit')).toEqual({ reason: 'unknown', detail: 'job stalled more than allowable limit' });
  });
  it('map BullMQ states to what a sender sees', () => {
    expect(toPublicStatus('waiting', null)).toBe('queued');
    expect(toPublicStatus('delayed', null)).toBe('queued');
    expect(toPublicStatus('prioritized', null)).toBe('queued');
    expect(toPublicStatus('active', null)).toBe('active');
    expect(toPublicStatus('failed', null)).toBe('failed');
    expect(toPublicStatus('completed', { outcome: 'expired', at: 1, deadline: 1, reason: 'deadline.passed' })).toBe('expired');
    expect(toPublicStatus('completed', { outcome: 'transferred', at: 1, target: { kind: 'queue', queueId: 'q' }, participantId: 'p', alreadyTransferred: false, genesysRequests: 3 })).toBe('transferred');
  });
});
