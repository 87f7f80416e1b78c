import type { Target } from './target.js';

/**
 * Stable reason codes for a fallback that did not end in a transfer. They reach the HTTP status API, the
 * dashboard (as the prefix of BullMQ's failedReason) and metrics labels: add, never rename.
 */
export const REASONS = {
  /** The job's data is not a FallbackJobData this worker understands. */
  payloadInvalid: 'payload.invalid',
  /** The deadline passed before a transfer could be made. */
  deadlinePassed: 'deadline.passed',
  /** The caller hung up (conversation not found, ended, or customer leg disconnected). */
  callEnded: 'call.ended',
  /** No connected bot/agent leg that may be replaced. */
  noReplaceableLeg: 'participant.not.found',
  /** The OAuth client lacks a permission (the detail names it). */
  forbidden: 'genesys.forbidden',
  /** The OAuth client id/secret were refused. */
  authFailed: 'genesys.auth.failed',
  /** Genesys refused the transfer request itself (bad queue, not connected, …); the detail has Genesys' code. */
  rejected: 'genesys.rejected',
  /** Transient errors went on until the attempts ran out. */
  attemptsExhausted: 'attempts.exhausted',
  /** Genesys accepted (202) but never showed the transfer within the confirmation window. */
  unconfirmed: 'transfer.unconfirmed',
} as const;

/** One of REASONS' values. */
export type ReasonCode = (typeof REASONS)[keyof typeof REASONS];

/** A job's return value when it completes (BullMQ `returnvalue`). */
export type FallbackResult =
  | {
      outcome: 'transferred';
      /** Epoch ms the transfer was confirmed. */
      at: number;
      target: Target;
      /** The replaced leg. */
      participantId: string;
      /** True when Genesys already showed the transfer (e.g. a retry after "accepted, reply lost"): no new POST. */
      alreadyTransferred: boolean;
      /** Genesys requests this job sent, for the requests-per-transfer budget. */
      genesysRequests: number;
      /** Which target of the route's chain took the call, when not the first (1 = the second). */
      step?: number;
      /** A callback was scheduled before the transfer (the queue's wait was above the route's limit). */
      callback?: boolean;
    }
  | { outcome: 'expired'; at: number; deadline: number; reason: typeof REASONS.deadlinePassed };

/** The state a client of the HTTP API sees. */
export type PublicStatus = 'queued' | 'active' | 'transferred' | 'failed' | 'expired';

/** Formats the message of a terminal error so BullMQ's failedReason starts with a stable code. */
export function formatFailure(reason: ReasonCode, detail?: string): string {
  return detail ? `${reason}: ${detail}` : reason;
}

/** Splits a failedReason written by formatFailure back into code and detail; anything else is `unknown`. */
export function parseFailure(failedReason: string | undefined): { reason: string; detail?: string } {
  if (!failedReason) return { reason: 'unknown' };
  const match = /^([a-z]+(?:\.[a-z]+)+)(?::\s*(.*))?$/s.exec(failedReason);
  if (!match) return { reason: 'unknown', detail: failedReason };
  return match[2] ? { reason: match[1]!, detail: match[2] } : { reason: match[1]! };
}

/**
 * Maps BullMQ's job state and result onto the public status. `waiting`, `delayed` (backing off) and
 * `prioritized` are all "queued" to a caller: the job is accepted and will run.
 */
export function toPublicStatus(state: string, result: FallbackResult | null | undefined): PublicStatus {
  switch (state) {
    case 'active':
      return 'active';
    case 'completed':
      return result?.outcome === 'expired' ? 'expired' : 'transferred';
    case 'failed':
      return 'failed';
    default:
      return 'queued';
  }
}
