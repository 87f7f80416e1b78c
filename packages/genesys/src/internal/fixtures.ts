/**
 * Real-shaped conversation JSON for tests (never exported from the package). Field names and nesting follow the
 * SDK models (genesys-cloud.md §5): `CallConversation`/`CallMediaParticipant` for
 * `GET /api/v2/conversations/calls/{id}`, `Conversation`/`Participant` + `calls[]` for
 * `GET /api/v2/conversations/{id}`. One logical call, written in both shapes, so a decision can be checked on each.
 */

export const QUEUE_ID = '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';
export const OTHER_QUEUE_ID = 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff';
export const USER_ID = '0d5a7c9e-1f2b-4c3d-8e4f-5a6b7c8d9e0f';
export const BOT_ADDRESS = 'sip:cognigy-bot@vg.example.com';
export const T = (s: number) => new Date(Date.parse('2026-11-24T12:00:00.000Z') + s * 1000).toISOString();

/** A leg in logical form; `toCallShape`/`toGenericShape` write it the way each endpoint does. */
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
  recentTransfers?: unknown[];
}

/** `CallConversation`: state, disconnectType, endTime at the top of each participant; queue/user as refs. */
export function toCallShape(c: LogicalCall): unknown {
  return {
    id: c.id,
    participants: c.legs.map((l) => ({
      id: l.id,
      name: l.name ?? (l.purpose === 'customer' ? 'Mobile Number, California' : undefined),
      address: l.address,
      startTime: T(l.start),
      ...(l.connected !== undefined ? { connectedTime: T(l.connected) } : {}),
      ...(l.end !== undefined ? { endTime: T(l.end) } : {}),
      purpose: l.purpose,
      state: l.state,
      direction: 'inbound',
      ...(l.disconnectType ? { disconnectType: l.disconnectType } : {}),
      held: false,
      wrapupRequired: false,
      ...(l.queueId ? { queue: { id: l.queueId, selfUri: `/api/v2/routing/queues/${l.queueId}` } } : {}),
      ...(l.userId ? { user: { id: l.userId, selfUri: `/api/v2/users/${l.userId}` } } : {}),
      ani: l.purpose === 'customer' ? 'tel:+14155550123' : undefined,
      dnis: 'tel:+18005550199',
      recording: false,
      muted: false,
      confined: false,
      attributes: {},
    })),
    recentTransfers: c.recentTransfers ?? [],
    selfUri: `/api/v2/conversations/calls/${c.id}`,
  };
}

/** `Conversation`: no participant-level state; it lives in `calls[]` with `disconnectedTime`. */
export function toGenericShape(c: LogicalCall): unknown {
  return {
    id: c.id,
    startTime: T(0),
    ...(c.end !== undefined ? { endTime: T(c.end), state: 'disconnected' } : { state: 'connected' }),
    address: 'tel:+18005550199',
    participants: c.legs.map((l) => ({
      id: l.id,
      startTime: T(l.start),
      ...(l.connected !== undefined ? { connectedTime: T(l.connected) } : {}),
      ...(l.end !== undefined ? { endTime: T(l.end) } : {}),
      name: l.name ?? (l.purpose === 'customer' ? 'Mobile Number, California' : undefined),
      ...(l.queueId ? { queueId: l.queueId } : {}),
      ...(l.userId ? { userId: l.userId } : {}),
      purpose: l.purpose,
      participantType: l.purpose === 'customer' || l.purpose === 'external' ? 'External' : 'Internal',
      address: l.address,
      ani: l.purpose === 'customer' ? 'tel:+14155550123' : undefined,
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
    })),
    recordingState: 'none',
    divisions: [{ division: { id: 'd1', selfUri: '/api/v2/authorization/divisions/d1' }, entities: [] }],
    recentTransfers: c.recentTransfers ?? [],
    selfUri: `/api/v2/conversations/${c.id}`,
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

/** The Architect flow that answered the call and handed it to the bot. */
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

/** customer ← flow (ended by transfer) ← bot: the moment the bot fails. */
export const liveBotCall = (over: Partial<LogicalCall> = {}): LogicalCall => ({
  id: 'conv-1',
  legs: [customer(), flowLeg(), botLeg()],
  ...over,
});

/** Both shapes of one logical call, labelled for `it.each`. */
export function bothShapes(c: LogicalCall): [[string, unknown], [string, unknown]] {
  return [
    ['calls shape', toCallShape(c)],
    ['generic shape', toGenericShape(c)],
  ];
}
