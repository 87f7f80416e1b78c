import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BOT_PURPOSES,
  callOverReason,
  normalizeAddress,
  parseConversation,
  pickLegToReplace,
  transferEvidence,
  transferStatus,
} from './conversation.js';
import {
  BOT_ADDRESS,
  OTHER_QUEUE_ID,
  QUEUE_ID,
  T,
  USER_ID,
  botLeg,
  bothShapes,
  customer,
  flowLeg,
  liveBotCall,
  toGenericShape,
  type LogicalCall,
} from './internal/fixtures.js';

const policy = { purposes: [...DEFAULT_BOT_PURPOSES] };
const queue = { kind: 'queue' as const, queueId: QUEUE_ID };
const view = (json: unknown) => parseConversation(json);
/** Runs a check on both read shapes of one logical call. */
const eachShape = (c: LogicalCall, check: (v: ReturnType<typeof parseConversation>) => void) => {
  for (const [shape, json] of bothShapes(c)) {
    try {
      check(view(json));
    } catch (err) {
      (err as Error).message = `[${shape}] ${(err as Error).message}`;
      throw err;
    }
  }
};

describe('parseConversation', () => {
  it('normalizes both shapes of the same call to the same view', () => {
    const [[, calls], [, generic]] = bothShapes(liveBotCall());
    const a = view(calls);
    const b = view(generic);
    expect(a.participants).toEqual(b.participants);
    expect(a.participants.map((p) => [p.id, p.purpose, p.state, p.disconnectType])).toEqual([
      ['cust', 'customer', 'connected', undefined],
      ['flow', 'ivr', 'disconnected', 'transfer'],
      ['bot', 'external', 'connected', undefined],
    ]);
    expect(a.participants[1]).toMatchObject({ connectedTime: T(1), endTime: T(5) });
  });
  it('reads queue and user from refs (calls shape) and from ids (generic shape)', () => {
    const c = liveBotCall({
      legs: [customer(), { id: 'acd', purpose: 'acd', state: 'connected', start: 9, connected: 9, queueId: QUEUE_ID, name: 'Fallback IVR' }, { id: 'ag', purpose: 'agent', state: 'alerting', start: 9, userId: USER_ID }],
    });
    eachShape(c, (v) => {
      expect(v.participants[1]).toMatchObject({ queueId: QUEUE_ID, name: 'Fallback IVR' });
      expect(v.participants[2]).toMatchObject({ userId: USER_ID, state: 'alerting' });
    });
  });
  it('takes the live call of a generic participant that has an ended one too', () => {
    const v = view({
      id: 'c',
      participants: [
        {
          id: 'bot',
          purpose: 'external',
          calls: [
            { state: 'disconnected', disconnectType: 'error', disconnectedTime: T(3) },
            { state: 'connected', connectedTime: T(4) },
          ],
        },
      ],
    });
    expect(v.participants[0]).toMatchObject({ state: 'connected', connectedTime: T(4) });
    expect(v.participants[0]!.endTime).toBeUndefined();
  });
  it('keeps the conversation endTime and state of the generic shape (null while live)', () => {
    expect(view(toGenericShape(liveBotCall())).endTime).toBeUndefined();
    expect(view({ id: 'c', endTime: null, participants: [] }).endTime).toBeUndefined();
    expect(view(toGenericShape(liveBotCall({ end: 60 })))).toMatchObject({ endTime: T(60), state: 'disconnected' });
  });
  it('lower-cases purposes and states, and defaults missing ones to unknown', () => {
    const v = view({ id: 'c', participants: [{ id: 'a', purpose: 'Customer', state: 'CONNECTED' }, { id: 'b' }] });
    expect(v.participants.map((p) => [p.purpose, p.state])).toEqual([
      ['customer', 'connected'],
      ['unknown', 'unknown'],
    ]);
  });
  it('skips participants without id and transfers that are not objects', () => {
    const v = view({ id: 'c', participants: [{ purpose: 'customer' }, null, 'x', { id: 'p' }], recentTransfers: [null, 3, { state: 'Pending' }] });
    expect(v.participants.map((p) => p.id)).toEqual(['p']);
    expect(v.recentTransfers).toEqual([{ state: 'Pending' }]);
  });
  it('reads recent transfer destinations by id or ref', () => {
    const v = view({
      id: 'c',
      recentTransfers: [
        { id: 't1', state: 'Complete', dateIssued: T(9), transferType: 'Unattended', destination: { queueId: QUEUE_ID } },
        { id: 't2', state: 'Pending', destination: { queue: { id: QUEUE_ID } } },
        { id: 't3', state: 'Active', destination: { userId: USER_ID, userDisplayName: 'Ann' } },
        { id: 't4', state: 'Failed', destination: {} },
      ],
    });
    expect(v.recentTransfers.map((t) => t.destination)).toEqual([{ queueId: QUEUE_ID }, { queueId: QUEUE_ID }, { userId: USER_ID }, undefined]);
  });
  it('refuses what is not a conversation', () => {
    expect(() => view({ participants: [] })).toThrow(/no id/);
    expect(() => view('nope')).toThrow(/no id/);
    expect(() => view(null)).toThrow(/no id/);
    expect(() => view([{ id: 'c' }])).toThrow(/no id/);
    expect(() => view({ id: 'c', participants: {} })).toThrow(/participants is not a list/);
  });
});

