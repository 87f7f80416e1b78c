import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '@fallback/genesys-sim';
import { startStack, waitForFinal, type Stack } from './harness.js';

describe('walking skeleton: a failure posted over HTTP ends in one Genesys transfer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('transfers the bot leg to the default queue exactly once, and a repeat changes nothing', async () => {
    const conv = stack.sim.createConversation();
    const bot = conv.participants.find((p) => p.purpose === 'external')!;
    const event = { eventId: 'evt-1', failureType: 'FLOW_ERROR', source: 'cognigy', conversationId: conv.id, cognigy: { sessionId: 's1', userId: 'u1' } };

    const first = await stack.post(event);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'queued', conversationId: conv.id, target: { kind: 'queue', queueId: SEED.fallbackQueue.id } });

    const final = await waitForFinal(stack, first.body.id);
    expect(final).toMatchObject({ status: 'transferred', result: { participantId: bot.id, alreadyTransferred: false } });

    const transfers = stack.sim.transfers().filter((t) => t.conversationId === conv.id);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]).toMatchObject({ endpoint: 'replace/queue', participantId: bot.id, target: { queueId: SEED.fallbackQueue.id } });
    // The simulator moved the call: bot leg gone by transfer, an acd leg for the queue live.
    const after = stack.sim.getConversation(conv.id)!;
    expect(after.participants.find((p) => p.id === bot.id)).toMatchObject({ state: 'disconnected', disconnectType: 'transfer' });
    expect(after.participants.some((p) => p.purpose === 'acd' && p.queueId === SEED.fallbackQueue.id && p.state === 'connected')).toBe(true);

    const repeat = await stack.post(event);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ id: first.body.id, status: 'transferred', duplicate: true });
    expect(stack.sim.transfers().filter((t) => t.conversationId === conv.id)).toHaveLength(1);
    expect(stack.sim.stats().duplicateTransfers).toBe(0);
  });

  it('refuses a request without a valid API key, and enqueues nothing', async () => {
    const conv = stack.sim.createConversation();
    const jobKeys = () => stack.redis.keys(`${stack.prefix}:fallbacks:fb-*`);
    const before = (await jobKeys()).length;
    const res = await stack.post({ conversationId: conv.id }, { authorization: 'Bearer wrong-key-0123456789' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    const missing = await stack.post({ conversationId: conv.id }, { authorization: '' });
    expect(missing.status).toBe(401);
    expect(await jobKeys()).toHaveLength(before);
  });

  it('names the bad field of an invalid event', async () => {
    const res = await stack.post({ conversationId: '{{context.genesys.conversationId}}' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_payload', field: '/conversationId' });
  });

  it('answers 404 for an unknown fallback id', async () => {
    const res = await stack.status('fb-00000000000000000000000000000000');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
