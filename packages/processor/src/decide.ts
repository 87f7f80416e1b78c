import type { Target } from '@fallback/core';
import { callOverReason, chooseLeg, transferState, type ConversationView, type LegPolicy } from '@fallback/genesys';

/**
 * The decisions of a fallback job, as pure functions of what Genesys showed (a conversation view) and what the job
 * knows (its claim, its clock). The processor only carries them out. Each is tested as a table whose rows read
 * like the scenarios they serve (S4 accepted-reply-lost, S11 stale leg, S12 Pending→Failed, S13 a person on the
 * call, S14 a slow Genesys, S17 the outage).
 */

/** What to do before any POST of this job may have landed. */
export type BeforePost =
  /** The call was already moved (by an earlier event's job, a person, Genesys): finish transferred, post nothing. */
  | { do: 'finish-transferred'; evidence: string }
  /** The caller hung up. */
  | { do: 'call-ended'; reason: string }
  /** Someone's transfer is Pending/Active: wait and look again, never post on top of it. */
  | { do: 'wait'; evidence: string }
  /** Move this leg. */
  | { do: 'post'; legId: string; why: string }
  /** Analytics trails the live state: what it did not show needs a direct read before deciding. */
  | { do: 'read-live'; why: string }
  /** No leg may be replaced (no bot leg, or only people). */
  | { do: 'no-leg'; why: string };

/** What the job knows when it looks at the call before posting. */
export interface LookInput {
  target: Target;
  policy: LegPolicy;
  /** The leg an earlier run chose, the event's participantId, when the failure came in. */
  savedLeg?: string;
  hintLeg?: string;
  failedAt: number;
  /** Legs Genesys refused a POST for in this run (never posted to twice). */
  refused?: ReadonlySet<string>;
}

/**
 * Before posting (S11, S13): the leg is chosen from what Genesys shows, the event's participantId being only a
 * hint; evidence that the call moved wins over a hang-up that came after it.
 */
export function decideBeforePost(view: ConversationView, input: LookInput): BeforePost {
  const choice = chooseLeg(view, input.policy, {
    ...(input.savedLeg !== undefined && !input.refused?.has(input.savedLeg) ? { savedId: input.savedLeg } : {}),
    ...(input.hintLeg !== undefined ? { hintId: input.hintLeg } : {}),
    failedAt: input.failedAt,
  });
  if (choice.kind === 'transferred') return { do: 'finish-transferred', evidence: choice.evidence };
  const legId = choice.kind === 'leg' ? choice.leg.id : undefined;
  // With the bot leg known, a move is anything after it joined; without, anything after the failure.
  const moved = transferState(view, input.target, legId ? { legId, since: 0 } : { since: input.failedAt });
  if (moved.status === 'done') return { do: 'finish-transferred', evidence: moved.evidence };
  const over = callOverReason(view);
  if (over) return { do: 'call-ended', reason: over };
  if (moved.status === 'in-progress') return { do: 'wait', evidence: moved.evidence };
  if (choice.kind === 'none') return view.source === 'analytics' ? { do: 'read-live', why: 'analytics shows no live bot leg' } : { do: 'no-leg', why: choice.why };
  if (input.refused?.has(choice.leg.id)) {
    // Genesys refused this very leg although the view shows it connected: a lagging view, or a real refusal.
    return view.source === 'analytics' ? { do: 'read-live', why: `analytics still shows refused leg ${choice.leg.id} live` } : { do: 'no-leg', why: `Genesys refused leg ${choice.leg.id} and no other bot leg is live` };
  }
  return { do: 'post', legId: choice.leg.id, why: choice.why };
}

/** What the job's claim says about its POST. */
export interface PostedState {
  /** The leg posted. */
  leg: string;
  /** Epoch ms the POST was allowed to leave. */
  at: number;
  /** Genesys answered 202. */
  accepted: boolean;
}

/** What to do once a POST of this job may have landed. */
export type AfterPost =
  | { do: 'finish-transferred'; evidence: string }
  | { do: 'call-ended'; reason: string }
  /** In progress (Pending/Active) or not visible yet: look again after `ms`. */
  | { do: 'wait'; ms: number; why: string }
  /** The transfer did not happen (Genesys gave it up, or the unanswered POST never landed): post again. */
  | { do: 'post-again'; why: string }
  /** A lagging analytics view is not enough: read the call directly. */
  | { do: 'read-live'; why: string }
  /** Genesys accepted (202) but shows nothing of it: no evidence either way. */
  | { do: 'not-seen'; why: string };