describe('callOverReason', () => {
  it('is undefined while the customer is on the line', () => {
    eachShape(liveBotCall(), (v) => expect(callOverReason(v)).toBeUndefined());
  });
  it('sees a conversation endTime or ended state (generic shape)', () => {
    expect(callOverReason(view(toGenericShape(liveBotCall({ end: 60 }))))).toBe('conversation ended');
    expect(callOverReason(view({ id: 'c', state: 'terminated', participants: [] }))).toBe('conversation terminated');
  });
  it.each(['disconnected', 'terminated'])('sees a %s customer in both shapes', (state) => {
    eachShape(liveBotCall({ legs: [customer({ state, end: 40, disconnectType: 'endpoint' }), flowLeg(), botLeg()] }), (v) =>
      expect(callOverReason(v)).toBe('customer disconnected'),
    );
  });
  it('sees a customer leg with an endTime but no state', () => {
    expect(callOverReason(view({ id: 'c', participants: [{ id: 'cust', purpose: 'customer', endTime: T(30) }, { id: 'bot', purpose: 'external', state: 'connected' }] }))).toBe(
      'customer disconnected',
    );
  });
  it('keeps the call while any customer leg is live', () => {
    const c = liveBotCall({ legs: [customer({ id: 'c1', state: 'disconnected', end: 3 }), customer({ id: 'c2' }), botLeg()] });
    eachShape(c, (v) => expect(callOverReason(v)).toBeUndefined());
  });
  it('without a customer leg, the call is over when every leg ended', () => {
    expect(callOverReason(view({ id: 'c', participants: [{ id: 'a', purpose: 'external', state: 'disconnected' }] }))).toBe('all participants disconnected');
    expect(callOverReason(view({ id: 'c', participants: [{ id: 'a', purpose: 'external', state: 'connected' }] }))).toBeUndefined();
    expect(callOverReason(view({ id: 'c', participants: [] }))).toBeUndefined();
  });
});

