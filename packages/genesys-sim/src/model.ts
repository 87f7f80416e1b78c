import { randomUUID } from 'node:crypto';

/** `recentTransfers[].state` values (docs/genesys-contract.md §5). */
export type TransferState = 'Pending' | 'Active' | 'Complete' | 'Canceled' | 'Failed' | 'Timeout';

/**
 * A participant as the simulator stores it: one voice call per participant. The two read shapes are written
 * from it by shapes.ts (typed with the SDK's models), never sent as is.
 */
export interface SimParticipant {
  id: string;
  /** Id of the participant's voice call (`calls[0].id` in the generic shape). Filled in when missing. */
  callId?: string;
  purpose: 'customer' | 'external' | 'ivr' | 'acd' | 'agent' | 'user' | string;
  state: 'alerting' | 'dialing' | 'contacting' | 'offering' | 'connected' | 'disconnected' | 'terminated' | string;
  direction?: 'inbound' | 'outbound';
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
  /** Participant data (PATCH …/attributes merges into it; Architect's Get Participant Data reads it). */
  attributes?: Record<string, string>;
}

/**
 * A transfer Genesys shows in `recentTransfers` (SDK `TransferResponse`). `destination` is the SDK's
 * `TransferDestination {userId?, address?}`: a queue transfer has neither, so it has no destination at all.
 */
export interface SimRecentTransfer {
  id: string;
  state: TransferState;
  dateIssued: string;
  transferType: 'Unattended' | 'Attended';
  destination?: { userId?: string; address?: string };
}

/** Which participant plays which part, as the simulator built the call (for the control API's summary). */
export interface ConversationRoles {
  customer: string;
  /** The bot leg the call was built with (live unless the call was transferred or ended). */
  bot: string;
  /** An earlier bot leg that ended before `bot` connected (option `staleBotLeg`). */
  stale?: string;
  /** The agent who answered after the bot was transferred (option `withAgent`). */
  agent?: string;
}

/** A simulated voice conversation. */
export interface SimConversation {
  id: string;
  startTime: string;
  endTime?: string;
  participants: SimParticipant[];
  recentTransfers: SimRecentTransfer[];
  roles: ConversationRoles;
}

/** A queue the simulated org has. */
export interface SimQueue {
  id: string;
  name: string;
  /** What `GET /api/v2/routing/queues/{id}/estimatedwaittime` answers (s); default 0. */
  estimatedWaitTimeSeconds?: number;
}