/** Settings of decideAfterPost. */
export interface AfterPostInput {
  target: Target;
  posted: PostedState;
  now: number;
  /** How far analytics is assumed to trail the live state (ms). */
  analyticsLagMs: number;
  /** Wait between looks at a transfer in progress (ms). */
  pendingPollMs: number;
}

/**
 * After a POST (S4, S12, S14): done only on evidence from fields Genesys has (docs/genesys-contract.md §5): the bot leg
 * ended by transfer, a leg for the target joined, or a Complete recent transfer since the POST. Pending/Active is
 * in progress, never done. Failed/Canceled/Timeout: post again. A live read that shows nothing of an UNANSWERED
 * POST (read only once it could no longer land) means it did not land: post again; of an ACCEPTED one, that
 * Genesys shows nothing (`not-seen`).
 */
export function decideAfterPost(view: ConversationView, input: AfterPostInput): AfterPost {
  const { posted } = input;
  const state = transferState(view, input.target, { legId: posted.leg, since: posted.at });
  if (state.status === 'done') return { do: 'finish-transferred', evidence: state.evidence };
  const over = callOverReason(view);
  if (over) return { do: 'call-ended', reason: over };
  if (state.status === 'in-progress') return { do: 'wait', ms: input.pendingPollMs, why: state.evidence };
  if (state.status === 'failed') return { do: 'post-again', why: `Genesys reports the transfer ${state.state}` };
  if (view.source === 'analytics') {
    const visibleAt = posted.at + input.analyticsLagMs + 1000;
    return input.now < visibleAt
      ? { do: 'wait', ms: visibleAt - input.now, why: 'analytics cannot show the transfer yet' }
      : { do: 'read-live', why: 'analytics does not show the transfer' };
  }
  if (!posted.accepted) return { do: 'post-again', why: 'the unanswered POST did not land' };
  return { do: 'not-seen', why: 'Genesys accepted the transfer but shows nothing of it' };
}

/**
 * How long a run must wait before it may read after an unanswered POST (S14): until the POST can no longer land
 * (`settleMs` after it left). The deadline does not shorten it: past the deadline no POST may follow anyway, so
 * waiting costs the caller nothing, and a read before the POST can no longer land could report "expired" for a
 * caller Genesys moves a moment later. 0: read now. An answered POST (202 or a refusal) needs no wait.
 */
export function settleWait(posted: PostedState, now: number, settleMs: number): number {
  if (posted.accepted) return 0;
  return Math.max(0, posted.at + settleMs - now);
}

/**
 * Whether a job refused a slot (a 429's Retry-After, or the budget) can still help its caller (S8, S17): a wait
 * that ends at or after the deadline expires the job now — the wait is never shortened, the request never sent
 * early — and spends nothing on a caller it cannot move in time.
 */
export function worthWaiting(now: number, waitMs: number, deadline: number): boolean {
  return now + waitMs < deadline;
}

/** How to confirm an accepted transfer: read soon and directly while the budget is free, else later in a batch. */
export type ConfirmPlan = { how: 'trust' } | { how: 'inline'; delaysMs: number[] } | { how: 'deferred'; afterMs: number };

/**
 * S17: while callers compete for the budget, every request spent on a confirmation is a caller not moved: defer it
 * until analytics can show the transfer, and read it in a batch at low priority. Otherwise confirm at once (one
 * read after `delayMs`, doubling), as a caller-facing latency matters more than a request.
 */
export function confirmPlan(opts: { reads: number; delayMs: number; pressure: boolean; analytics: boolean; analyticsLagMs: number }): ConfirmPlan {
  if (opts.reads === 0) return { how: 'trust' };
  if (opts.pressure && opts.analytics) return { how: 'deferred', afterMs: Math.max(opts.delayMs, opts.analyticsLagMs + 1000) };
  if (opts.pressure) return { how: 'deferred', afterMs: Math.max(opts.delayMs, 2000) };
  return { how: 'inline', delaysMs: Array.from({ length: opts.reads }, (_, i) => opts.delayMs * 2 ** i) };
}
