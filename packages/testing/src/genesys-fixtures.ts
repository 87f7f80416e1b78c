/**
 * Real-shaped Genesys JSON for tests (a test room: never imported by production code). Every body is typed with the
 * official SDK's own models (`purecloud-platform-client-v2`, types only), so a field Genesys does not have fails
 * `pnpm typecheck`: `CallConversation`/`CallMediaParticipant` for `GET /api/v2/conversations/calls/{id}`,
 * `Conversation`/`Participant` + `calls[]` for `GET /api/v2/conversations/{id}`, and
 * `AnalyticsConversationWithoutAttributesMultiGetResponse` for the analytics batch read. One logical call, written
 * in every shape, so a decision can be checked on each.
 */
import type { Models } from 'purecloud-platform-client-v2';

export const QUEUE_ID = '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';
export const OTHER_QUEUE_ID = 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff';
export const USER_ID = '0d5a7c9e-1f2b-4c3d-8e4f-5a6b7c8d9e0f';
export const BOT_ADDRESS = 'sip:cognigy-bot@vg.example.com';
export const T0 = Date.parse('2026-11-24T12:00:00.000Z');
export const T = (s: number) => new Date(T0 + s * 1000).toISOString();

/** A leg in logical form; the shape writers put it the way each endpoint does. */
export interface LogicalLeg {
  id: string;
  purpose: string;
  state: string;
  disconnectType?: string;
  start: number;
  connected?: number;
  end?: number;
  address?: string;
  name?: string;
  queueId?: string;
  userId?: string;
}

export interface LogicalCall {
  id: string;
  end?: number;
  legs: LogicalLeg[];
  recentTransfers?: Models.TransferResponse[];
}

const ref = (kind: string, id: string): Models.DomainEntityRef => ({ id, selfUri: `/api/v2/${kind}/${id}` });

/** `CallConversation`: state, disconnectType, endTime at the top of each participant; queue/user as refs. */
export function toCallShape(c: LogicalCall): Models.CallConversation {
  return {
    id: c.id,
    participants: c.legs.map(
      (l): Models.CallMediaParticipant => ({
        id: l.id,
        ...(l.name ?? (l.purpose === 'customer' ? 'Mobile Number, California' : undefined) ? { name: l.name ?? 'Mobile Number, California' } : {}),
        ...(l.address !== undefined ? { address: l.address } : {}),
        startTime: T(l.start),
        ...(l.connected !== undefined ? { connectedTime: T(l.connected) } : {}),
        ...(l.end !== undefined ? { endTime: T(l.end) } : {}),
        purpose: l.purpose,
        state: l.state,
        direction: 'inbound',
        ...(l.disconnectType ? { disconnectType: l.disconnectType } : {}),
        held: false,
        wrapupRequired: false,
        ...(l.queueId ? { queue: ref('routing/queues', l.queueId) } : {}),
        ...(l.userId ? { user: ref('users', l.userId) } : {}),
        ...(l.purpose === 'customer' ? { ani: 'tel:+14155550123' } : {}),
        dnis: 'tel:+18005550199',
        recording: false,
        muted: false,
        confined: false,
        attributes: {},
      }),
    ),
    recentTransfers: c.recentTransfers ?? [],
    selfUri: `/api/v2/conversations/calls/${c.id}`,
  };
}

/** `Conversation`: no participant-level state (it lives in `calls[]`), and no conversation `state` on reads. */
export function toGenericShape(c: LogicalCall): Models.Conversation {
  return {
    id: c.id,
    startTime: T(Math.min(...c.legs.map((l) => l.start))),
    ...(c.end !== undefined ? { endTime: T(c.end) } : {}),
    address: 'tel:+18005550199',
    participants: c.legs.map(
      (l): Models.Participant => ({
        id: l.id,
        startTime: T(l.start),
        ...(l.connected !== undefined ? { connectedTime: T(l.connected) } : {}),
        ...(l.end !== undefined ? { endTime: T(l.end) } : {}),
        ...(l.name ?? (l.purpose === 'customer' ? 'Mobile Number, California' : undefined) ? { name: l.name ?? 'Mobile Number, California' } : {}),
        ...(l.queueId ? { queueId: l.queueId } : {}),
        ...(l.userId ? { userId: l.userId } : {}),
        purpose: l.purpose,
        participantType: l.purpose === 'customer' || l.purpose === 'external' ? 'External' : 'Internal',
        ...(l.address !== undefined ? { address: l.address } : {}),
        ...(l.purpose === 'customer' ? { ani: 'tel:+14155550123' } : {}),
        dnis: 'tel:+18005550199',
        wrapupRequired: false,
        attributes: {},
        calls: [
          {
            state: l.state,
            initialState: l.purpose === 'customer' ? 'offering' : 'dialing',
            id: `${l.id}-call`,
            direction: 'inbound',
            recording: false,
            recordingState: 'none',
            muted: false,
            confined: false,
            held: false,
            securePause: false,
            ...(l.disconnectType ? { disconnectType: l.disconnectType } : {}),
            ...(l.connected !== undefined ? { connectedTime: T(l.connected) } : {}),
            ...(l.end !== undefined ? { disconnectedTime: T(l.end) } : {}),
            provider: 'Edge',
            self: { addressNormalized: l.address ?? '' },
            afterCallWorkRequired: false,
          },
        ],
      }),
    ),
    recordingState: 'none',
    divisions: [{ division: { id: 'd1', selfUri: '/api/v2/authorization/divisions/d1' }, entities: [] }],
    recentTransfers: c.recentTransfers ?? [],
    selfUri: `/api/v2/conversations/${c.id}`,
  };
}

