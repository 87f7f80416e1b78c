import { sha256Hex } from './hash.js';
import type { FailureEvent, FailureType } from './event.js';
import type { Target } from './target.js';

/** What a fallback job carries. Versioned so a worker can refuse data it does not understand. No ANI/DNIS: PII stays out of Redis. */
export interface FallbackJobData {
  v: 1;
  conversationId: string;
  participantId?: string;
  eventId?: string;
  dedupeKey: string;
  failureType: FailureType;
  source: string;
  /** Epoch ms the ingress accepted the event. */
  receivedAt: number;
  /** Epoch ms after which the caller is presumed gone: the job expires instead of calling Genesys. */
  deadline: number;
  target: Target;
  /** The route's next targets, tried in order when Genesys refuses the one before for good. */
  chain?: Target[];
  /**
   * A callback instead of a long queue wait: the threshold, the callback's queue, and the caller's number — the
   * only place the ANI is kept, and only for routes that offer callbacks.
   */
  callback?: { aboveSeconds: number; queueId?: string; number: string };
  /** Put why the bot gave up on the caller's participant data before the transfer. */
  agentContext?: boolean;
  /** Name of the routing rule that chose the target. */
  route: string;
  language?: string;
  bot?: FailureEvent['bot'];
  cognigy?: FailureEvent['cognigy'];
  attributes?: Record<string, string>;
  /**
   * Times a person retried this job from the dashboard after it was dead-lettered (absent: never). A retried job
   * starts with fresh attempt and start counts, so this is the only trace of its earlier runs: the worker reads
   * the call before posting instead of trusting what an earlier run saw.
   */
  retried?: number;
}

/**
 * The key a repeat of the same failure maps to. With an eventId: that id within its conversation (two senders
 * reusing a constant like "FLOW_ERROR" as an id for different calls must not collide). Without one: the
 * conversation and failure type, so a sender retrying a timed-out POST does not start a second transfer.
 *
 * `tenant` is the declared source that sent it: each source has its own key space, so a source that posts
 * another's conversation and event ids first creates its own job and cannot turn the other's real failure into a
 * "duplicate" of it. Undefined in single-tenant mode (one sender), which keeps the keys (and job ids) it always had.
 */
export function dedupeKeyOf(event: Pick<FailureEvent, 'conversationId' | 'eventId' | 'failureType'>, tenant?: string): string {
  const conversationId = event.conversationId.toLowerCase();
  const key = event.eventId !== undefined ? `${conversationId}|event|${event.eventId}` : `${conversationId}|type|${event.failureType ?? 'UNKNOWN'}`;
  // Source names never contain "|" (routes-file NAME), so a tenant's keys cannot collide with another's.
  return tenant === undefined ? key : `${tenant}|${key}`;
}

/** Deterministic BullMQ job id for a dedupe key: `fb-` + 32 hex chars of its SHA-256 (no `:` — BullMQ key-safe). */
export function jobIdOf(dedupeKey: string): string {
  return `fb-${sha256Hex(dedupeKey).slice(0, 32)}`;
}

/** True when a string has the shape jobIdOf produces; lets the status route reject junk without a Redis call. */
export function isJobId(value: string): boolean {
  return /^fb-[0-9a-f]{32}$/.test(value);
}
