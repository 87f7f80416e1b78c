import type { FailureEvent } from './event.js';
import type { Target } from './target.js';

/** The routing decision for one event. */
export interface RouteDecision {
  /** Rule name, recorded on the job and in metrics. */
  route: string;
  target: Target;
  /** Number or SIP URI of the fallback Architect flow, echoed so a live bot can REFER the call itself. */
  referTo?: string;
}

/** Something that picks a target for an event. */
export interface Router {
  resolve(event: FailureEvent, now: Date): RouteDecision;
}

/** The quick-start router: every failure goes to one queue (DEFAULT_QUEUE_ID). */
export function defaultQueueRouter(queueId: string, referTo?: string): Router {
  const decision: RouteDecision = referTo
    ? { route: 'default', target: { kind: 'queue', queueId }, referTo }
    : { route: 'default', target: { kind: 'queue', queueId } };
  return { resolve: () => decision };
}