/**
 * The analytics batch read of calls (as seen `lagS` seconds before `atS`, i.e. what analytics shows at `atS`):
 * legs and changes newer than that are missing or still open; no recentTransfers exist in analytics.
 */
export function toAnalyticsShape(calls: LogicalCall[], atS = Number.POSITIVE_INFINITY, lagS = 0): Models.AnalyticsConversationWithoutAttributesMultiGetResponse {
  const asOf = atS - lagS;
  return {
    conversations: calls
      .filter((c) => Math.min(...c.legs.map((l) => l.start)) <= asOf)
      .map(
        (c): Models.AnalyticsConversationWithoutAttributes => ({
          conversationId: c.id,
          conversationStart: T(Math.min(...c.legs.map((l) => l.start))),
          ...(c.end !== undefined && c.end <= asOf ? { conversationEnd: T(c.end) } : {}),
          originatingDirection: 'inbound',
          participants: c.legs
            .filter((l) => l.start <= asOf)
            .map(
              (l): Models.AnalyticsParticipantWithoutAttributes => ({
                participantId: l.id,
                ...(l.name ? { participantName: l.name } : {}),
                purpose: l.purpose,
                ...(l.userId ? { userId: l.userId } : {}),
                sessions: [
                  {
                    mediaType: 'voice',
                    direction: 'inbound',
                    ...(l.address ? { addressSelf: l.address } : {}),
                    segments: [
                      {
                        segmentStart: T(l.connected ?? l.start),
                        segmentType: l.purpose === 'acd' ? 'delay' : 'interact',
                        ...(l.queueId ? { queueId: l.queueId } : {}),
                        ...(l.end !== undefined && l.end <= asOf ? { segmentEnd: T(l.end), ...(l.disconnectType ? { disconnectType: l.disconnectType } : {}) } : {}),
                      },
                    ],
                  },
                ],
              }),
            ),
        }),
      ),
  };
}

export const customer = (over: Partial<LogicalLeg> = {}): LogicalLeg => ({
  id: 'cust',
  purpose: 'customer',
  state: 'connected',
  start: 0,
  connected: 0,
  address: 'tel:+14155550123',
  ...over,
});

/** The Architect flow that answered the call and handed it to the bot (ended by that transfer). */
export const flowLeg = (over: Partial<LogicalLeg> = {}): LogicalLeg => ({
  id: 'flow',
  purpose: 'ivr',
  state: 'disconnected',
  disconnectType: 'transfer',
  start: 1,
  connected: 1,
  end: 5,
  name: 'Main inbound flow',
  ...over,
});

export const botLeg = (over: Partial<LogicalLeg> = {}): LogicalLeg => ({
  id: 'bot',
  purpose: 'external',
  state: 'connected',
  start: 5,
  connected: 5,
  address: BOT_ADDRESS,
  name: 'Cognigy bot',
  ...over,
});

/** An acd leg of a queue (the caller waiting in it). */
export const acdLeg = (over: Partial<LogicalLeg> = {}): LogicalLeg => ({
  id: 'acd',
  purpose: 'acd',
  state: 'connected',
  start: 20,
  connected: 20,
  queueId: QUEUE_ID,
  name: 'Fallback IVR',
  ...over,
});

/** An agent's leg. */
export const agentLeg = (over: Partial<LogicalLeg> = {}): LogicalLeg => ({
  id: 'agent',
  purpose: 'agent',
  state: 'connected',
  start: 40,
  connected: 40,
  userId: USER_ID,
  address: 'sip:agent@example.com',
  name: 'Ann Agent',
  ...over,
});

/** A recent transfer (TransferResponse) issued at second `s`. */
export const transfer = (id: string, state: string, s: number, destination?: Models.TransferDestination): Models.TransferResponse => ({
  id,
  state,
  dateIssued: T(s),
  transferType: 'Unattended',
  initiator: {},
  ...(destination ? { destination } : {}),
});

/** customer ← flow (ended by transfer) ← bot: the moment the bot fails. */
export const liveBotCall = (over: Partial<LogicalCall> = {}): LogicalCall => ({
  id: 'conv-1',
  legs: [customer(), flowLeg(), botLeg()],
  ...over,
});

/** S13: moved to the fallback queue two minutes ago, now with an agent. */
export const withAgentCall = (): LogicalCall => ({
  id: 'conv-agent',
  legs: [
    customer(),
    flowLeg(),
    botLeg({ state: 'disconnected', disconnectType: 'transfer', end: 20 }),
    acdLeg({ state: 'disconnected', disconnectType: 'transfer', end: 40 }),
    agentLeg(),
  ],
  recentTransfers: [transfer('t1', 'Complete', 20)],
});

/** S11: the bot's first leg dropped (the id the event names) and a new bot leg is live. */
export const staleLegCall = (): LogicalCall => ({
  id: 'conv-stale',
  legs: [customer(), flowLeg(), botLeg({ id: 'bot-old', state: 'disconnected', disconnectType: 'transport.failure', end: 9 }), botLeg({ id: 'bot-new', start: 10, connected: 10 })],
});

/** Both live shapes of one logical call, labelled for `it.each`. */
export function bothShapes(c: LogicalCall): [[string, unknown], [string, unknown]] {
  return [
    ['calls shape', toCallShape(c)],
    ['generic shape', toGenericShape(c)],
  ];
}