describe('pickLegToReplace', () => {
  it('takes the connected bot leg, never the customer or the ended flow leg', () => {
    eachShape(liveBotCall(), (v) => expect(pickLegToReplace(v, policy)?.id).toBe('bot'));
  });
  it('returns nothing when only the customer is connected', () => {
    eachShape(liveBotCall({ legs: [customer(), flowLeg(), botLeg({ state: 'disconnected', disconnectType: 'error', end: 20 })] }), (v) =>
      expect(pickLegToReplace(v, policy)).toBeUndefined(),
    );
  });
  it.each(['disconnected', 'terminated', 'alerting', 'dialing'])('skips a %s leg', (state) => {
    eachShape(liveBotCall({ legs: [customer(), botLeg({ id: 'old' }), botLeg({ id: 'new', state, connected: 8, start: 8 })] }), (v) =>
      expect(pickLegToReplace(v, policy)?.id).toBe('old'),
    );
  });
  it('skips a leg that says connected but carries an endTime', () => {
    const v = view({ id: 'c', participants: [{ id: 'b', purpose: 'external', state: 'connected', endTime: T(9) }] });
    expect(pickLegToReplace(v, policy)).toBeUndefined();
  });
  it('never picks acd or customer, even when configured', () => {
    const c = liveBotCall({ legs: [customer(), { id: 'acd', purpose: 'acd', state: 'connected', start: 6, connected: 6, queueId: QUEUE_ID }] });
    eachShape(c, (v) => expect(pickLegToReplace(v, { purposes: ['customer', 'acd', 'Customer'] })).toBeUndefined());
  });
  it('prefers the latest connected leg by connectedTime, whatever the order of the list', () => {
    const c = liveBotCall({ legs: [customer(), botLeg({ id: 'late', connected: 30, start: 30 }), botLeg({ id: 'early', connected: 10, start: 10 })] });
    eachShape(c, (v) => expect(pickLegToReplace(v, policy)?.id).toBe('late'));
  });
  it('breaks connectedTime ties by position (the later entry)', () => {
    const c = liveBotCall({ legs: [customer(), botLeg({ id: 'a' }), botLeg({ id: 'b' })] });
    eachShape(c, (v) => expect(pickLegToReplace(v, policy)?.id).toBe('b'));
  });
  it('prefers a leg matching the bot address (scheme and case aside) over a later one', () => {
    const c = liveBotCall({ legs: [customer(), botLeg(), { id: 'agent', purpose: 'agent', state: 'connected', start: 9, connected: 9, userId: USER_ID }] });
    eachShape(c, (v) => {
      expect(pickLegToReplace(v, policy)?.id).toBe('agent');
      expect(pickLegToReplace(v, { ...policy, botAddress: BOT_ADDRESS })?.id).toBe('bot');
      expect(pickLegToReplace(v, { ...policy, botAddress: 'SIP:Cognigy-Bot@vg.example.com' })?.id).toBe('bot');
      expect(pickLegToReplace(v, { ...policy, botAddress: 'cognigy-bot@vg.example.com' })?.id).toBe('bot');
    });
  });
  it('falls back to the latest allowed leg when no leg matches the bot address', () => {
    eachShape(liveBotCall(), (v) => expect(pickLegToReplace(v, { ...policy, botAddress: 'sip:other@x' })?.id).toBe('bot'));
  });
  it('does not prefer an ended leg that matches the bot address', () => {
    const c = liveBotCall({ legs: [customer(), botLeg({ id: 'dead', state: 'disconnected', end: 7 }), botLeg({ id: 'live', address: 'sip:other@x', start: 8, connected: 8 })] });
    eachShape(c, (v) => expect(pickLegToReplace(v, { ...policy, botAddress: BOT_ADDRESS })?.id).toBe('live'));
  });
  it('with a repeated user, takes the live appearance', () => {
    const user = (id: string, state: string, connected: number, end?: number) => ({ id, purpose: 'user', state, start: connected, connected, end, userId: USER_ID });
    const c = liveBotCall({ legs: [customer(), user('u1', 'disconnected', 5, 8), user('u2', 'connected', 10), user('u3', 'disconnected', 12, 13)] });
    eachShape(c, (v) => expect(pickLegToReplace(v, policy)?.id).toBe('u2'));
    const both = liveBotCall({ legs: [customer(), user('u1', 'connected', 5), user('u2', 'connected', 10)] });
    eachShape(both, (v) => expect(pickLegToReplace(v, policy)?.id).toBe('u2'));
  });
  it('respects the configured purposes (ivr bot inside a flow)', () => {
    eachShape(liveBotCall(), (v) => expect(pickLegToReplace(v, { purposes: ['ivr'] })).toBeUndefined());
    const ivrBot = liveBotCall({ legs: [customer(), botLeg({ purpose: 'ivr' })] });
    eachShape(ivrBot, (v) => expect(pickLegToReplace(v, { purposes: ['IVR'] })?.id).toBe('bot'));
  });
  it('accepts purposes Genesys may add later when configured', () => {
    const c = liveBotCall({ legs: [customer(), botLeg({ purpose: 'voicemail' })] });
    eachShape(c, (v) => {
      expect(pickLegToReplace(v, policy)).toBeUndefined();
      expect(pickLegToReplace(v, { purposes: ['voicemail'] })?.id).toBe('bot');
    });
  });
});

