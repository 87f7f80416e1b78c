import { describe, expect, it } from 'vitest';
import { DEFAULT_BOT_PURPOSES, parseAnalyticsConversations, parseConversation, type ConversationView } from '@fallback/genesys';
import {
  BOT_ADDRESS,
  QUEUE_ID,
  T0,
  acdLeg,
  agentLeg,
  botLeg,
  customer,
  flowLeg,
  liveBotCall,
  staleLegCall,
  toAnalyticsShape,
  toCallShape,
  toGenericShape,
  transfer,
  withAgentCall,
  type LogicalCall,
} from '@fallback/testing/genesys-fixtures';
import { confirmPlan, decideAfterPost, decideBeforePost, settleWait, worthWaiting, type LookInput } from './decide.js';

const at = (s: number) => T0 + s * 1000;
const queue = { kind: 'queue' as const, queueId: QUEUE_ID };
const look: LookInput = { target: queue, policy: { purposes: [...DEFAULT_BOT_PURPOSES] }, failedAt: at(60) };
const shapes = (c: LogicalCall): Array<[string, ConversationView]> => [
  ['calls', parseConversation(toCallShape(c))],
  ['generic', parseConversation(toGenericShape(c))],
];
const analytics = (c: LogicalCall, atS = 1000, lagS = 0) => parseAnalyticsConversations(toAnalyticsShape([c], atS, lagS))[0]!;

describe('decideBeforePost (S11, S13)', () => {
  it.each<[string, LogicalCall, Partial<LookInput>, Record<string, unknown>]>([
    ['a live bot leg: post to it', liveBotCall(), {}, { do: 'post', legId: 'bot' }],
    ['a stale participantId: post to the re-created bot leg', staleLegCall(), { hintLeg: 'bot-old' }, { do: 'post', legId: 'bot-new' }],
    ['a late event for a call a person now has: move nobody', withAgentCall(), {}, { do: 'finish-transferred' }],
    ['the same with agent purposes configured', withAgentCall(), { policy: { purposes: ['external', 'ivr', 'agent', 'user'] } }, { do: 'finish-transferred' }],
    ['the caller hung up', liveBotCall({ legs: [customer({ state: 'disconnected', end: 50 }), flowLeg(), botLeg()] }), {}, { do: 'call-ended', reason: 'customer disconnected' }],
    ['moved, then hung up: transferred wins', liveBotCall({ legs: [customer({ state: 'disconnected', end: 50 }), botLeg({ state: 'disconnected', disconnectType: 'transfer', end: 30 })] }), {}, { do: 'finish-transferred' }],
    ['someone\'s transfer is Pending: wait, never post on top of it', liveBotCall({ recentTransfers: [transfer('t', 'Pending', 55)] }), {}, { do: 'wait' }],
    ['an acd leg of the target queue joined after the bot: already moved', liveBotCall({ legs: [customer(), botLeg(), acdLeg()] }), {}, { do: 'finish-transferred' }],
    ['no bot leg at all', liveBotCall({ legs: [customer()] }), {}, { do: 'no-leg' }],
    ['the bot leg dropped (not by a transfer) and none came back', liveBotCall({ legs: [customer(), flowLeg(), botLeg({ state: 'disconnected', disconnectType: 'error', end: 50 })] }), {}, { do: 'no-leg' }],
    ['only a person on the call, not configured as a bot', liveBotCall({ legs: [customer(), agentLeg({ start: 10, connected: 10 })] }), {}, { do: 'no-leg' }],
    ['the leg Genesys just refused is still shown connected (a real refusal)', liveBotCall(), { refused: new Set(['bot']) }, { do: 'no-leg' }],
    ['a refused saved leg is not trusted again: the other live bot leg', liveBotCall({ legs: [customer(), botLeg({ id: 'a' }), botLeg({ id: 'b', start: 6, connected: 6 })] }), { savedLeg: 'b', refused: new Set(['b']) }, { do: 'no-leg' }],
  ])('%s', (_name, call, input, expected) => {
    for (const [shape, v] of shapes(call)) expect(decideBeforePost(v, { ...look, ...input }), shape).toMatchObject(expected);
  });

  it('from a lagging analytics view, what it cannot show is read directly', () => {
    // The bot leg was re-created a moment ago: analytics (2 s behind) shows only the dropped one.
    const c = staleLegCall();
    expect(decideBeforePost(analytics(c, 11, 2), { ...look, hintLeg: 'bot-old' })).toEqual({ do: 'read-live', why: 'analytics shows no live bot leg' });
    expect(decideBeforePost(analytics(c), { ...look, hintLeg: 'bot-old' })).toMatchObject({ do: 'post', legId: 'bot-new' });
    // A leg analytics still shows live after Genesys refused it: read directly, do not give up.
    expect(decideBeforePost(analytics(liveBotCall()), { ...look, refused: new Set(['bot']) })).toMatchObject({ do: 'read-live' });
  });

  it('prefers the leg at BOT_ADDRESS', () => {
    const c = liveBotCall({ legs: [customer(), botLeg(), botLeg({ id: 'other', address: 'sip:x@y', start: 9, connected: 9 })] });
    for (const [, v] of shapes(c)) expect(decideBeforePost(v, { ...look, policy: { ...look.policy, botAddress: BOT_ADDRESS } })).toMatchObject({ do: 'post', legId: 'bot' });
  });
});

