import { describe, expect, it } from 'vitest';
import {
  addressMatches,
  decide,
  defaultQueueRouter,
  inWindow,
  languageMatches,
  localTime,
  normalizeAddress,
  tableRouter,
  type FailureEvent,
  type RouteAction,
  type RoutingTable,
  type Target,
} from './index.js';

const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';
const Q_DEFAULT: Target = { kind: 'queue', queueId: '00000000-0000-4000-8000-000000000001' };
const Q_DE: Target = { kind: 'queue', queueId: '00000000-0000-4000-8000-000000000002', queueName: 'German Tier 2' };
const Q_LLM: Target = { kind: 'queue', queueName: 'LLM outage' };
const IVR_NIGHT: Target = { kind: 'number', address: '+4930123456' };
const AGENT: Target = { kind: 'agent', userId: '00000000-0000-4000-8000-0000000000aa' };

// Monday 2026-11-23 is a Monday; Berlin is UTC+1 in November.
const MON_10_BERLIN = new Date('2026-11-23T09:00:00Z');
const MON_23_BERLIN = new Date('2026-11-23T22:00:00Z');
const TUE_03_BERLIN = new Date('2026-11-24T02:00:00Z');
const SAT_10_BERLIN = new Date('2026-11-28T09:00:00Z');

const table: RoutingTable = {
  rules: [
    { name: 'llm-outage', match: { failureTypes: ['LLM_ERROR'] }, target: Q_LLM, allow: [] },
    { name: 'german-flow', match: { languages: ['de'], flows: ['billing'] }, target: Q_DE, allow: [AGENT], referTo: 'sip:fallback-de@pbx.example.com' },
    {
      name: 'night',
      match: { time: { timeZone: 'Europe/Berlin', windows: [{ days: [1, 2, 3, 4, 5], fromMinute: 22 * 60, toMinute: 6 * 60 }] } },
      target: IVR_NIGHT,
      allow: [],
    },
    { name: 'hotline', match: { dnis: ['+49800*'], sources: ['cognigy'] }, target: Q_DE, allow: [] },
  ],
  fallback: { name: 'default', target: Q_DEFAULT, allow: [Q_DE] },
};
const router = tableRouter(table);
const ev = (extra: Partial<FailureEvent> = {}): FailureEvent => ({ conversationId: CID, ...extra });

describe('tableRouter: first matching rule wins, else the default', () => {
  const cases: [string, FailureEvent, Date, string, Target][] = [
    ['no rule matches → default', ev(), MON_10_BERLIN, 'default', Q_DEFAULT],
    ['failure type', ev({ failureType: 'LLM_ERROR' }), MON_10_BERLIN, 'llm-outage', Q_LLM],
    ['order: llm-outage is before german-flow', ev({ failureType: 'LLM_ERROR', language: 'de-DE', bot: { flowName: 'Billing' } }), MON_10_BERLIN, 'llm-outage', Q_LLM],
    ['all conditions of a rule must hold (language alone is not enough)', ev({ language: 'de' }), MON_10_BERLIN, 'default', Q_DEFAULT],
    ['language subtag and flow name, case-insensitively', ev({ language: 'DE-at', bot: { flowName: 'BILLING' } }), MON_10_BERLIN, 'german-flow', Q_DE],
    ['a language sharing only a prefix is not a subtag', ev({ language: 'del', bot: { flowName: 'billing' } }), MON_10_BERLIN, 'default', Q_DEFAULT],
    ['night window, evening of a weekday', ev(), MON_23_BERLIN, 'night', IVR_NIGHT],
    ['night window across midnight belongs to the day it starts', ev(), TUE_03_BERLIN, 'night', IVR_NIGHT],
    ['outside the window', ev(), SAT_10_BERLIN, 'default', Q_DEFAULT],
    ['dnis prefix with a tel: URI and separators, from the right source', ev({ dnis: 'tel:+49 800-555 01', source: 'cognigy' }), MON_10_BERLIN, 'hotline', Q_DE],
    ['dnis prefix from another source', ev({ dnis: '+4980055501', source: 'other' }), MON_10_BERLIN, 'default', Q_DEFAULT],
    ['no dnis in the event never matches a dnis rule', ev({ source: 'cognigy' }), MON_10_BERLIN, 'default', Q_DEFAULT],
  ];
  it.each(cases)('%s', (_label, event, now, route, target) => {
    const d = router.resolve(event, now);
    expect(d.route).toBe(route);
    expect(d.target).toEqual(target);
    expect(d.hint).toBeUndefined();
  });

  it('echoes the rule referTo', () => {
    expect(router.resolve(ev({ language: 'de', bot: { flowName: 'billing' } }), MON_10_BERLIN).referTo).toBe('sip:fallback-de@pbx.example.com');
    expect(router.resolve(ev(), MON_10_BERLIN).referTo).toBeUndefined();
  });
});

