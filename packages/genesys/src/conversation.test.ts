import { describe, expect, it } from 'vitest';
import { callOverReason, parseConversation, pickLegToReplace, transferEvidence, DEFAULT_BOT_PURPOSES } from './conversation.js';

const QUEUE = '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';
const policy = { purposes: [...DEFAULT_BOT_PURPOSES] };

/** `GET /api/v2/conversations/calls/{id}` (CallConversation): state at the participant's top level. */
const callShape = {
  id: 'c1',
  participants: [
    { id: 'cust', purpose: 'customer', state: 'connected', connectedTime: '2026-11-24T12:00:00.000Z', address: 'tel:+14155550123' },
    { id: 'ivr1', purpose: 'ivr', state: 'disconnected', disconnectType: 'transfer', connectedTime: '2026-11-24T12:00:01.000Z', endTime: '2026-11-24T12:00:05.000Z' },
    { id: 'bot', purpose: 'external', state: 'connected', connectedTime: '2026-11-24T12:00:05.000Z', address: 'sip:bot@vg.example.com' },
  ],
  recentTransfers: [],
};

/** `GET /api/v2/conversations/{id}` (Conversation): state only inside calls[]. */
const genericShape = {
  id: 'c1',
  startTime: '2026-11-24T12:00:00.000Z',
  endTime: null,
  participants: [
    { id: 'cust', purpose: 'customer', calls: [{ state: 'connected', connectedTime: '2026-11-24T12:00:00.000Z' }] },
    { id: 'bot', purpose: 'external', address: 'sip:bot@vg.example.com', calls: [{ state: 'connected', connectedTime: '2026-11-24T12:00:05.000Z' }] },
  ],
};

describe('parseConversation', () => {
  it('reads the calls shape', () => {
    const v = parseConversation(callShape);
    expect(v.participants.map((p) => [p.id, p.purpose, p.state])).toEqual([
      ['cust', 'customer', 'connected'],
      ['ivr1', 'ivr', 'disconnected'],
      ['bot', 'external', 'connected'],
    ]);
  });
  it('reads the generic shape (state from calls[])', () => {
    const v = parseConversation(genericShape);
    expect(v.endTime).toBeUndefined();
    expect(v.participants[1]).toMatchObject({ id: 'bot', state: 'connected', connectedTime: '2026-11-24T12:00:05.000Z' });
  });
  it('refuses something without an id', () => {
    expect(() => parseConversation({ participants: [] })).toThrow(/no id/);
    expect(() => parseConversation('nope')).toThrow();
  });
});

describe('pickLegToReplace', () => {
  it('takes the connected bot leg, never the customer or an ended leg', () => {
    expect(pickLegToReplace(parseConversation(callShape), policy)?.id).toBe('bot');
  });
  it('returns nothing when only the customer is connected', () => {
    const v = parseConversation({ ...callShape, participants: callShape.participants.slice(0, 2) });
    expect(pickLegToReplace(v, policy)).toBeUndefined();
  });
  it('never picks acd or customer even if configured', () => {
    const v = parseConversation({
      id: 'c',
      participants: [
        { id: 'cust', purpose: 'customer', state: 'connected' },
        { id: 'acd', purpose: 'acd', state: 'connected' },
      ],
    });
    expect(pickLegToReplace(v, { purposes: ['customer', 'acd'] })).toBeUndefined();
  });
  it('prefers the latest connected leg, and a leg matching the bot address over later ones', () => {
    const v = parseConversation({
      id: 'c',
      participants: [
        { id: 'cust', purpose: 'customer', state: 'connected' },
        { id: 'bot', purpose: 'external', state: 'connected', connectedTime: '2026-11-24T12:00:05Z', address: 'sip:bot@vg' },
        { id: 'agent', purpose: 'agent', state: 'connected', connectedTime: '2026-11-24T12:00:09Z' },
      ],
    });
    expect(pickLegToReplace(v, policy)?.id).toBe('agent');
    expect(pickLegToReplace(v, { ...policy, botAddress: 'SIP:bot@vg' })?.id).toBe('bot');
  });
  it('respects the configured purposes', () => {
    expect(pickLegToReplace(parseConversation(callShape), { purposes: ['ivr'] })).toBeUndefined();
  });
});

describe('callOverReason', () => {
  it('is undefined while the customer is on the line', () => {
    expect(callOverReason(parseConversation(callShape))).toBeUndefined();
  });
  it('sees an ended conversation and a disconnected or terminated customer', () => {
    expect(callOverReason(parseConversation({ ...genericShape, endTime: '2026-11-24T12:01:00Z' }))).toBe('conversation ended');
    for (const state of ['disconnected', 'terminated']) {
      const v = parseConversation({ id: 'c', participants: [{ id: 'cust', purpose: 'customer', state }, callShape.participants[2]] });
      expect(callOverReason(v)).toBe('customer disconnected');
    }
  });
});

describe('transferEvidence', () => {
  const target = { kind: 'queue' as const, queueId: QUEUE };
  it('finds nothing on a fresh call', () => {
    expect(transferEvidence(parseConversation(callShape), target, { legId: 'bot' })).toBeUndefined();
  });
  it('sees the replaced leg disconnected by transfer', () => {
    const v = parseConversation({
      ...callShape,
      participants: [callShape.participants[0], { ...callShape.participants[2], state: 'disconnected', disconnectType: 'transfer.queue', endTime: 'x' }],
    });
    expect(transferEvidence(v, target, { legId: 'bot' })).toMatch(/transfer/);
  });
  it('does not mistake an earlier transfer (ivr → bot) for ours', () => {
    expect(transferEvidence(parseConversation(callShape), target, { legId: 'bot' })).toBeUndefined();
    expect(transferEvidence(parseConversation(callShape), target, { since: Date.parse('2026-11-24T12:00:04Z') })).toBeUndefined();
  });
  it('sees a live acd leg for the target queue, but not for another queue or an ended one', () => {
    const withAcd = (queueId: string, state: string) =>
      parseConversation({ ...callShape, participants: [...callShape.participants, { id: 'acd', purpose: 'acd', state, queue: { id: queueId } }] });
    expect(transferEvidence(withAcd(QUEUE, 'connected'), target, { legId: 'bot' })).toMatch(/acd/);
    expect(transferEvidence(withAcd('other', 'connected'), target, { legId: 'bot' })).toBeUndefined();
    expect(transferEvidence(withAcd(QUEUE, 'disconnected'), target, { legId: 'bot' })).toBeUndefined();
  });
  it('sees a Pending/Active/Complete recent transfer to the target, not a Failed one', () => {
    for (const [state, seen] of [['Pending', true], ['Active', true], ['Complete', true], ['Failed', false], ['Canceled', false]] as const) {
      const v = parseConversation({ ...callShape, recentTransfers: [{ id: 't', state, destination: { queue: { id: QUEUE } } }] });
      expect(Boolean(transferEvidence(v, target, { legId: 'bot' })), state).toBe(seen);
    }
  });
});