describe('transferEvidence', () => {
  it('finds nothing on a fresh call, by leg or by time', () => {
    eachShape(liveBotCall(), (v) => {
      expect(transferEvidence(v, queue, { legId: 'bot' })).toBeUndefined();
      expect(transferEvidence(v, queue, { since: Date.parse(T(4)) })).toBeUndefined();
    });
  });
  it.each(['transfer', 'transfer.queue', 'transfer.forward', 'Transfer.Consult'])('sees the replaced leg disconnected by %s', (disconnectType) => {
    eachShape(liveBotCall({ legs: [customer(), flowLeg(), botLeg({ state: 'disconnected', disconnectType, end: 20 })] }), (v) =>
      expect(transferEvidence(v, queue, { legId: 'bot' })).toMatch(/leg bot disconnected by/),
    );
  });
  it('does not count the bot leg ending any other way', () => {
    for (const disconnectType of ['error', 'endpoint', 'peer', 'transport.failure', 'system'])
      eachShape(liveBotCall({ legs: [customer(), flowLeg(), botLeg({ state: 'disconnected', disconnectType, end: 20 })] }), (v) =>
        expect(transferEvidence(v, queue, { legId: 'bot' })).toBeUndefined(),
      );
  });
  it('does not mistake the earlier flow → bot transfer for ours', () => {
    eachShape(liveBotCall(), (v) => {
      expect(transferEvidence(v, queue, { legId: 'bot' })).toBeUndefined();
      expect(transferEvidence(v, queue, { since: Date.parse(T(4)) })).toBeUndefined();
    });
  });
  it('without a leg id, counts a transfer-ended leg only if it connected since', () => {
    const c = liveBotCall({ legs: [customer(), flowLeg(), botLeg({ state: 'disconnected', disconnectType: 'transfer', end: 20 })] });
    eachShape(c, (v) => {
      expect(transferEvidence(v, queue, { since: Date.parse(T(4)) })).toMatch(/leg bot/);
      expect(transferEvidence(v, queue, { since: Date.parse(T(6)) })).toBeUndefined();
    });
  });
  it('sees a live acd leg for the target queue, not for another queue, not an ended one', () => {
    const withAcd = (queueId: string, state: string, end?: number) =>
      liveBotCall({ legs: [...liveBotCall().legs, { id: 'acd', purpose: 'acd', state, start: 20, connected: 20, end, queueId, name: 'Fallback IVR' }] });
    eachShape(withAcd(QUEUE_ID, 'connected'), (v) => expect(transferEvidence(v, queue, { legId: 'bot' })).toMatch(/acd leg acd/));
    eachShape(withAcd(OTHER_QUEUE_ID, 'connected'), (v) => expect(transferEvidence(v, queue, { legId: 'bot' })).toBeUndefined());
    eachShape(withAcd(QUEUE_ID, 'disconnected', 30), (v) => expect(transferEvidence(v, queue, { legId: 'bot' })).toBeUndefined());
    eachShape(withAcd(QUEUE_ID, 'connected'), (v) =>
      expect(transferEvidence(v, { kind: 'queue', queueName: 'fallback ivr' }, { legId: 'bot' })).toMatch(/acd/),
    );
  });
  it('sees a live leg for the target agent or number (tel: aside), not the replaced leg itself', () => {
    const c = liveBotCall({
      legs: [...liveBotCall().legs, { id: 'ag', purpose: 'agent', state: 'alerting', start: 20, userId: USER_ID }, { id: 'ext', purpose: 'ivr', state: 'connected', start: 20, connected: 20, address: 'tel:+18005550100' }],
    });
    eachShape(c, (v) => {
      expect(transferEvidence(v, { kind: 'agent', userId: USER_ID }, { legId: 'bot' })).toMatch(/leg ag/);
      expect(transferEvidence(v, { kind: 'number', address: '+18005550100' }, { legId: 'bot' })).toMatch(/leg ext/);
      expect(transferEvidence(v, { kind: 'number', address: BOT_ADDRESS }, { legId: 'bot' })).toBeUndefined();
    });
  });
  it.each([
    ['Pending', true],
    ['Active', true],
    ['Complete', true],
    ['complete', true],
    ['Failed', false],
    ['Canceled', false],
    ['Timeout', false],
    ['Unknown', false],
  ] as const)('a %s recent transfer to the target counts: %s', (state, seen) => {
    const c = liveBotCall({ recentTransfers: [{ id: 't', state, dateIssued: T(20), transferType: 'Unattended', destination: { queueId: QUEUE_ID } }] });
    eachShape(c, (v) => expect(Boolean(transferEvidence(v, queue, { legId: 'bot' }))).toBe(seen));
  });
  it('ignores a recent transfer to another target', () => {
    const c = liveBotCall({ recentTransfers: [{ id: 't', state: 'Complete', dateIssued: T(20), destination: { queueId: OTHER_QUEUE_ID } }] });
    eachShape(c, (v) => expect(transferEvidence(v, queue, { legId: 'bot' })).toBeUndefined());
  });
  it('ignores a transfer to the same queue issued before the bot leg connected (queue → bot → queue round trip)', () => {
    const c = liveBotCall({ recentTransfers: [{ id: 'old', state: 'Complete', dateIssued: T(2), destination: { queueId: QUEUE_ID } }] });
    eachShape(c, (v) => expect(transferEvidence(v, queue, { legId: 'bot' })).toBeUndefined());
  });
  it('counts an undated transfer to the target (never transfer twice), and a destination-less one only inside a known window', () => {
    eachShape(liveBotCall({ recentTransfers: [{ id: 't', state: 'Pending', destination: { queueId: QUEUE_ID } }] }), (v) =>
      expect(transferEvidence(v, queue, { legId: 'bot' })).toMatch(/recent transfer t Pending/),
    );
    const anonymous = liveBotCall({ legs: [customer(), botLeg()], recentTransfers: [{ id: 'x', state: 'Active', dateIssued: T(20) }] });
    eachShape(anonymous, (v) => {
      expect(transferEvidence(v, queue, { legId: 'bot' })).toMatch(/recent transfer x/);
      expect(transferEvidence(v, queue, {})).toBeUndefined();
    });
  });
});