describe('decideAfterPost (S4, S12, S14)', () => {
  const posted = { leg: 'bot', at: at(30), accepted: true };
  const input = { target: queue, posted, now: at(31), analyticsLagMs: 2000, pendingPollMs: 1000 };
  it.each<[string, LogicalCall, Partial<typeof input>, Record<string, unknown>]>([
    ['the bot leg ended by transfer: done', liveBotCall({ legs: [customer(), botLeg({ state: 'disconnected', disconnectType: 'transfer', end: 31 }), acdLeg({ start: 31, connected: 31 })] }), {}, { do: 'finish-transferred' }],
    ['Complete recent transfer: done', liveBotCall({ recentTransfers: [transfer('t', 'Complete', 30)] }), {}, { do: 'finish-transferred' }],
    ['Pending: in progress, look again (never done)', liveBotCall({ recentTransfers: [transfer('t', 'Pending', 30)] }), {}, { do: 'wait', ms: 1000 }],
    ['Pending → Failed: post again', liveBotCall({ recentTransfers: [transfer('t', 'Failed', 30)] }), {}, { do: 'post-again' }],
    ['Canceled: post again', liveBotCall({ recentTransfers: [transfer('t', 'Canceled', 30)] }), {}, { do: 'post-again' }],
    ['Timeout: post again', liveBotCall({ recentTransfers: [transfer('t', 'Timeout', 30)] }), {}, { do: 'post-again' }],
    ['a failure from before our POST does not count', liveBotCall({ recentTransfers: [transfer('old', 'Failed', 10)] }), {}, { do: 'not-seen' }],
    ['accepted (202) and nothing shows: not seen', liveBotCall(), {}, { do: 'not-seen' }],
    ['unanswered, settled, nothing shows: it never landed, post again', liveBotCall(), { posted: { ...posted, accepted: false } }, { do: 'post-again' }],
    ['unanswered, and it landed late (slow Genesys): done', liveBotCall({ recentTransfers: [transfer('late', 'Complete', 37)] }), { posted: { ...posted, accepted: false } }, { do: 'finish-transferred' }],
    ['the caller hung up before it completed', liveBotCall({ legs: [customer({ state: 'disconnected', end: 31 }), botLeg()], recentTransfers: [transfer('t', 'Canceled', 30)] }), {}, { do: 'call-ended' }],
  ])('%s', (_name, call, over, expected) => {
    for (const [shape, v] of shapes(call)) expect(decideAfterPost(v, { ...input, ...over }), shape).toMatchObject(expected);
  });

  it('analytics confirms what the legs show, and cannot tell "not yet" from "never" until its lag has passed', () => {
    const moved = liveBotCall({ legs: [customer(), botLeg({ state: 'disconnected', disconnectType: 'transfer', end: 31 }), acdLeg({ start: 31, connected: 31 })] });
    expect(decideAfterPost(analytics(moved, 40), { ...input, now: at(40) })).toMatchObject({ do: 'finish-transferred' });
    expect(decideAfterPost(analytics(liveBotCall(), 31), { ...input, now: at(31) })).toEqual({ do: 'wait', ms: 2000, why: 'analytics cannot show the transfer yet' });
    expect(decideAfterPost(analytics(liveBotCall(), 40), { ...input, now: at(40) })).toMatchObject({ do: 'read-live' });
    // Pending/Failed live only in recentTransfers, which analytics does not have: a direct read decides.
    expect(decideAfterPost(analytics(liveBotCall({ recentTransfers: [transfer('t', 'Failed', 30)] }), 40), { ...input, now: at(40) })).toMatchObject({ do: 'read-live' });
  });
});

describe('settleWait (S14: nothing is read before an unanswered POST can no longer land)', () => {
  it.each([
    ['accepted: read now', { accepted: true, at: 1000 }, 1500, 0],
    ['unanswered: until it left + settle', { accepted: false, at: 1000 }, 1500, 9500],
    ['settled already', { accepted: false, at: 1000 }, 20_000, 0],
  ])('%s', (_name, p, now, expected) => {
    expect(settleWait({ leg: 'bot', ...p }, now, 10_000)).toBe(expected);
  });
});

describe('worthWaiting (S8, S17: nothing spent on a caller that cannot be moved in time)', () => {
  it('a wait that ends before the deadline is worth it; one that reaches it is not (never shortened)', () => {
    expect(worthWaiting(0, 1000, 5000)).toBe(true);
    expect(worthWaiting(0, 5000, 5000)).toBe(false);
    expect(worthWaiting(0, 3_600_000, 120_000)).toBe(false);
    expect(worthWaiting(0, 0, 1)).toBe(true);
  });
});

describe('confirmPlan (S17: confirmations never take a caller\'s request)', () => {
  it.each([
    ['no confirmation asked: trust the 202', { reads: 0, pressure: true, analytics: true }, { how: 'trust' }],
    ['a free budget: confirm at once', { reads: 3, pressure: false, analytics: true }, { how: 'inline', delaysMs: [250, 500, 1000] }],
    ['callers compete: defer until analytics can show it', { reads: 3, pressure: true, analytics: true }, { how: 'deferred', afterMs: 3000 }],
    ['callers compete, no analytics: defer anyway', { reads: 3, pressure: true, analytics: false }, { how: 'deferred', afterMs: 2000 }],
  ] as const)('%s', (_name, opts, expected) => {
    expect(confirmPlan({ delayMs: 250, analyticsLagMs: 2000, ...opts })).toEqual(expected);
  });
});
