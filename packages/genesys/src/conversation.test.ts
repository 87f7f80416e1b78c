import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BOT_PURPOSES,
  callOverReason,
  chooseLeg,
  normalizeAddress,
  parseAnalyticsConversations,
  parseConversation,
  transferState,
  type ConversationView,
  type LegPolicy,
} from './conversation.js';
import {
  BOT_ADDRESS,
  OTHER_QUEUE_ID,
  QUEUE_ID,
  T,
  T0,
  USER_ID,
  acdLeg,
  agentLeg,
  botLeg,
  bothShapes,
  customer,
  flowLeg,
  liveBotCall,
  staleLegCall,
  toAnalyticsShape,
  toGenericShape,
  transfer,
  withAgentCall,
  type LogicalCall,
} from '@fallback/testing/genesys-fixtures';

const policy: LegPolicy = { purposes: [...DEFAULT_BOT_PURPOSES] };
const queue = { kind: 'queue' as const, queueId: QUEUE_ID };
const view = (json: unknown) => parseConversation(json);
const at = (s: number) => T0 + s * 1000;

/** Every shape of one logical call: both live reads and the analytics read (seen without lag). */
function allShapes(c: LogicalCall): Array<[string, ConversationView]> {
  return [
    ...bothShapes(c).map(([name, json]): [string, ConversationView] => [name, view(json)]),
    ['analytics', parseAnalyticsConversations(toAnalyticsShape([c]))[0]!],
  ];
}
/** Runs a check on every shape of one logical call. */
const eachShape = (c: LogicalCall, check: (v: ConversationView) => void, shapes = allShapes(c)) => {
  for (const [shape, v] of shapes) {
    try {
      check(v);
    } catch (err) {
      (err as Error).message = `[${shape}] ${(err as Error).message}`;
      throw err;
    }
  }
};
const liveShapes = (c: LogicalCall) => allShapes(c).slice(0, 2);