describe('routingHint: only targets the matched rule allows', () => {
  const german = ev({ language: 'de', bot: { flowName: 'billing' } });
  const cases: [string, FailureEvent, Target, 'applied' | 'ignored'][] = [
    ['the rule target by name', { ...german, routingHint: { queueName: 'german tier 2' } }, Q_DE, 'applied'],
    ['an allowed agent', { ...german, routingHint: { userId: AGENT.kind === 'agent' ? AGENT.userId.toUpperCase() : '' } }, AGENT, 'applied'],
    ['an arbitrary queue id is ignored', { ...german, routingHint: { queueId: '99999999-0000-4000-8000-000000000000' } }, Q_DE, 'ignored'],
    ['an arbitrary number is ignored', { ...german, routingHint: { address: '+19005550000' } }, Q_DE, 'ignored'],
    ['a target allowed by another rule is ignored', { ...german, routingHint: { queueName: 'LLM outage' } }, Q_DE, 'ignored'],
    ['the default may allow a target too', ev({ routingHint: { queueId: '00000000-0000-4000-8000-000000000002' } }), Q_DE, 'applied'],
  ];
  it.each(cases)('%s', (_label, event, target, hint) => {
    const d = router.resolve(event, MON_10_BERLIN);
    expect(d.target).toEqual(target);
    expect(d.hint).toBe(hint);
  });

  it('decide() never returns a target outside target+allow', () => {
    const action: RouteAction = { name: 'r', target: Q_DEFAULT, allow: [IVR_NIGHT] };
    expect(decide(action, { address: 'tel:+49-30-123456' }).target).toEqual(IVR_NIGHT);
    expect(decide(action, { address: '+4930123457' })).toEqual({ route: 'r', target: Q_DEFAULT, hint: 'ignored' });
  });
});

describe('defaultQueueRouter (DEFAULT_QUEUE_ID alone)', () => {
  it('sends everything to the queue, with referTo, and ignores hints', () => {
    const r = defaultQueueRouter(Q_DEFAULT.kind === 'queue' ? Q_DEFAULT.queueId! : '', 'sip:ivr@pbx');
    expect(r.resolve(ev({ failureType: 'STT_ERROR' }), new Date())).toEqual({ route: 'default', target: Q_DEFAULT, referTo: 'sip:ivr@pbx' });
    expect(r.resolve(ev({ routingHint: { queueName: 'x' } }), new Date()).hint).toBe('ignored');
  });
});

describe('time windows', () => {
  const weekdays = [1, 2, 3, 4, 5];
  const cases: [string, { days: number[]; fromMinute: number; toMinute: number }, { day: number; minute: number }, boolean][] = [
    ['inside a day window', { days: weekdays, fromMinute: 480, toMinute: 1080 }, { day: 1, minute: 600 }, true],
    ['start is inclusive', { days: weekdays, fromMinute: 480, toMinute: 1080 }, { day: 1, minute: 480 }, true],
    ['end is exclusive', { days: weekdays, fromMinute: 480, toMinute: 1080 }, { day: 1, minute: 1080 }, false],
    ['wrong day', { days: weekdays, fromMinute: 480, toMinute: 1080 }, { day: 6, minute: 600 }, false],
    ['until midnight (24:00)', { days: [0], fromMinute: 1200, toMinute: 1440 }, { day: 0, minute: 1439 }, true],
    ['overnight: Friday 23:00', { days: [5], fromMinute: 1320, toMinute: 360 }, { day: 5, minute: 1380 }, true],
    ['overnight: Saturday 05:59 belongs to Friday', { days: [5], fromMinute: 1320, toMinute: 360 }, { day: 6, minute: 359 }, true],
    ['overnight: Friday 05:00 belongs to Thursday (not listed)', { days: [5], fromMinute: 1320, toMinute: 360 }, { day: 5, minute: 300 }, false],
    ['overnight: Sunday 02:00 after Saturday (wraps the week)', { days: [6], fromMinute: 1320, toMinute: 360 }, { day: 0, minute: 120 }, true],
  ];
  it.each(cases)('%s', (_label, window, t, expected) => {
    expect(inWindow(window, t)).toBe(expected);
  });

  it('reads local time with DST (Berlin summer is UTC+2, winter UTC+1)', () => {
    expect(localTime(new Date('2026-07-06T06:30:00Z'), 'Europe/Berlin')).toEqual({ day: 1, minute: 8 * 60 + 30 });
    expect(localTime(new Date('2026-11-23T06:30:00Z'), 'Europe/Berlin')).toEqual({ day: 1, minute: 7 * 60 + 30 });
    expect(localTime(new Date('2026-11-23T00:00:00Z'), 'UTC')).toEqual({ day: 1, minute: 0 });
    expect(localTime(new Date('2026-11-23T03:00:00Z'), 'America/New_York')).toEqual({ day: 0, minute: 22 * 60 });
  });
});

describe('value matchers', () => {
  it.each([
    ['tel:+49 (30) 123-456', '+4930123456'],
    ['sip:+4930123456@gw.example.com;user=phone', '+4930123456'],
    ['SIPS:Fallback@pbx', 'fallback'],
    [' +1.415.555.0100 ', '+14155550100'],
  ])('normalizeAddress(%j) = %j', (input, out) => expect(normalizeAddress(input)).toBe(out));

  it('matches addresses exactly or by * prefix', () => {
    expect(addressMatches(['+4930*'], '+4930123')).toBe(true);
    expect(addressMatches(['+4930'], '+4930123')).toBe(false);
    expect(addressMatches(['+4930123'], '+4930123')).toBe(true);
  });

  it('matches language tags by subtag', () => {
    expect(languageMatches(['de'], 'de')).toBe(true);
    expect(languageMatches(['de'], 'de-ch')).toBe(true);
    expect(languageMatches(['de-de'], 'de-ch')).toBe(false);
    expect(languageMatches(['en', 'de'], 'fr')).toBe(false);
  });
});
