import type { FailureEvent } from './event.js';
import { computeDeadline, type DeadlinePolicy } from './deadline.js';
import { dedupeKeyOf, type FallbackJobData } from './job.js';
import type { RouteDecision } from './routing.js';

/**
 * Turns a validated event and its routing decision into job data: the only place the two shapes meet. `tenant`:
 * the declared source that sent it (its own dedupe key space), undefined in single-tenant mode.
 */
export function buildJobData(
  event: FailureEvent,
  decision: RouteDecision,
  receivedAt: number,
  policy: DeadlinePolicy,
  tenant?: string,
): FallbackJobData {
  const data: FallbackJobData = {
    v: 1,
    conversationId: event.conversationId.toLowerCase(),
    dedupeKey: dedupeKeyOf(event, tenant),
    failureType: event.failureType ?? 'UNKNOWN',
    source: event.source ?? 'unknown',
    receivedAt,
    deadline: computeDeadline(event, receivedAt, policy),
    target: decision.target,
    route: decision.route,
  };
  if (decision.then?.length) data.chain = [...decision.then];
  // The caller's number is kept only for a route that offers callbacks, and only when the event gave one.
  if (decision.callback && event.ani !== undefined) data.callback = { ...decision.callback, number: event.ani };
  if (decision.agentContext) data.agentContext = true;
  // Optional fields are copied only when present: job data is stored per event, keep it small.
  if (event.participantId !== undefined) data.participantId = event.participantId.toLowerCase();
  if (event.eventId !== undefined) data.eventId = event.eventId;
  if (event.language !== undefined) data.language = event.language;
  if (event.bot !== undefined) data.bot = event.bot;
  if (event.cognigy !== undefined) data.cognigy = event.cognigy;
  if (event.attributes !== undefined) data.attributes = event.attributes;
  return data;
}
