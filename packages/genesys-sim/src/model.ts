import { randomUUID } from 'node:crypto';

/** A participant as the simulator stores it (the call-shape fields; the generic shape is derived). */
export interface SimParticipant {
  id: string;
  purpose: 'customer' | 'external' | 'ivr' | 'acd' | 'agent' | 'user' | string;
  state: 'alerting' | 'dialing' | 'contacting' | 'offering' | 'connected' | 'disconnected' | 'terminated' | string;
  disconnectType?: string;
  startTime: string;
  connectedTime?: string;
  endTime?: string;
  address?: string;
  ani?: string;
  dnis?: string;
  name?: string;
  queueId?: string;
  userId?: string;
}

/** A transfer Genesys shows in `recentTransfers`. */
export interface SimRecentTransfer {
  id: string;
  state: 'Pending' | 'Active' | 'Complete' | 'Canceled' | 'Failed' | 'Timeout';
  dateIssued: string;
  transferType: 'Unattended' | 'Attended';
  destination: { queueId?: string; userId?: string; address?: string };
}

/** A simulated voice conversation. */
export interface SimConversation {
  id: string;
  startTime: string;
  endTime?: string;
  participants: SimParticipant[];
  recentTransfers: SimRecentTransfer[];
}

/** A queue the simulated org has. */
export interface SimQueue {
  id: string;
  name: string;
}

/** Well-known ids of the seeded org, so demos and docs can name them. */
export const SEED = {
  fallbackQueue: { id: '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b', name: 'Fallback IVR' },
  billingQueue: { id: 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff', name: 'Billing' },
  agentUserId: '0d5a7c9e-1f2b-4c3d-8e4f-5a6b7c8d9e0f',
  fallbackNumber: '+18005550100',
  botAddress: 'sip:cognigy-bot@vg.example.com',
  clientId: 'sim-client',
  clientSecret: 'sim-secret',
} as const;

/** Options for a new conversation: a customer talking to a bot leg over a SIP/BYOC trunk. */
export interface NewConversation {
  id?: string;
  ani?: string;
  dnis?: string;
  /** Purpose of the bot leg: `external` for a Voice Gateway bridge (default), `ivr` for a bot inside a flow. */
  botPurpose?: string;
  botAddress?: string;
  /** Customer hangs up after this many ms (the call is then over); 0 = never; default: the simulator's setting. */
  hangupAfterMs?: number;
  /**
   * More legs after customer and bot (e.g. an earlier flow leg ended by transfer, a repeated user), to build the
   * shapes the worker must read. Missing ids and times are filled in.
   */
  extraLegs?: Array<Partial<SimParticipant> & { purpose: string }>;
}

/** Builds a live conversation: customer connected, bot leg connected. */
export function newConversation(opts: NewConversation, now: number): SimConversation {
  const t0 = new Date(now - 30_000).toISOString();
  const t1 = new Date(now - 25_000).toISOString();
  return {
    id: opts.id ?? randomUUID(),
    startTime: t0,
    participants: [
      {
        id: randomUUID(),
        purpose: 'customer',
        state: 'connected',
        startTime: t0,
        connectedTime: t0,
        address: `tel:${opts.ani ?? '+14155550123'}`,
        ani: `tel:${opts.ani ?? '+14155550123'}`,
        dnis: `tel:${opts.dnis ?? '+18005550199'}`,
        name: 'Customer',
      },
      {
        id: randomUUID(),
        purpose: opts.botPurpose ?? 'external',
        state: 'connected',
        startTime: t1,
        connectedTime: t1,
        address: opts.botAddress ?? SEED.botAddress,
        name: 'Cognigy bot',
      },
      ...(opts.extraLegs ?? []).map((leg) => ({
        state: 'connected',
        startTime: t1,
        ...(leg.state === undefined || leg.state === 'connected' ? { connectedTime: t1 } : {}),
        ...leg,
        id: leg.id ?? randomUUID(),
      })),
    ],
    recentTransfers: [],
  };
}

const LIVE = new Set(['alerting', 'dialing', 'contacting', 'offering', 'connected']);

/** True while a participant has not hung up. */
export function isLive(p: SimParticipant): boolean {
  return LIVE.has(p.state) && p.endTime === undefined;
}

/** `GET /api/v2/conversations/calls/{id}` shape (SDK `CallConversation`): state at the participant's top level. */
export function toCallShape(c: SimConversation): unknown {
  return {
    id: c.id,
    participants: c.participants.map((p) => ({
      id: p.id,
      purpose: p.purpose,
      state: p.state,
      disconnectType: p.disconnectType,
      startTime: p.startTime,
      connectedTime: p.connectedTime,
      endTime: p.endTime,
      address: p.address,
      ani: p.ani,
      dnis: p.dnis,
      name: p.name,
      queue: p.queueId ? { id: p.queueId } : undefined,
      user: p.userId ? { id: p.userId } : undefined,
    })),
    recentTransfers: c.recentTransfers,
  };
}

/** `GET /api/v2/conversations/{id}` shape (SDK `Conversation`): no participant-level state; it is in `calls[]`. */
export function toGenericShape(c: SimConversation): unknown {
  return {
    id: c.id,
    startTime: c.startTime,
    endTime: c.endTime ?? null,
    state: c.endTime ? 'disconnected' : 'connected',
    participants: c.participants.map((p) => ({
      id: p.id,
      name: p.name,
      purpose: p.purpose,
      participantType: p.purpose === 'customer' ? 'External' : p.purpose === 'acd' ? 'ACD' : 'Internal',
      address: p.address,
      ani: p.ani,
      dnis: p.dnis,
      startTime: p.startTime,
      connectedTime: p.connectedTime,
      endTime: p.endTime,
      queueId: p.queueId,
      userId: p.userId,
      attributes: {},
      calls: [
        {
          id: `${p.id.slice(0, 8)}-call`,
          state: p.state,
          disconnectType: p.disconnectType,
          connectedTime: p.connectedTime,
          disconnectedTime: p.endTime,
        },
      ],
    })),
    recentTransfers: c.recentTransfers,
  };
}