describe('parseConversation', () => {
  it('normalizes both live shapes of the same call to the same view', () => {
    const [[, calls], [, generic]] = bothShapes(liveBotCall());
    const a = view(calls);
    const b = view(generic);
    expect(a.participants).toEqual(b.participants);
    expect(a.source).toBe('live');
    expect(a.participants.map((p) => [p.id, p.purpose, p.state, p.disconnectType])).toEqual([
      ['cust', 'customer', 'connected', undefined],
      ['flow', 'ivr', 'disconnected', 'transfer'],
      ['bot', 'external', 'connected', undefined],
    ]);
    expect(a.participants[1]).toMatchObject({ connectedTime: T(1), endTime: T(5), index: 1 });
  });
  it('reads queue and user from refs (calls shape) and from ids (generic shape)', () => {
    const c = liveBotCall({ legs: [customer(), acdLeg({ state: 'connected' }), agentLeg({ state: 'alerting', connected: undefined })] });
    eachShape(c, (v) => {
      expect(v.participants[1]).toMatchObject({ queueId: QUEUE_ID });
      expect(v.participants[2]).toMatchObject({ userId: USER_ID, state: 'alerting' });
    }, liveShapes(c));
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
  it('keeps the conversation endTime (null while live) and ignores Conversation.state, which reads never fill', () => {
    expect(view(toGenericShape(liveBotCall())).endTime).toBeUndefined();
    expect(view({ id: 'c', endTime: null, participants: [] }).endTime).toBeUndefined();
    expect(view(toGenericShape(liveBotCall({ end: 60 })))).toMatchObject({ endTime: T(60) });
    expect(view({ id: 'c', state: 'disconnected', participants: [] })).not.toHaveProperty('state');
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
  it('reads recent transfer destinations as TransferDestination {userId, address}, and nothing else', () => {
    const v = view({
      id: 'c',
      recentTransfers: [
        transfer('t1', 'Complete', 9),
        transfer('t2', 'Active', 9, { userId: USER_ID }),
        transfer('t3', 'Failed', 9, { address: '+18005550100' }),
        { id: 't4', state: 'Pending', destination: { queueId: QUEUE_ID } },
      ],
    });
    expect(v.recentTransfers.map((t) => t.destination)).toEqual([undefined, { userId: USER_ID }, { address: '+18005550100' }, undefined]);
  });
  it('refuses what is not a conversation', () => {
    expect(() => view({ participants: [] })).toThrow(/no id/);
    expect(() => view('nope')).toThrow(/no id/);
    expect(() => view(null)).toThrow(/no id/);
    expect(() => view([{ id: 'c' }])).toThrow(/no id/);
    expect(() => view({ id: 'c', participants: {} })).toThrow(/participants is not a list/);
  });
});

describe('parseAnalyticsConversations', () => {
  it('reads each conversation of the batch into the same view as a live read, without recentTransfers', () => {
    const c = liveBotCall({ recentTransfers: [transfer('t', 'Pending', 9)] });
    const [a] = parseAnalyticsConversations(toAnalyticsShape([c]));
    const live = view(toGenericShape(c));
    expect(a!.source).toBe('analytics');
    expect(a!.recentTransfers).toEqual([]);
    expect(a!.participants.map((p) => [p.id, p.purpose, p.state, p.disconnectType, p.connectedTime, p.endTime])).toEqual(
      live.participants.map((p) => [p.id, p.purpose, p.state, p.disconnectType, p.connectedTime, p.endTime]),
    );
  });
  it('shows a leg live while its last segment is open, and the queue of an acd leg', () => {
    const c = liveBotCall({ legs: [customer(), botLeg({ state: 'disconnected', disconnectType: 'transfer', end: 20 }), acdLeg()] });
    const [a] = parseAnalyticsConversations(toAnalyticsShape([c], 30, 0));
    expect(a!.participants.map((p) => [p.id, p.state, p.disconnectType, p.queueId])).toEqual([
      ['cust', 'connected', undefined, undefined],
      ['bot', 'disconnected', 'transfer', undefined],
      ['acd', 'connected', undefined, QUEUE_ID],
    ]);
  });
  it('trails the live state: a change newer than the lag is not there yet', () => {
    const c = liveBotCall({ legs: [customer(), botLeg({ state: 'disconnected', disconnectType: 'transfer', end: 20 }), acdLeg()] });
    const [a] = parseAnalyticsConversations(toAnalyticsShape([c], 21, 2));
    expect(a!.participants.map((p) => [p.id, p.state])).toEqual([
      ['cust', 'connected'],
      ['bot', 'connected'],
    ]);
  });
  it('keeps conversationEnd as endTime, leaves out calls it does not show, and refuses what is not a list', () => {
    const ended = { ...liveBotCall({ id: 'ended', end: 30 }) };
    const young = liveBotCall({ id: 'young', legs: [customer({ start: 50, connected: 50 }), botLeg({ start: 50, connected: 50 })] });
    const views = parseAnalyticsConversations(toAnalyticsShape([ended, young], 40, 0));
    expect(views.map((v) => [v.id, v.endTime])).toEqual([['ended', T(30)]]);
    expect(parseAnalyticsConversations({})).toEqual([]);
    expect(() => parseAnalyticsConversations({ conversations: {} })).toThrow(/analytics/);
    expect(() => parseAnalyticsConversations('x')).toThrow(/analytics/);
  });
});

describe('callOverReason', () => {
  it('is undefined while the customer is on the line', () => {
    eachShape(liveBotCall(), (v) => expect(callOverReason(v)).toBeUndefined());
  });
  it('sees a conversation endTime (generic read) or conversationEnd (analytics)', () => {
    expect(callOverReason(view(toGenericShape(liveBotCall({ end: 60 }))))).toBe('conversation ended');
    expect(callOverReason(parseAnalyticsConversations(toAnalyticsShape([liveBotCall({ end: 60 })]))[0]!)).toBe('conversation ended');
  });
  it.each(['disconnected', 'terminated'])('sees a %s customer in every shape', (state) => {
    eachShape(liveBotCall({ legs: [customer({ state, end: 40, disconnectType: 'endpoint' }), flowLeg(), botLeg()] }), (v) =>
      expect(callOverReason(v)).toBe('customer disconnected'),
    );
  });
  it('keeps the call while any customer leg is live', () => {
    eachShape(liveBotCall({ legs: [customer({ id: 'c1', state: 'disconnected', end: 3 }), customer({ id: 'c2' }), botLeg()] }), (v) =>
      expect(callOverReason(v)).toBeUndefined(),
    );
  });
  it('without a customer leg, the call is over when every leg ended', () => {
    expect(callOverReason(view({ id: 'c', participants: [{ id: 'a', purpose: 'external', state: 'disconnected' }] }))).toBe('all participants disconnected');
    expect(callOverReason(view({ id: 'c', participants: [{ id: 'a', purpose: 'external', state: 'connected' }] }))).toBeUndefined();
    expect(callOverReason(view({ id: 'c', participants: [] }))).toBeUndefined();
  });
});

describe('chooseLeg: which leg is the bot (S11, S13)', () => {
  const choose = (v: ConversationView, hints: Parameters<typeof chooseLeg>[2] = {}, p: LegPolicy = policy) => {
    const c = chooseLeg(v, p, { failedAt: at(60), ...hints });
    return c.kind === 'leg' ? c.leg.id : c.kind;
  };
  it.each<[string, LogicalCall, Parameters<typeof chooseLeg>[2], string]>([
    ['the live bot leg, never the customer or the flow that handed the call over', liveBotCall(), {}, 'bot'],
    ['the live bot leg after an Architect flow transferred the call to it', liveBotCall(), { hintId: 'bot' }, 'bot'],
    ["the event's participantId when it is live", liveBotCall({ legs: [customer(), botLeg({ id: 'a' }), botLeg({ id: 'b', start: 6, connected: 6 })] }), { hintId: 'a' }, 'a'],
    ["a stale participantId: the bot leg re-created after it ended", staleLegCall(), { hintId: 'bot-old' }, 'bot-new'],
    ['a stale leg without a hint: the live bot leg', staleLegCall(), {}, 'bot-new'],
    ['a participantId Genesys does not know: as if none was given', liveBotCall(), { hintId: 'nobody' }, 'bot'],
    ['the saved leg wins over the hint', liveBotCall({ legs: [customer(), botLeg({ id: 'a' }), botLeg({ id: 'b', start: 6, connected: 6 })] }), { savedId: 'a', hintId: 'b' }, 'a'],
    ['a call moved to a queue and now with an agent: already transferred (late event)', withAgentCall(), {}, 'transferred'],
    ['the same with the old bot leg as participantId', withAgentCall(), { hintId: 'bot' }, 'transferred'],
    ['a saved leg that ended by transfer: already transferred', liveBotCall({ legs: [customer(), botLeg({ state: 'disconnected', disconnectType: 'transfer.queue', end: 9 })] }), { savedId: 'bot' }, 'transferred'],
    ['no live bot leg: none', liveBotCall({ legs: [customer(), flowLeg(), botLeg({ state: 'disconnected', disconnectType: 'error', end: 20 })] }), {}, 'none'],
    ['a leg that ended with a stale "connected" state: none', liveBotCall({ legs: [customer(), botLeg({ end: 9 })] }), {}, 'none'],
    ['the latest connected of two live bot legs, whatever the list order', liveBotCall({ legs: [customer(), botLeg({ id: 'late', start: 30, connected: 30 }), botLeg({ id: 'early', start: 10, connected: 10 })] }), {}, 'late'],
    ['ties broken by position (Genesys appends)', liveBotCall({ legs: [customer(), botLeg({ id: 'a' }), botLeg({ id: 'b' })] }), {}, 'b'],
    ['a leg that joined after the failure is not the bot that failed', liveBotCall({ legs: [customer(), botLeg({ state: 'disconnected', disconnectType: 'error', end: 50 }), botLeg({ id: 'later', start: 80, connected: 80 })] }), {}, 'later'],
  ])('%s', (_name, call, hints, expected) => {
    eachShape(call, (v) => expect(choose(v, hints)).toBe(expected));
  });

  it('never a person unless proven the bot: an agent/user leg needs BOT_ADDRESS or its own id from the event', () => {
    const call = liveBotCall({ legs: [customer(), agentLeg({ start: 10, connected: 10 })] });
    const humans: LegPolicy = { purposes: ['external', 'ivr', 'agent', 'user'] };
    eachShape(call, (v) => {
      expect(choose(v, {}, humans)).toBe('none');
      expect(choose(v, {}, { ...humans, botAddress: 'sip:agent@example.com' })).toBe('agent');
      expect(choose(v, { hintId: 'agent' }, humans)).toBe('agent');
      // Not configured at all: even the event's word does not make a person replaceable.
      expect(choose(v, { hintId: 'agent' })).toBe('none');
    });
  });
  it('with agent purposes configured, a call whose bot was transferred to an agent is still already transferred', () => {
    eachShape(withAgentCall(), (v) => expect(choose(v, {}, { purposes: ['external', 'ivr', 'agent', 'user'] })).toBe('transferred'));
  });
  it('never acd or customer, even when configured', () => {
    const c = liveBotCall({ legs: [customer(), acdLeg({ start: 6, connected: 6 })] });
    eachShape(c, (v) => expect(choose(v, {}, { purposes: ['customer', 'acd', 'Customer'] })).toBe('none'));
  });
  it('prefers the leg at BOT_ADDRESS (scheme and case aside) over a later one', () => {
    const c = liveBotCall({ legs: [customer(), botLeg(), botLeg({ id: 'other', address: 'sip:other@x', start: 9, connected: 9 })] });
    eachShape(c, (v) => {
      expect(choose(v)).toBe('other');
      expect(choose(v, {}, { ...policy, botAddress: 'SIP:Cognigy-Bot@vg.example.com' })).toBe('bot');
      expect(choose(v, {}, { ...policy, botAddress: 'cognigy-bot@vg.example.com' })).toBe('bot');
      expect(choose(v, {}, { ...policy, botAddress: 'sip:nobody@x' })).toBe('other');
    });
  });
  it('a leg that joined after a bot leg was transferred away is never chosen to replace a re-created bot', () => {
    // The bot dropped, came back, and was moved to a number whose Architect flow (ivr) now has the caller.
    const c = liveBotCall({
      legs: [
        customer(),
        botLeg({ id: 'b1', state: 'disconnected', disconnectType: 'error', end: 8 }),
        botLeg({ id: 'b2', start: 9, connected: 9, state: 'disconnected', disconnectType: 'transfer', end: 20 }),
        { id: 'menu', purpose: 'ivr', state: 'connected', start: 20, connected: 20, address: 'tel:+18005550100' },
      ],
    });
    eachShape(c, (v) => expect(choose(v, { hintId: 'b1', failedAt: at(7) })).toBe('transferred'));
  });
  it('a ringing bot leg is not connected (live reads; analytics cannot tell ringing from talking)', () => {
    const c = liveBotCall({ legs: [customer(), botLeg({ state: 'alerting', connected: undefined })] });
    eachShape(c, (v) => expect(choose(v)).toBe('none'), liveShapes(c));
  });
  it('respects the configured purposes (a bot inside an Architect flow is ivr)', () => {
    // Only ivr legs are the bot: the flow leg, which transferred the call away, is the latest of them.
    eachShape(liveBotCall(), (v) => expect(choose(v, {}, { purposes: ['ivr'] })).toBe('transferred'));
    eachShape(liveBotCall({ legs: [customer(), botLeg({ purpose: 'ivr' })] }), (v) => expect(choose(v, {}, { purposes: ['IVR'] })).toBe('bot'));
  });
});

describe('transferState: was the call moved off the bot leg (S4, S12, S13)', () => {
  const state = (c: LogicalCall, target: Parameters<typeof transferState>[1] = queue, since = at(10), legId = 'bot') =>
    allShapes(c).map(([, v]) => transferState(v, target, { legId, since }));
  const liveState = (c: LogicalCall, target: Parameters<typeof transferState>[1] = queue, since = at(10)) =>
    liveShapes(c).map(([, v]) => transferState(v, target, { legId: 'bot', since }));

  it('finds nothing on a fresh call, and not the flow → bot transfer that happened before', () => {
    for (const s of state(liveBotCall())) expect(s).toEqual({ status: 'none' });
  });
  it.each(['transfer', 'transfer.queue', 'transfer.forward', 'Transfer.Consult'])('done when the bot leg ended by %s', (disconnectType) => {
    for (const s of state(liveBotCall({ legs: [customer(), flowLeg(), botLeg({ state: 'disconnected', disconnectType, end: 20 })] })))
      expect(s).toEqual({ status: 'done', evidence: `leg bot ended by ${disconnectType}` });
  });
  it('not done when the bot leg ended any other way', () => {
    for (const disconnectType of ['error', 'endpoint', 'peer', 'transport.failure', 'system'])
      for (const s of state(liveBotCall({ legs: [customer(), botLeg({ state: 'disconnected', disconnectType, end: 20 })] }))) expect(s.status).toBe('none');
  });
  it('done when an acd leg of the target queue joined after the bot leg — live or already handed on — never for another queue', () => {
    for (const s of state(liveBotCall({ legs: [customer(), botLeg(), acdLeg()] }))) expect(s.status).toBe('done');
    for (const s of state(liveBotCall({ legs: [customer(), botLeg(), acdLeg({ state: 'disconnected', disconnectType: 'transfer', end: 30 })] }))) expect(s.status).toBe('done');
    for (const s of state(liveBotCall({ legs: [customer(), botLeg(), acdLeg({ queueId: OTHER_QUEUE_ID })] }))) expect(s.status).toBe('none');
    // queue → bot → (failure): the acd leg of the same queue BEFORE the bot is history.
    for (const s of state(liveBotCall({ legs: [customer(), acdLeg({ start: 1, connected: 1, end: 4, state: 'disconnected', disconnectType: 'transfer' }), botLeg()] })))
      expect(s.status).toBe('none');
  });
  it('done for a queue-name target when the acd leg carries that name', () => {
    for (const s of liveState(liveBotCall({ legs: [customer(), botLeg(), acdLeg()] }), { kind: 'queue', queueName: 'fallback ivr' })) expect(s.status).toBe('done');
  });
  it('done when a leg of the target agent or number joined; the bot leg itself never counts', () => {
    const c = liveBotCall({ legs: [customer(), botLeg(), agentLeg({ state: 'alerting', connected: undefined, start: 20 }), { id: 'menu', purpose: 'ivr', state: 'connected', start: 20, connected: 20, address: 'tel:+18005550100' }] });
    for (const s of state(c, { kind: 'agent', userId: USER_ID })) expect(s.status).toBe('done');
    for (const s of state(c, { kind: 'number', address: '+18005550100' })) expect(s.status).toBe('done');
    for (const s of state(c, { kind: 'number', address: BOT_ADDRESS })) expect(s.status).toBe('none');
  });
  it.each([
    ['Complete', 'done'],
    ['complete', 'done'],
    ['Pending', 'in-progress'],
    ['Active', 'in-progress'],
    ['Unknown', 'in-progress'],
    ['Failed', 'failed'],
    ['Canceled', 'failed'],
    ['Timeout', 'failed'],
  ] as const)('a %s recent transfer (a queue transfer names no destination) is %s', (st, expected) => {
    for (const s of liveState(liveBotCall({ recentTransfers: [transfer('t', st, 20)] }))) expect(s.status).toBe(expected);
  });
  it('Pending is in progress, never done: the transfer may still fail (S12)', () => {
    for (const s of liveState(liveBotCall({ recentTransfers: [transfer('t', 'Pending', 20)] }))) expect(s).toEqual({ status: 'in-progress', evidence: 'recent transfer t Pending' });
  });
  it('matches agent and number transfers by their destination', () => {
    const c = liveBotCall({ recentTransfers: [transfer('u', 'Complete', 20, { userId: 'someone-else' }), transfer('n', 'Complete', 21, { address: 'tel:+1 800 555 0100' })] });
    for (const s of liveState(c, { kind: 'agent', userId: USER_ID })) expect(s.status).toBe('none');
    for (const s of liveState(c, { kind: 'number', address: '+18005550100' })) expect(s).toEqual({ status: 'done', evidence: 'recent transfer n Complete' });
    // A transfer to a user or an address was not a queue transfer.
    for (const s of liveState(c)) expect(s.status).toBe('none');
  });
  it('judges by the latest entry since the POST; a Complete one anywhere wins', () => {
    for (const s of liveState(liveBotCall({ recentTransfers: [transfer('a', 'Failed', 20), transfer('b', 'Pending', 21)] }))) expect(s.status).toBe('in-progress');
    for (const s of liveState(liveBotCall({ recentTransfers: [transfer('b', 'Pending', 21), transfer('a', 'Failed', 22)] }))) expect(s).toEqual({ status: 'failed', state: 'Failed', transferId: 'a' });
    for (const s of liveState(liveBotCall({ recentTransfers: [transfer('a', 'Complete', 20), transfer('b', 'Failed', 21)] }))) expect(s.status).toBe('done');
  });
  it('ignores transfers issued before `since` (and before the bot leg joined); an undated one counts', () => {
    for (const s of liveState(liveBotCall({ recentTransfers: [transfer('old', 'Complete', 2)] }), queue, at(0))) expect(s.status).toBe('none');
    for (const s of liveState(liveBotCall({ recentTransfers: [transfer('old', 'Failed', 20)] }), queue, at(40))) expect(s.status).toBe('none');
    for (const s of liveState(liveBotCall({ recentTransfers: [{ id: 'u', state: 'Pending' }] }))) expect(s.status).toBe('in-progress');
  });
  it('analytics has no recentTransfers: it shows only what the legs show', () => {
    const c = liveBotCall({ recentTransfers: [transfer('t', 'Complete', 20)] });
    expect(transferState(parseAnalyticsConversations(toAnalyticsShape([c]))[0]!, queue, { legId: 'bot', since: at(10) })).toEqual({ status: 'none' });
  });
});

describe('normalizeAddress', () => {
  it('drops the scheme, spaces and case', () => {
    expect(normalizeAddress('tel:+1 800 555 0100')).toBe('+18005550100');
    expect(normalizeAddress('SIP:Bot@VG')).toBe('bot@vg');
    expect(normalizeAddress(undefined)).toBeUndefined();
  });
});
