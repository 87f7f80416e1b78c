import { describe, expect, it } from 'vitest';
import { SEED, isConnected, newConversation } from './model.js';

const NOW = Date.parse('2026-11-24T12:00:00.000Z');
const ms = (iso: string | undefined) => Date.parse(iso!);

describe('newConversation', () => {
  it('by default started 30 s ago; the bot connected 5 s in; both legs connected', () => {
    const conv = newConversation({}, NOW);
    const [customer, bot] = conv.participants;
    expect(ms(conv.startTime)).toBe(NOW - 30_000);
    expect(ms(bot!.connectedTime)).toBe(NOW - 25_000);
    expect(conv.roles).toEqual({ customer: customer!.id, bot: bot!.id });
    expect(conv.participants.every((p) => isConnected(conv, p))).toBe(true);
  });

  it('startedAgoMs moves the whole timeline (0: the call and the bot leg start now)', () => {
    const now = newConversation({ startedAgoMs: 0 }, NOW);
    expect(now.participants.map((p) => ms(p.startTime))).toEqual([NOW, NOW]);
    const old = newConversation({ startedAgoMs: 600_000 }, NOW);
    expect(ms(old.startTime)).toBe(NOW - 600_000);
    expect(ms(old.participants[1]!.connectedTime)).toBe(NOW - 500_000);
  });

  it('staleBotLeg: an earlier bot leg, same purpose and address, ended by transport.failure before the live one connected', () => {
    const conv = newConversation({ staleBotLeg: true, botPurpose: 'ivr', botAddress: 'sip:bot@x' }, NOW);
    expect(conv.participants.map((p) => [p.purpose, p.state, p.disconnectType, p.address])).toEqual([
      ['customer', 'connected', undefined, 'tel:+14155550123'],
      ['ivr', 'disconnected', 'transport.failure', 'sip:bot@x'],
      ['ivr', 'connected', undefined, 'sip:bot@x'],
    ]);
    const [, stale, bot] = conv.participants;
    expect(conv.roles).toMatchObject({ stale: stale!.id, bot: bot!.id });
    expect(ms(stale!.endTime)).toBeLessThan(ms(bot!.connectedTime));
    expect(ms(stale!.startTime)).toBeGreaterThan(ms(conv.startTime));
  });

  it('withAgent: moved to the Fallback IVR queue 2 minutes ago and answered by an agent; the bot leg stays the (ended) bot', () => {
    const conv = newConversation({ withAgent: true }, NOW);
    expect(ms(conv.startTime)).toBe(NOW - 150_000);
    const [customer, bot, acd, agent] = conv.participants;
    expect(customer).toMatchObject({ state: 'connected' });
    expect(bot).toMatchObject({ state: 'disconnected', disconnectType: 'transfer', endTime: new Date(NOW - 120_000).toISOString() });
    expect(acd).toMatchObject({ purpose: 'acd', queueId: SEED.fallbackQueue.id, state: 'disconnected', disconnectType: 'transfer', startTime: bot!.endTime });
    expect(agent).toMatchObject({ purpose: 'agent', userId: SEED.agentUserId, address: SEED.agentAddress, state: 'connected', startTime: acd!.endTime, queueId: SEED.fallbackQueue.id });
    expect(agent!.endTime).toBeUndefined();
    expect(conv.roles).toMatchObject({ bot: bot!.id, agent: agent!.id });
    expect(conv.recentTransfers).toEqual([{ id: expect.any(String), state: 'Complete', dateIssued: bot!.endTime, transferType: 'Unattended' }]);
  });

  it('withAgent with a short history keeps the order of events', () => {
    const conv = newConversation({ withAgent: true, staleBotLeg: true, startedAgoMs: 10_000 }, NOW);
    const times = conv.participants.map((p) => ms(p.startTime));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(conv.participants.map((p) => p.purpose)).toEqual(['customer', 'external', 'external', 'acd', 'agent']);
  });

  it('extra legs that are over get an end time (Genesys never shows a disconnected leg without one)', () => {
    const conv = newConversation({ extraLegs: [{ purpose: 'ivr', state: 'disconnected', disconnectType: 'transfer' }, { purpose: 'user' }] }, NOW);
    expect(conv.participants[2]).toMatchObject({ state: 'disconnected', endTime: expect.any(String), attributes: {} });
    expect(conv.participants[3]).toMatchObject({ state: 'connected', connectedTime: expect.any(String) });
    expect(conv.participants[3]).not.toHaveProperty('endTime');
  });
});

describe('isConnected', () => {
  it('is false for an ended leg, a leg not yet connected, and every leg of a call that is over', () => {
    const conv = newConversation({ staleBotLeg: true, extraLegs: [{ purpose: 'agent', state: 'alerting' }] }, NOW);
    expect(conv.participants.map((p) => isConnected(conv, p))).toEqual([true, false, true, false]);
    conv.endTime = new Date(NOW).toISOString();
    expect(conv.participants.some((p) => isConnected(conv, p))).toBe(false);
  });
});
