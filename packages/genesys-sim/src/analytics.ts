/**
 * `GET /api/v2/analytics/conversations/details?id=…` (docs/genesys-contract.md §6c): many calls in one read, as analytics
 * saw them `lag` ago. Typed with the SDK's `AnalyticsConversationWithoutAttributes*` models.
 */
import type { Models } from 'purecloud-platform-client-v2';
import type { SimConversation, SimParticipant } from './model.js';

/**
 * Conversation ids of a batch read: repeated `id=a&id=b`, comma-separated `id=a,b`, or both; trimmed, empty
 * ones dropped, each id once (first occurrence order).
 */
export function analyticsIds(raw: unknown): string[] {
  const items = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const ids = new Set<string>();
  for (const item of items) {
    if (typeof item !== 'string') continue;
    for (const part of item.split(',')) {
      const id = part.trim();
      if (id) ids.add(id);
    }
  }
  return [...ids];
}

const at = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

/**
 * One call as analytics shows it at `asOf` (= now − lag): undefined when it started later (too new to be seen);
 * participants that joined later are left out; a leg or call that ended later is still shown live (no
 * `segmentEnd`, no `conversationEnd`).
 */
export function toAnalyticsConversation(c: SimConversation, asOf: number): Models.AnalyticsConversationWithoutAttributes | undefined {
  if (at(c.startTime)! > asOf) return undefined;
  const customer = c.participants.find((p) => p.purpose === 'customer');
  const ended = c.endTime !== undefined && at(c.endTime)! <= asOf;
  return {
    conversationId: c.id,
    conversationStart: c.startTime,
    ...(ended ? { conversationEnd: c.endTime } : {}),
    originatingDirection: 'inbound',
    participants: c.participants.filter((p) => at(p.startTime)! <= asOf).map((p) => toAnalyticsParticipant(p, asOf, customer)),
  };
}

function toAnalyticsParticipant(p: SimParticipant, asOf: number, customer: SimParticipant | undefined): Models.AnalyticsParticipantWithoutAttributes {
  return {
    // Assumption: analytics uses the conversation's participant ids (what a client POSTs with).
    participantId: p.id,
    participantName: p.name,
    purpose: p.purpose,
    userId: p.userId,
    sessions: [toAnalyticsSession(p, asOf, customer)],
  };
}

function toAnalyticsSession(p: SimParticipant, asOf: number, customer: SimParticipant | undefined): Models.AnalyticsSession {
  return {
    mediaType: 'voice',
    sessionId: p.callId,
    direction: p.direction,
    ani: p.ani ?? customer?.ani,
    dnis: p.dnis ?? customer?.dnis,
    addressOther: p.address,
    segments: segmentsOf(p, asOf),
  };
}

/**
 * A leg's segments: `alert` while it was offered (an agent before answering), then `interact` (`ivr` for a flow
 * leg) once connected. The last one carries `segmentEnd` and `disconnectType` only if the leg ended by `asOf`.
 */
export function segmentsOf(p: SimParticipant, asOf: number): Models.AnalyticsConversationSegment[] {
  const start = p.startTime;
  const connected = p.connectedTime !== undefined && at(p.connectedTime)! <= asOf ? p.connectedTime : undefined;
  const end = p.endTime !== undefined && at(p.endTime)! <= asOf ? p.endTime : undefined;
  const queueId = p.queueId;
  const segments: Models.AnalyticsConversationSegment[] = [];
  if (connected === undefined || at(connected)! > at(start)!)
    segments.push({ segmentStart: start, segmentType: 'alert', queueId, ...(connected ? { segmentEnd: connected } : {}) });
  if (connected !== undefined) segments.push({ segmentStart: connected, segmentType: p.purpose === 'ivr' ? 'ivr' : 'interact', queueId });
  const last = segments.at(-1)!;
  if (end !== undefined) Object.assign(last, { segmentEnd: end, disconnectType: p.disconnectType });
  return segments;
}
