import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SEED } from '@fallback/genesys-sim';
import { startStack, waitForFinal, type Stack } from './harness.js';

/**
 * Issue 13 §2–§3 end to end: a route's chain of targets, a callback instead of a long queue, and the failure on
 * the caller's participant data — checked on the simulator's ledgers (what Genesys received, in the SDK's shapes).
 */

const MISSING_QUEUE = '11111111-2222-4333-8444-555555555555';
const LONG_QUEUE = 'b2c3d4e5-f6a7-4812-9933-aabbccddeef0';
const ANI = '+14155550123';

let stack: Stack;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'routes-'));
  const file = path.join(dir, 'routes.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'routes:',
      '  - name: chain',
      '    match: { failureType: STT_ERROR }',
      `    targets: [{ queueId: ${MISSING_QUEUE} }, { address: "${SEED.fallbackNumber}" }]`,
      '  - name: long-wait',
      '    match: { failureType: TTS_ERROR }',
      `    targets: [{ queueId: ${LONG_QUEUE} }, { address: "${SEED.fallbackNumber}" }]`,
      '    callback: { whenWaitAboveSeconds: 120 }',
      '  - name: context',
      '    match: { failureType: LLM_ERROR }',
      `    target: { queueId: ${SEED.fallbackQueue.id} }`,
      '    agentContext: true',
      'default:',
      `  target: { queueId: ${SEED.fallbackQueue.id} }`,
      '',
    ].join('\n'),
  );
  stack = await startStack({ ingressEnv: { ROUTES_FILE: file }, workerEnv: { CONFIRM_DELAY_MS: '20' } });
  stack.sim.engine.queues.set(LONG_QUEUE, { id: LONG_QUEUE, name: 'Long wait' });
  stack.sim.setEstimatedWait(LONG_QUEUE, 900);
});
afterAll(async () => stack?.stop());

async function fallback(body: Record<string, unknown>): Promise<any> {
  const res = await stack.post({ eventId: randomUUID(), ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return waitForFinal(stack, res.body.id, 30_000);
}

describe('a route\'s extras (issue 13)', () => {
  it('a chain: the queue no longer exists (400 queue.not.found), so the next target — a number — takes the caller', async () => {
    const conv = stack.sim.createConversation();
    const final = await fallback({ conversationId: conv.id, failureType: 'STT_ERROR' });
    expect(final).toMatchObject({ status: 'transferred', result: { step: 1, target: { kind: 'number', address: SEED.fallbackNumber } } });
    expect(stack.sim.transfers(conv.id)).toMatchObject([{ participantId: conv.roles.bot, endpoint: 'transfer', target: { address: SEED.fallbackNumber } }]);
    expect(stack.sim.requests({ endpoint: 'replace/queue' }).filter((r) => r.path.includes(conv.id)).map((r) => r.status)).toEqual([400]);
  });

  it('a callback instead of a long wait: the callback Genesys expects (CreateCallbackOnConversationCommand), then the next target', async () => {
    const conv = stack.sim.createConversation();
    const final = await fallback({ conversationId: conv.id, failureType: 'TTS_ERROR', ani: ANI });
    expect(final).toMatchObject({ status: 'transferred', result: { callback: true, step: 1 } });
    expect(stack.sim.callbacks(conv.id)).toMatchObject([{ participantId: conv.roles.customer, body: { queueId: LONG_QUEUE, callbackNumbers: [ANI] } }]);
    expect(stack.sim.transfers(conv.id)).toMatchObject([{ endpoint: 'transfer', target: { address: SEED.fallbackNumber } }]);
    // The caller's number reached Genesys, and the status API does not show it.
    expect(JSON.stringify(final)).not.toContain(ANI);
  });

  it('no callback when the wait is short: the queue takes the caller', async () => {
    stack.sim.setEstimatedWait(LONG_QUEUE, 30);
    try {
      const conv = stack.sim.createConversation();
      const final = await fallback({ conversationId: conv.id, failureType: 'TTS_ERROR', ani: ANI });
      expect(final).toMatchObject({ status: 'transferred', result: { target: { kind: 'queue', queueId: LONG_QUEUE } } });
      expect(final.result.callback).toBeUndefined();
      expect(stack.sim.callbacks(conv.id)).toHaveLength(0);
    } finally {
      stack.sim.setEstimatedWait(LONG_QUEUE, 900);
    }
  });

  it('the reason on the agent\'s screen: the caller\'s participant data set before the transfer (ParticipantAttributes)', async () => {
    const conv = stack.sim.createConversation();
    const final = await fallback({ conversationId: conv.id, failureType: 'LLM_ERROR', bot: { flowName: 'Billing' }, attributes: { intent: 'invoice' } });
    expect(final).toMatchObject({ status: 'transferred' });
    const [patch] = stack.sim.attributePatches(conv.id);
    expect(patch).toMatchObject({
      participantId: conv.roles.customer,
      attributes: { fallbackReason: 'LLM_ERROR', failureType: 'LLM_ERROR', botFlow: 'Billing', fallbackRoute: 'context', intent: 'invoice' },
    });
    expect(patch!.at).toBeLessThanOrEqual(stack.sim.transfers(conv.id)[0]!.at);
  });
});
