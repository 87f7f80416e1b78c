/**
 * Every Genesys body the simulator sends, written by typed builders over the SDK's own models
 * (`purecloud-platform-client-v2`, types only: nothing of it is loaded at run time). A field Genesys does not
 * have fails `pnpm typecheck` here. Undefined fields are left out of the JSON, as Genesys leaves out nulls.
 */
import type { Models } from 'purecloud-platform-client-v2';
import type { SimConversation, SimParticipant, SimRecentTransfer } from './model.js';

/** A reference the way Genesys writes one: id and the resource's own path. */
export const queueRef = (id: string): Models.DomainEntityRef => ({ id, selfUri: `/api/v2/routing/queues/${id}` });
export const userRef = (id: string): Models.DomainEntityRef => ({ id, selfUri: `/api/v2/users/${id}` });

/** `recentTransfers[]` entry (SDK `TransferResponse`). No initiator/modifiedBy: a client-credentials token has no user. */
export function toTransferResponse(t: SimRecentTransfer): Models.TransferResponse {
  return {
    id: t.id,
    state: t.state,
    dateIssued: t.dateIssued,
    transferType: t.transferType,
    ...(t.destination ? { destination: toTransferDestination(t.destination) } : {}),
  };
}

function toTransferDestination(d: NonNullable<SimRecentTransfer['destination']>): Models.TransferDestination {
  return { userId: d.userId, address: d.address };
}

/** A participant of `GET /api/v2/conversations/calls/{id}` (SDK `CallMediaParticipant`): state etc. at the top. */
export function toCallMediaParticipant(p: SimParticipant): Models.CallMediaParticipant {
  return {
    id: p.id,
    name: p.name,
    address: p.address,
    startTime: p.startTime,
    connectedTime: p.connectedTime,
    endTime: p.endTime,
    purpose: p.purpose,
    state: p.state,
    direction: p.direction,
    disconnectType: p.disconnectType,
    ...(p.userId ? { user: userRef(p.userId) } : {}),
    ...(p.queueId ? { queue: queueRef(p.queueId) } : {}),
    attributes: { ...p.attributes },
    ani: p.ani,
    dnis: p.dnis,
  };
}

/** `GET /api/v2/conversations/calls/{id}` (SDK `CallConversation`): no conversation-level startTime/endTime/state. */
export function toCallShape(c: SimConversation): Models.CallConversation {
  return {
    id: c.id,
    participants: c.participants.map(toCallMediaParticipant),
    recentTransfers: c.recentTransfers.map(toTransferResponse),
    selfUri: `/api/v2/conversations/calls/${c.id}`,
  };
}

/** The participant's voice call in the generic shape (SDK `Call`): where state and disconnectType live there. */
export function toCall(p: SimParticipant): Models.Call {
  return {
    id: p.callId ?? p.id,
    state: p.state,
    direction: p.direction,
    disconnectType: p.disconnectType,
    connectedTime: p.connectedTime,
    disconnectedTime: p.endTime,
  };
}

/** A participant of `GET /api/v2/conversations/{id}` (SDK `Participant`): no participant-level state. */
export function toParticipant(p: SimParticipant): Models.Participant {
  return {
    id: p.id,
    startTime: p.startTime,
    endTime: p.endTime,
    connectedTime: p.connectedTime,
    name: p.name,
    userId: p.userId,
    queueId: p.queueId,
    purpose: p.purpose,
    address: p.address,
    ani: p.ani,
    dnis: p.dnis,
    attributes: { ...p.attributes },
    calls: [toCall(p)],
  };
}

/**
 * `GET /api/v2/conversations/{id}` (SDK `Conversation`). `endTime` is absent while the call is live, and the
 * conversation-level `state` is never filled on reads (SDK doc), so neither is sent.
 */
export function toGenericShape(c: SimConversation): Models.Conversation {
  return {
    id: c.id,
    startTime: c.startTime,
    endTime: c.endTime,
    participants: c.participants.map(toParticipant),
    recentTransfers: c.recentTransfers.map(toTransferResponse),
    selfUri: `/api/v2/conversations/${c.id}`,
  };
}