/** Well-known ids of the seeded org, so demos and docs can name them. */
export const SEED = {
  fallbackQueue: { id: '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b', name: 'Fallback IVR' },
  billingQueue: { id: 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff', name: 'Billing' },
  agentUserId: '0d5a7c9e-1f2b-4c3d-8e4f-5a6b7c8d9e0f',
  agentAddress: 'sip:ann.agent@example.mypurecloud.com',
  fallbackNumber: '+18005550100',
  botAddress: 'sip:cognigy-bot@vg.example.com',
  clientId: 'sim-client',
  clientSecret: 'sim-secret',
  homeDivision: { id: '3b0f4a8e-5c6d-4e7f-8a9b-0c1d2e3f4a5b', name: 'Home' },
  /** An emergency group inbound flows check (disabled at start). */
  emergencyGroup: { id: '9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4', name: 'Cognigy bot outage' },
  emergencyFlow: { id: 'c0ffee00-1234-4abc-9def-0123456789ab', name: 'Bot outage announcement' },
  /** A data table with one switch row an inbound flow can read instead. */
  datatable: { id: '5d4c3b2a-1908-4f7e-8d6c-5b4a39281706', name: 'Fallback switches', rowId: 'bot-outage' },
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
  /** How long ago the call started (ms). Default 30 000 (150 000 with `withAgent`); 0 = it starts now. */
  startedAgoMs?: number;
  /** An earlier bot leg (same purpose and address) that ended with `transport.failure` before the live one connected. */
  staleBotLeg?: boolean;
  /**
   * The call was moved to the Fallback IVR queue ~2 minutes ago and an agent answered: bot and acd legs ended by
   * `transfer`, an agent leg connected, a Complete recent transfer.
   */
  withAgent?: boolean;
  /**
   * More legs after those above (e.g. an earlier flow leg ended by transfer, a repeated user), to build the
   * shapes the worker must read. Missing ids and times are filled in.
   */
  extraLegs?: Array<Partial<SimParticipant> & { purpose: string }>;
}

const LIVE = new Set(['alerting', 'dialing', 'contacting', 'offering', 'connected']);
const iso = (t: number) => new Date(Math.round(t)).toISOString();

/** A leg with the fields every participant has filled in (ids, an empty attribute map). */
export function leg(fields: Omit<SimParticipant, 'id' | 'callId'> & { id?: string; callId?: string }): SimParticipant {
  return { ...fields, id: fields.id ?? randomUUID(), callId: fields.callId ?? randomUUID(), attributes: { ...fields.attributes } };
}

/**
 * Builds a conversation as Genesys would show it after the story its options tell. Times are laid out over
 * `startedAgoMs` before `now`: the bot connects a sixth of the way in (5 s for the default 30 s), a stale bot leg
 * lived between a twelfth and an eighth of the way, and with an agent the transfer happened ~2 minutes ago.
 */
export function newConversation(opts: NewConversation, now: number): SimConversation {
  const ago = opts.startedAgoMs ?? (opts.withAgent ? 150_000 : 30_000);
  const t0 = now - ago;
  const botAt = t0 + ago / 6;
  const ani = `tel:${opts.ani ?? '+14155550123'}`;
  const dnis = `tel:${opts.dnis ?? '+18005550199'}`;
  const botPurpose = opts.botPurpose ?? 'external';
  const botAddress = opts.botAddress ?? SEED.botAddress;
  const customer = leg({ purpose: 'customer', state: 'connected', direction: 'inbound', startTime: iso(t0), connectedTime: iso(t0), address: ani, ani, dnis, name: 'Customer' });
  const botLeg = (fields: Partial<SimParticipant>) =>
    leg({ purpose: botPurpose, state: 'connected', direction: 'outbound', startTime: iso(botAt), connectedTime: iso(botAt), address: botAddress, name: 'Cognigy bot', ...fields });
  const participants: SimParticipant[] = [customer];
  const roles: ConversationRoles = { customer: customer.id, bot: '' };
  const recentTransfers: SimRecentTransfer[] = [];

  if (opts.staleBotLeg) {
    // The bot's first leg dropped (SIP trunk failure) and the flow dialled the bot again: same purpose and address.
    const stale = botLeg({ state: 'disconnected', disconnectType: 'transport.failure', startTime: iso(t0 + ago / 12), connectedTime: iso(t0 + ago / 12), endTime: iso(t0 + ago / 8) });
    participants.push(stale);
    roles.stale = stale.id;
  }
  const bot = botLeg({});
  participants.push(bot);
  roles.bot = bot.id;

  if (opts.withAgent) {
    const movedAt = now - Math.min(120_000, 0.8 * ago);
    const answeredAt = movedAt + (now - movedAt) / 6;
    Object.assign(bot, { state: 'disconnected', disconnectType: 'transfer', endTime: iso(movedAt) });
    const q = SEED.fallbackQueue;
    participants.push(
      leg({ purpose: 'acd', state: 'disconnected', disconnectType: 'transfer', direction: 'inbound', startTime: iso(movedAt), connectedTime: iso(movedAt), endTime: iso(answeredAt), queueId: q.id, name: q.name }),
    );
    const agent = leg({
      purpose: 'agent',
      state: 'connected',
      direction: 'inbound',
      startTime: iso(answeredAt),
      connectedTime: iso(answeredAt),
      address: SEED.agentAddress,
      userId: SEED.agentUserId,
      queueId: q.id,
      name: 'Ann Agent',
    });
    participants.push(agent);
    roles.agent = agent.id;
    // A queue transfer: TransferDestination has no queue id, so there is no destination.
    recentTransfers.push({ id: randomUUID(), state: 'Complete', dateIssued: iso(movedAt), transferType: 'Unattended' });
  }

  for (const extra of opts.extraLegs ?? []) {
    const live = extra.state === undefined || LIVE.has(extra.state);
    participants.push(
      leg({
        state: 'connected',
        startTime: iso(botAt),
        ...(extra.state === undefined || extra.state === 'connected' ? { connectedTime: iso(botAt) } : {}),
        // A leg that is over has an end time in Genesys (never a disconnected leg without one).
        ...(live ? {} : { endTime: iso(botAt) }),
        ...extra,
      }),
    );
  }

  return { id: opts.id ?? randomUUID(), startTime: iso(t0), participants, recentTransfers, roles };
}

/** True while a participant has not hung up. */
export function isLive(p: SimParticipant): boolean {
  return LIVE.has(p.state) && p.endTime === undefined;
}

/** True when a transfer POST may name this leg: connected, not ended, on a call that is not over. */
export function isConnected(conv: SimConversation, p: SimParticipant): boolean {
  return !conv.endTime && p.state === 'connected' && p.endTime === undefined;
}