describe('transferStatus', () => {
  const withTransfers = (...states: string[]) =>
    liveBotCall({ recentTransfers: states.map((state, i) => ({ id: `t${i}`, state, dateIssued: T(20 + i), destination: { queueId: QUEUE_ID } })) });
  it('is not-seen right after the 202, confirmed once Genesys shows it Complete', () => {
    eachShape(withTransfers(), (v) => expect(transferStatus(v, queue, { legId: 'bot' })).toEqual({ status: 'not-seen' }));
    eachShape(withTransfers('Complete'), (v) => expect(transferStatus(v, queue, { legId: 'bot' })).toEqual({ status: 'confirmed', evidence: 'recent transfer t0 Complete' }));
  });
  it.each(['Pending', 'Active'])('a %s transfer is in progress: not confirmed, but never post again', (state) => {
    eachShape(withTransfers(state), (v) => {
      expect(transferStatus(v, queue, { legId: 'bot' })).toEqual({ status: 'in-progress', evidence: `recent transfer t0 ${state}` });
      expect(transferEvidence(v, queue, { legId: 'bot' })).toBeDefined();
    });
  });
  it('is confirmed by the legs even while the entry says Pending', () => {
    const c = { ...withTransfers('Pending'), legs: [customer(), botLeg({ state: 'disconnected', disconnectType: 'transfer', end: 21 })] };
    eachShape(c, (v) => expect(transferStatus(v, queue, { legId: 'bot' })).toMatchObject({ status: 'confirmed', evidence: 'leg bot disconnected by transfer' }));
  });
  it.each(['Failed', 'Canceled', 'Timeout'])('reports a %s transfer as failed (safe to post again)', (state) => {
    eachShape(withTransfers(state), (v) => {
      expect(transferStatus(v, queue, { legId: 'bot' })).toEqual({ status: 'failed', state, transferId: 't0' });
      expect(transferEvidence(v, queue, { legId: 'bot' })).toBeUndefined();
    });
  });
  it('a retry after a failure is judged by the latest entry', () => {
    eachShape(withTransfers('Failed', 'Pending'), (v) => expect(transferStatus(v, queue, { legId: 'bot' }).status).toBe('in-progress'));
    eachShape(withTransfers('Complete', 'Failed'), (v) => expect(transferStatus(v, queue, { legId: 'bot' }).status).toBe('confirmed'));
  });
  it('reports a caller who hung up before anything confirmed the transfer', () => {
    const c = { ...withTransfers('Pending'), legs: [customer({ state: 'disconnected', end: 20 }), botLeg()] };
    eachShape(c, (v) => expect(transferStatus(v, queue, { legId: 'bot' })).toEqual({ status: 'call-over', reason: 'customer disconnected' }));
  });
  it('confirmation wins over a hang-up that came after it', () => {
    const c = liveBotCall({ legs: [customer({ state: 'disconnected', end: 40 }), botLeg({ state: 'disconnected', disconnectType: 'transfer', end: 20 })] });
    eachShape(c, (v) => expect(transferStatus(v, queue, { legId: 'bot' }).status).toBe('confirmed'));
  });
});

describe('normalizeAddress', () => {
  it('drops the scheme, spaces and case', () => {
    expect(normalizeAddress('tel:+1 800 555 0100')).toBe('+18005550100');
    expect(normalizeAddress('SIP:Bot@VG')).toBe('bot@vg');
    expect(normalizeAddress(undefined)).toBeUndefined();
  });
});
