import type { Models } from 'purecloud-platform-client-v2';
import { describe, expect, it } from 'vitest';
import { analyticsIds, segmentsOf, toAnalyticsConversation } from './analytics.js';
import { SEED, newConversation } from './model.js';

const NOW = Date.parse('2026-11-24T12:00:00.000Z');
const T = (secondsBeforeNow: number) => new Date(NOW - secondsBeforeNow * 1000).toISOString();
const wire = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('analyticsIds', () => {
  it.each([
    [['a', 'b'], ['a', 'b']],
    ['a,b', ['a', 'b']],
    [[' a , b', 'c', 'a'], ['a', 'b', 'c']],
    ['', []],
    [',,', []],
    [undefined, []],
    [[1, 'x'], ['x']],
  ])('%j → %j', (raw, ids) => {
    expect(analyticsIds(raw)).toEqual(ids);
  });
});

describe('toAnalyticsConversation', () => {
  it('a live call seen well after it started (typed with the SDK model)', () => {
    const conv = newConversation({ id: 'c1' }, NOW);
    const [customer, bot] = conv.participants;
    const expected: Models.AnalyticsConversationWithoutAttributes = {
      conversationId: 'c1',
      conversationStart: T(30),
      originatingDirection: 'inbound',
      participants: [
        {
          participantId: customer!.id,
          participantName: 'Customer',
          purpose: 'customer',
          sessions: [
            {
              mediaType: 'voice',
              sessionId: customer!.callId!,
              direction: 'inbound',
              ani: 'tel:+14155550123',
              dnis: 'tel:+18005550199',
              addressOther: 'tel:+14155550123',
              segments: [{ segmentStart: T(30), segmentType: 'interact' }],
            },
          ],
        },
        {
          participantId: bot!.id,
          participantName: 'Cognigy bot',
          purpose: 'external',
          sessions: [
            {
              mediaType: 'voice',
              sessionId: bot!.callId!,
              direction: 'outbound',
              ani: 'tel:+14155550123',
              dnis: 'tel:+18005550199',
              addressOther: SEED.botAddress,
              segments: [{ segmentStart: T(25), segmentType: 'interact' }],
            },
          ],
        },
      ],
    };
    expect(wire(toAnalyticsConversation(conv, NOW - 2000))).toEqual(expected);
  });

  it('a call that started after the lag horizon is not there yet', () => {
    const conv = newConversation({ startedAgoMs: 0 }, NOW);
    expect(toAnalyticsConversation(conv, NOW - 2000)).toBeUndefined();
    expect(toAnalyticsConversation(conv, NOW)).toBeDefined();
  });

  it('shows the past: a leg that joined later is missing, a leg or call that ended later is still live', () => {
    const conv = newConversation({ withAgent: true }, NOW);
    conv.endTime = T(1);
    // As of 110 s ago: the bot was moved (120 s ago), the agent had not yet joined (100 s ago), the call was live.
    const past = toAnalyticsConversation(conv, NOW - 110_000)!;
    expect(past.conversationEnd).toBeUndefined();
    expect(past.participants!.map((p) => p.purpose)).toEqual(['customer', 'external', 'acd']);
    const acd = past.participants![2]!.sessions![0]!.segments!;
    expect(acd).toEqual([{ segmentStart: T(120), segmentType: 'interact', queueId: SEED.fallbackQueue.id }]);
    const bot = past.participants![1]!.sessions![0]!.segments!.at(-1)!;
    expect(bot).toMatchObject({ segmentEnd: T(120), disconnectType: 'transfer' });
    // Now: everything, and the end of the call.
    const later = toAnalyticsConversation(conv, NOW)!;
    expect(later.conversationEnd).toBe(T(1));
    expect(later.participants!.map((p) => [p.purpose, p.userId])).toEqual([
      ['customer', undefined],
      ['external', undefined],
      ['acd', undefined],
      ['agent', SEED.agentUserId],
    ]);
  });
});

describe('segmentsOf', () => {
  const leg = (over: object) => ({ id: 'p', purpose: 'agent', state: 'connected', startTime: T(10), ...over });
  it('an agent offered then answering: alert, then interact', () => {
    expect(wire(segmentsOf(leg({ connectedTime: T(5) }), NOW))).toEqual([
      { segmentStart: T(10), segmentEnd: T(5), segmentType: 'alert' },
      { segmentStart: T(5), segmentType: 'interact' },
    ]);
  });
  it('an agent still alerting, or answering after the horizon: one live alert segment', () => {
    expect(wire(segmentsOf(leg({ state: 'alerting' }), NOW))).toEqual([{ segmentStart: T(10), segmentType: 'alert' }]);
    expect(wire(segmentsOf(leg({ connectedTime: T(5) }), NOW - 8000))).toEqual([{ segmentStart: T(10), segmentType: 'alert' }]);
  });
  it('a flow leg interacts as ivr; the last segment carries the end and disconnectType', () => {
    expect(wire(segmentsOf(leg({ purpose: 'ivr', connectedTime: T(10), endTime: T(2), disconnectType: 'peer' }), NOW))).toEqual([
      { segmentStart: T(10), segmentType: 'ivr', segmentEnd: T(2), disconnectType: 'peer' },
    ]);
  });
});
