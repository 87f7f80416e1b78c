import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { REASONS, formatFailure, type FallbackJobData, type FallbackResult, type ReasonCode } from '@fallback/core';
import { isEnded, isGenesysApiError, type ConversationView, type GenesysApiError, type LegPolicy, type RequestContext, type TransferStrategy } from '@fallback/genesys';
import type { ClaimResult, PostingRefusal } from '@fallback/queue';
import type { Target } from '@fallback/core';
import { confirmPlan, decideAfterPost, decideBeforePost, settleWait, worthWaiting, type LookInput, type PostedState } from './decide.js';
import { validateJobData } from './validate.js';

/** The logging surface the processor needs (pino's Logger satisfies it). */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Log;
}

/** Confirmation of an accepted (202) transfer. */
export interface ConfirmPolicy {
  /** Wait before the first confirming read (ms); doubles for each further read. */
  delayMs: number;
  /** Looks at an accepted transfer that shows nothing before reporting it unconfirmed (0 trusts the 202). */
  reads: number;
  /** How long after the deadline a transfer still in progress is watched before it is reported unconfirmed (ms). */
  graceMs: number;
}

/** The per-conversation claim (packages/queue ConversationClaims). */
export interface Claims {
  acquire(conversationId: string, job: string, ttlMs: number): Promise<ClaimResult>;
  markPosting(conversationId: string, job: string, lockToken: string, leg: string, now: number, ttlMs: number): Promise<PostingRefusal | undefined>;
  markAccepted(conversationId: string, job: string): Promise<void>;
  clearPosting(conversationId: string, job: string): Promise<void>;
  saveLeg(conversationId: string, job: string, leg: string): Promise<void>;
  finish(conversationId: string, job: string, ttlMs: number): Promise<void>;
  release(conversationId: string, job: string): Promise<void>;
  nextTarget(conversationId: string, job: string, step: number): Promise<void>;
  markCallback(conversationId: string, job: string): Promise<void>;
}

/** What a route may add to a transfer (issue 13): the next target of a chain, a callback, the agent's context. */
export type ExtraKind = 'next-target' | 'callback' | 'agent-context';
/** How it went: done; skipped (callers were waiting for the budget: the transfer comes first); not needed; failed. */
export type ExtraOutcome = 'done' | 'skipped' | 'not-needed' | 'failed';

/** The Genesys calls of a route's extras (GenesysClient satisfies it). */
export interface ExtrasPort {
  estimatedWaitSeconds(queueId: string, ctx?: RequestContext): Promise<number | undefined>;
  setParticipantAttributes(conversationId: string, participantId: string, attributes: Record<string, string>, ctx?: RequestContext): Promise<void>;
  createCallback(conversationId: string, participantId: string, command: { queueId?: string; callbackNumbers: string[]; data?: Record<string, string> }, ctx?: RequestContext): Promise<void>;
}

/** How the processor spends the Genesys request budget. */
export interface PacingPolicy {
  /** A job's first request may wait this long for a slot; beyond it the job goes back to the queue (ms). */
  firstRequestMaxWaitMs: number;
  /** Later requests of a job already under way may wait this long (bounded by the deadline before the POST) (ms). */
  inFlightMaxWaitMs: number;
}

/** Conversation reads: direct, or shared with other jobs (packages/processor ConversationReader). */
export interface Reader {
  live(conversationId: string, ctx: RequestContext): Promise<ConversationView>;
  batched(conversationId: string, ctx: RequestContext): Promise<ConversationView>;
  readonly usesAnalytics: boolean;
}

/** The transfer call (GenesysClient satisfies it). */
export interface TransferPort extends Partial<ExtrasPort> {
  transfer(conversationId: string, participantId: string, target: Target, strategy: TransferStrategy, ctx?: RequestContext): Promise<void>;
}

/** What the processor needs; everything injected, nothing global. */
export interface ProcessorDeps {
  genesys: TransferPort;
  reader: Reader;
  strategy: TransferStrategy;
  legPolicy: LegPolicy;
  confirm: ConfirmPolicy;
  pacing: PacingPolicy;
  claims: Claims;
  /**
   * After a POST that got no answer (timeout, reset, 5xx), how long from when it left until it can no longer land
   * (ms): nothing is read or decided before then (S14), so a slow Genesys applying it late is seen, not doubled.
   */
  settleMs: number;
  /** A POST must leave within this long of its claim mark, or it is not sent (S15: a process frozen between). */
  fenceMs: number;
  /** How far the analytics read is assumed to trail the live state (ms). */
  analyticsLagMs: number;
  /** How long a conversation claim outlives the job's deadline (ms). */
  claimTtlMs: number;
  /** How long a moved call's claim is kept, so later events of the call finish at once (ms). */
  doneTtlMs: number;
  /** Starts (BullMQ attemptsStarted, rate-limit hand-backs included) after which a job fails for good. */
  maxStarts: number;
  /** Stalls (its worker died or froze) after which a job fails for good. */
  maxStalls: number;
  /** POSTs one job may send before it gives up (each after evidence that the last one did not move the call). */
  maxPosts: number;
  /** True while callers compete for the budget (PacerGate.pressure): confirmations are then deferred and batched. */
  pressure: () => boolean;
  log: Log;
  /** Counts what happened to a route's extras (metrics). */
  onExtra?: (kind: ExtraKind, outcome: ExtraOutcome) => void;
  /** Pauses the whole queue (all workers, all processes) for `ms`: BullMQ's queue-wide rate limit. */
  rateLimitQueue: (ms: number) => Promise<void>;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Participant data for the agent and the IVR: why the bot gave up, and the event's own (validated) attributes. */
export function agentContext(d: FallbackJobData): Record<string, string> {
  return {
    ...(d.attributes ?? {}),
    fallbackReason: d.failureType,
    failureType: d.failureType,
    ...(d.bot?.flowName ? { botFlow: d.bot.flowName } : {}),
    fallbackRoute: d.route,
  };
}

/** Fails a job for good with a stable reason code (BullMQ will not retry it). */
function fail(reason: ReasonCode, detail?: string): never {
  throw new UnrecoverableError(formatFailure(reason, detail));
}

/** Aborted by a shutdown: hand the job back to the queue, untouched (no attempt used). */
class HandBack extends Error {
  override readonly name = 'HandBack';
}

/** This run no longer owns its job (its BullMQ lock passed to another run): touch nothing, send nothing. */
class LockLost extends Error {
  override readonly name = 'LockLost';
}

/**
 * An unanswered POST (S14): a failed attempt — retried with the usual backoff, but never before `notBefore`, when
 * the POST can no longer land. The worker's backoff strategy reads `notBefore`.
 */
export class SettleRetry extends Error {
  override readonly name = 'SettleRetry';
  constructor(
    message: string,
    readonly notBefore: number,
  ) {
    super(message);
  }
}

/** The job goes back to the delayed set until `at`, without using an attempt. */
class Later extends Error {
  override readonly name = 'Later';
  constructor(
    readonly at: number,
    readonly why: string,
  ) {
    super(why);
  }
}

/** Sleep that ends early (with HandBack) when the worker is shutting down. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason === 'lock-lost' ? new LockLost('lock lost') : new HandBack('shutting down'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason === 'lock-lost' ? new LockLost('lock lost') : new HandBack('shutting down'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Adds the Genesys correlation id to a failure detail, so the dashboard shows what to quote to Genesys support. */
function withCorrelation(e: GenesysApiError): string {
  return e.correlationId ? `${e.message} [inin-correlation-id ${e.correlationId}]` : e.message;
}

/**
 * The fallback job. Each run carries out the decisions of decide.ts against Genesys, the claim and BullMQ:
 * 1. refuse data we do not understand (no retry can fix it);
 * 2. claim the conversation — one job moves a call; a job that finds the call moved by another finishes at once,
 *    one that finds another job moving it waits, reading nothing;
 * 3. a run that finds its own earlier POST in the claim waits until that POST can no longer land (if unanswered),
 *    then reads and judges it: moved → transferred; Pending → wait; Failed or never landed → post again;
 * 4. otherwise: past the deadline → expired, posting nothing; else choose the leg (the saved one, the event's hint
 *    on a first start, or from a read shared with other jobs) and post — the POST fenced by the job's lock;
 * 5. confirm the 202: at once when the budget is free, deferred and batched when callers compete for it.
 * Errors become BullMQ control flow: a refused slot or a 429 → expired when the wait reaches past the deadline,
 * else the queue pauses (RateLimitError, no attempt used); transient → capped, jittered, deadline-bound backoff;
 * permanent → UnrecoverableError with a reason a person understands; shutdown → back to the queue untouched; a
 * lost lock → nothing at all (another run owns the job).
 */
export function createFallbackProcessor(deps: ProcessorDeps) {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? abortableSleep;

  return async function processFallback(job: Job<FallbackJobData>, token?: string, signal?: AbortSignal): Promise<FallbackResult> {
    const problem = validateJobData(job.data);
    if (problem) fail(REASONS.payloadInvalid, problem);
    const run = new Run(deps, job, token, signal, now, sleep);
    try {
      return await run.execute();
    } catch (err) {
      const hopeless = await run.expireIfHopeless(err);
      if (hopeless) return hopeless;
      throw await run.toControlFlow(err);
    }
  };
}

/** One run of one job. */
class Run {
  private readonly data: FallbackJobData;
  private readonly jobId: string;
  private readonly log: Log;
  private requests = 0;
  /** This job holds the conversation's claim. */
  private claimed = false;
  /** A POST of this job may have landed (from the claim, or sent in this run). */
  private posted: PostedState | undefined;
  /** POSTs of this job Genesys accepted (202), each of which it then reported failed. */
  private posts = 0;
  private savedLeg: string | undefined;
  /** The leg chosen in this run is not in the claim yet (no POST marked it). */
  private legUnsaved = false;
  /** Which target of the route's chain this job is at. */
  private step = 0;
  /** A callback was scheduled for this call. */
  private callbackDone = false;
  private readonly refused = new Set<string>();
  /** Reads of an accepted transfer that showed nothing (this run). */
  private unseen = 0;

  constructor(
    private readonly deps: ProcessorDeps,
    private readonly job: Job<FallbackJobData>,
    private readonly token: string | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly now: () => number,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  ) {
    this.data = job.data;
    this.jobId = job.id!;
    this.log = deps.log.child({ jobId: job.id, conversationId: job.data.conversationId });
  }

  private get cid(): string {
    return this.data.conversationId;
  }

  /** The route's targets in order: the first, then its chain. */
  private get targets(): Target[] {
    return [this.data.target, ...(this.data.chain ?? [])];
  }

  /** The target this job moves the caller to now. */
  private get target(): Target {
    return this.targets[Math.min(this.step, this.targets.length - 1)]!;
  }

  /** Moves on to the next target of the chain, if there is one. */
  private async nextTarget(why: string): Promise<boolean> {
    if (this.step + 1 >= this.targets.length) return false;
    this.step += 1;
    this.posted = undefined;
    this.posts = 0;
    await this.deps.claims.nextTarget(this.cid, this.jobId, this.step);
    this.log.warn({ step: this.step, target: this.target, why }, 'moving on to the next target of the route');
    this.deps.onExtra?.('next-target', 'done');
    return true;
  }

  private untilDeadline(): number {
    return this.data.deadline - this.now();
  }

  private claimTtl(): number {
    return Math.max(0, this.untilDeadline()) + this.deps.confirm.graceMs + this.deps.claimTtlMs;
  }

  async execute(): Promise<FallbackResult> {
    const d = this.data;
    const starts = this.job.attemptsStarted ?? 1;
    const stalls = (this.job as { stalledCounter?: number }).stalledCounter ?? 0;
    const worn = starts > this.deps.maxStarts ? `started ${starts} times` : stalls > this.deps.maxStalls ? `stalled ${stalls} times (its worker died or froze)` : undefined;

    const claim = await this.deps.claims.acquire(this.cid, this.jobId, this.claimTtl());
    if (!claim.ok) return this.anotherJob(claim, worn);
    this.claimed = true;
    if (claim.done) return this.transferred(claim.leg ?? d.participantId ?? 'unknown', true);
    this.savedLeg = claim.leg;
    this.posts = claim.posts;
    this.step = claim.step;
    this.callbackDone = claim.callback;
    if (claim.postedAt !== undefined && claim.leg !== undefined) this.posted = { leg: claim.leg, at: claim.postedAt, accepted: claim.accepted };

    if (worn) {
      // A final failure may only be declared once we know whether a POST of ours moved the caller.
      if (this.posted) return this.afterPost({ final: worn });
      return this.failFinal(REASONS.attemptsExhausted, worn);
    }
    if (this.posted) return this.afterPost();
    if (this.untilDeadline() <= 0) return this.expired();
    return this.beforePost();
  }

  // ---- another job holds the call --------------------------------------------------------------------------

  private async anotherJob(claim: ClaimResult, worn: string | undefined): Promise<FallbackResult> {
    if (claim.done) {
      this.log.info({ holder: claim.holder }, 'another job of this call moved it; nothing to do');
      return this.transferred(claim.leg ?? this.data.participantId ?? 'unknown', true);
    }
    if (worn) fail(REASONS.attemptsExhausted, worn);
    if (this.untilDeadline() <= 0) return this.expired();
    // No Genesys request: the holder decides. Look at the claim (one Redis call) again in a second.
    const at = Math.min(this.now() + 1000, this.data.deadline);
    this.log.debug({ holder: claim.holder, until: new Date(at).toISOString() }, 'another job holds this conversation; waiting');
    throw new Later(at, `conversation claimed by ${claim.holder}`);
  }

  // ---- before any POST of ours may have landed ------------------------------------------------------------

  private async beforePost(): Promise<FallbackResult> {
    const d = this.data;
    // Nothing was ever sent for this job (a hand-back before sending changes nothing) and no person replayed it:
    // the event's participantId saves the first read — a POST to a stale leg is refused, then the call is read.
    const untouched = this.posts === 0 && !d.retried;
    // A route with extras (the agent's context, a callback) needs the call read first, when the budget allows it.
    const extras = (d.agentContext || d.callback) && !this.deps.pressure();
    if (this.savedLeg === undefined && d.participantId !== undefined && untouched && !extras) return this.post(d.participantId, true);
    if (this.savedLeg !== undefined && !d.retried) return this.post(this.savedLeg, false);
    return this.lookAndPost(false, true);
  }

  /** What decideBeforePost needs besides the view. */
  private lookInput(): LookInput {
    return {
      target: this.target,
      policy: this.deps.legPolicy,
      ...(this.savedLeg !== undefined ? { savedLeg: this.savedLeg } : {}),
      ...(this.data.participantId !== undefined ? { hintLeg: this.data.participantId } : {}),
      failedAt: this.data.receivedAt,
      refused: this.refused,
    };
  }

  /** Reads the call (shared, or directly) unless a view was just read, decides, and posts or finishes. */
  private async lookAndPost(live: boolean, first: boolean, seen?: ConversationView): Promise<FallbackResult> {
    const view = seen ?? (await this.read(live ? 'live' : 'batched', 'high', this.preTransferWait(first)));
    const verdict = decideBeforePost(view, this.lookInput());
    switch (verdict.do) {
      case 'finish-transferred':
        this.log.info({ evidence: verdict.evidence }, 'already transferred; not posting');
        return this.transferred(this.savedLeg ?? this.data.participantId ?? 'unknown', true);
      case 'call-ended':
        return this.failFinal(REASONS.callEnded, verdict.reason);
      case 'wait':
        this.log.info({ evidence: verdict.evidence }, 'a transfer of this call is in progress; looking again shortly');
        throw new Later(Math.min(this.now() + 1000, this.data.deadline), verdict.evidence);
      case 'read-live':
        if (live) return this.failFinal(REASONS.noReplaceableLeg, verdict.why);
        return this.lookAndPost(true, false);
      case 'no-leg':
        return this.failFinal(REASONS.noReplaceableLeg, verdict.why);
      case 'post':
        // Saved with the POST's mark (markPosting); a run that stops before its POST saves it then (toControlFlow).
        if (verdict.legId !== this.savedLeg) {
          this.savedLeg = verdict.legId;
          this.legUnsaved = true;
        }
        if (!this.posted && this.posts === 0) await this.extras(view);
        return this.post(verdict.legId, false);
    }
  }

  /** Requests before the POST must leave before the deadline; the first of a run may wait only briefly. */
  private preTransferWait(first: boolean): number {
    const left = Math.max(0, this.untilDeadline());
    // At most half the time left for a first request: under a backlog the POST waits about as long as the read
    // did, so a job that could only read before its deadline would spend a request for nothing.
    return first ? Math.min(this.deps.pacing.firstRequestMaxWaitMs, left / 2) : Math.min(this.deps.pacing.inFlightMaxWaitMs, left);
  }

  private async read(how: 'live' | 'batched', priority: 'high' | 'low', maxWaitMs: number): Promise<ConversationView> {
    this.checkAborted();
    const ctx: RequestContext = { priority, maxWaitMs };
    const view = how === 'live' ? await this.deps.reader.live(this.cid, ctx) : await this.deps.reader.batched(this.cid, ctx);
    this.requests += 1;
    return view;
  }

  // ---- the POST ------------------------------------------------------------------------------------------

  private async post(legId: string, blind: boolean): Promise<FallbackResult> {
    if (this.untilDeadline() <= 0) return this.expired();
    if (this.posts >= this.deps.maxPosts) return this.failFinal(REASONS.attemptsExhausted, `Genesys accepted ${this.posts} transfer requests and failed each`);
    this.checkAborted();
    let markedAt = 0;
    const ctx: RequestContext = {
      priority: 'high',
      maxWaitMs: blind ? this.preTransferWait(true) : Math.min(this.deps.pacing.inFlightMaxWaitMs, Math.max(0, this.untilDeadline())),
      beforeSend: async () => {
        this.checkAborted();
        const at = this.now();
        const refusal = this.token === undefined ? undefined : await this.deps.claims.markPosting(this.cid, this.jobId, this.token, legId, at, this.claimTtl());
        if (refusal === 'lock-lost') throw new LockLost('no POST: this run lost its job lock');
        if (refusal) throw new Later(this.now() + 1000, 'no POST: another job holds the call now');
        markedAt = this.now();
        this.posted = { leg: legId, at, accepted: false };
        this.legUnsaved = false;
      },
      fence: () => {
        // S15: the mark and the send must be one moment; a process frozen in between sends nothing.
        if (this.signal?.aborted) throw new LockLost('run aborted before the POST left');
        if (this.now() - markedAt > this.deps.fenceMs) throw new LockLost(`the POST did not leave within ${this.deps.fenceMs} ms of its mark`);
      },
    };
    try {
      await this.deps.genesys.transfer(this.cid, legId, this.target, this.deps.strategy, ctx);
      this.requests += 1;
    } catch (err) {
      return this.postFailed(err, legId);
    }
    this.posted = { leg: legId, at: this.posted?.at ?? this.now(), accepted: true };
    this.posts += 1;
    await this.deps.claims.markAccepted(this.cid, this.jobId);
    this.log.debug({ participantId: legId, target: this.target }, 'transfer accepted (202)');
    return this.confirm(legId);
  }

  private async postFailed(err: unknown, legId: string): Promise<FallbackResult> {
    // A fence that stopped the POST after its mark leaves the mark: whoever owns the job now waits it out.
    if (!isGenesysApiError(err)) throw err;
    if (err.status !== 0 || err.kind === 'ambiguous') this.requests += 1;
    // Everything but an unanswered send is proof the POST did not land: forget the mark.
    if (err.kind !== 'ambiguous' && this.posted && !this.posted.accepted) {
      this.posted = undefined;
      await this.deps.claims.clearPosting(this.cid, this.jobId).catch(() => undefined);
    }
    if (err.kind === 'leg-refused') {
      // S11: the named leg is not (or no longer) connected. Says nothing about the call: read it, decide again.
      this.refused.add(legId);
      this.log.info({ participantId: legId, code: err.code, status: err.status }, 'Genesys refused the leg; reading the call');
      return this.lookAndPost(true, false).catch((e: unknown) => {
        if ((e as Error)?.name === 'UnrecoverableError' && (e as Error).message.startsWith(REASONS.noReplaceableLeg))
          fail(REASONS.rejected, `${withCorrelation(err)} (and no other bot leg is live)`);
        throw e;
      });
    }
    if (err.kind === 'permanent' && (await this.nextTarget(`${err.code ?? err.status}: ${err.message}`))) {
      // Genesys refused this target for good (a queue that no longer exists, say): the route's next one.
      return this.post(legId, false);
    }
    if (err.kind === 'ambiguous') {
      // S14: it may land later. Read only once it can no longer land. The attempt counts (a Genesys that never
      // answers must end), but its retry waits for the settle time; the last attempt is judged before it fails.
      const wait = settleWait(this.posted ?? { leg: legId, at: this.now(), accepted: false }, this.now(), this.deps.settleMs);
      this.log.warn({ participantId: legId, status: err.status, code: err.code, correlationId: err.correlationId, waitMs: wait }, 'transfer unanswered; reading once it can no longer land');
      if (this.lastAttempt()) throw new Later(this.now() + Math.max(wait, 1), 'transfer unanswered (last attempt)');
      throw new SettleRetry(withCorrelation(err), this.now() + wait);
    }
    throw err;
  }

  // ---- a route's extras (issue 13 §2, §3) ----------------------------------------------------------------

  /**
   * Before the first POST, what the route asks beyond the transfer: the failure on the caller's participant data
   * (for Architect's Get Participant Data and the agent's script), and a callback when the queue's wait is above
   * the route's limit (then the chain's next target, if any, takes the call — e.g. a number whose flow says so).
   * Each costs a request: skipped while callers compete for the budget (the transfer comes first), and counted.
   * A failure here never stops the transfer.
   */
  private async extras(view: ConversationView): Promise<void> {
    const d = this.data;
    if (!d.agentContext && !d.callback) return;
    const customer = view.participants.find((l) => l.purpose === 'customer' && !isEnded(l));
    const skip = (kind: ExtraKind) => this.deps.onExtra?.(kind, 'skipped');
    if (this.deps.pressure() || !customer) {
      if (d.agentContext) skip('agent-context');
      if (d.callback && !this.callbackDone) skip('callback');
      return;
    }
    const ctx: RequestContext = { priority: 'high', maxWaitMs: Math.min(1000, Math.max(0, this.untilDeadline() / 4)) };
    const g = this.deps.genesys;
    if (d.agentContext && g.setParticipantAttributes) {
      try {
        await g.setParticipantAttributes(this.cid, customer.id, agentContext(d), ctx);
        this.requests += 1;
        this.deps.onExtra?.('agent-context', 'done');
      } catch (err) {
        this.extraFailed('agent-context', err);
      }
    }
    const target = this.target;
    if (d.callback && !this.callbackDone && target.kind === 'queue' && g.estimatedWaitSeconds && g.createCallback) {
      const queueId = d.callback.queueId ?? target.queueId;
      if (!queueId) return;
      try {
        const wait = target.queueId ? await g.estimatedWaitSeconds(target.queueId, ctx) : undefined;
        this.requests += 1;
        if (wait === undefined || wait <= d.callback.aboveSeconds) return void this.deps.onExtra?.('callback', 'not-needed');
        await g.createCallback(this.cid, customer.id, { queueId, callbackNumbers: [d.callback.number], data: { fallbackReason: d.failureType } }, ctx);
        this.requests += 1;
        this.callbackDone = true;
        await this.deps.claims.markCallback(this.cid, this.jobId);
        this.deps.onExtra?.('callback', 'done');
        this.log.info({ estimatedWaitSeconds: wait, limit: d.callback.aboveSeconds }, 'queue wait above the limit: callback scheduled');
        await this.nextTarget(`estimated wait ${wait} s above ${d.callback.aboveSeconds} s: callback scheduled`);
      } catch (err) {
        this.extraFailed('callback', err);
      }
    }
  }

  private extraFailed(kind: ExtraKind, err: unknown): void {
    const name = (err as Error)?.name;
    if (name === 'LockLost' || name === 'HandBack') throw err;
    this.deps.onExtra?.(kind, isGenesysApiError(err) && err.kind === 'rate-limited' && err.status === 0 ? 'skipped' : 'failed');
    this.log.warn({ kind, err: isGenesysApiError(err) ? err.toJSON() : String(err) }, 'a route extra failed; the transfer goes on');
  }

  // ---- after a POST ----------------------------------------------------------------------------------------

  private async confirm(legId: string): Promise<FallbackResult> {
    const plan = confirmPlan({
      reads: this.deps.confirm.reads,
      delayMs: this.deps.confirm.delayMs,
      pressure: this.deps.pressure(),
      analytics: this.deps.reader.usesAnalytics,
      analyticsLagMs: this.deps.analyticsLagMs,
    });
    if (plan.how === 'trust') return this.transferred(legId, false);
    if (plan.how === 'deferred') throw new Later(this.now() + plan.afterMs, 'confirmation deferred while callers wait');
    for (const delay of plan.delaysMs) {
      await this.sleep(delay, this.signal);
      const outcome = await this.judge(await this.read('live', 'low', this.deps.pacing.inFlightMaxWaitMs));
      if (outcome) return outcome;
    }
    // Still not conclusive: look again later, from the queue (the worker slot is not held meanwhile).
    throw new Later(this.now() + this.deps.confirm.delayMs * 2 ** this.deps.confirm.reads, 'transfer not confirmed yet');
  }

  /** True when this run's attempt is the job's last (BullMQ attempts). */
  private lastAttempt(): boolean {
    return this.job.attemptsMade + 1 >= (this.job.opts.attempts ?? 1);
  }

  /** A run that found its own earlier POST in the claim (or a `final` reason to stop, once the POST is judged). */
  private async afterPost(opts: { final?: string } = {}): Promise<FallbackResult> {
    const posted = this.posted!;
    // An unanswered POST on the job's last attempt: judged, and if it did not land, the job ends here.
    if (!posted.accepted && !opts.final && this.lastAttempt()) opts = { final: `${this.job.attemptsMade + 1} attempts, the last transfer request unanswered` };
    const wait = settleWait(posted, this.now(), this.deps.settleMs);
    // Even a final word waits until the POST can no longer land: a read before then could miss it landing late.
    if (wait > 0) throw new Later(this.now() + wait, 'an earlier transfer request may still land');
    // After an unanswered POST, or for a final word, the live state decides; an accepted one may share a read.
    const live = !posted.accepted || opts.final !== undefined || !this.deps.reader.usesAnalytics;
    const view = await this.read(live ? 'live' : 'batched', posted.accepted ? 'low' : 'high', this.deps.pacing.inFlightMaxWaitMs);
    const outcome = await this.judge(view, opts.final);
    if (outcome) return outcome;
    throw new Later(this.now() + Math.max(this.deps.confirm.delayMs, 1000), 'transfer not confirmed yet');
  }

  /** Acts on decideAfterPost; undefined: nothing conclusive, look again later. */
  private async judge(view: ConversationView, final?: string): Promise<FallbackResult | undefined> {
    const posted = this.posted!;
    const verdict = decideAfterPost(view, {
      target: this.target,
      posted,
      now: this.now(),
      analyticsLagMs: this.deps.analyticsLagMs,
      pendingPollMs: 1000,
    });
    const pastGrace = this.now() > this.data.deadline + this.deps.confirm.graceMs;
    switch (verdict.do) {
      case 'finish-transferred':
        this.log.debug({ evidence: verdict.evidence }, 'transfer confirmed');
        // Learned by reading, not from a 202 (an unanswered POST that landed): "already transferred".
        return this.transferred(posted.leg, !posted.accepted);
      case 'call-ended':
        return this.failFinal(REASONS.callEnded, `caller hung up before the transfer completed (${verdict.reason})`);
      case 'read-live':
        return this.judge(await this.read('live', posted.accepted ? 'low' : 'high', this.deps.pacing.inFlightMaxWaitMs), final);
      case 'wait':
        if (final) return this.failFinal(REASONS.attemptsExhausted, `${final}; ${verdict.why}`);
        if (pastGrace) return this.failFinal(REASONS.unconfirmed, `${verdict.why}, ${this.deps.confirm.graceMs / 1000} s past the deadline`);
        throw new Later(this.now() + verdict.ms, verdict.why);
      case 'post-again':
        this.posted = undefined;
        await this.deps.claims.clearPosting(this.cid, this.jobId);
        if (final) return this.failFinal(REASONS.attemptsExhausted, `${final}; ${verdict.why}`);
        if (this.untilDeadline() <= 0) return this.expired();
        // Failed twice at this target: the route's next one, if it has a chain.
        if (posted.accepted && this.posts >= 2) await this.nextTarget(`Genesys failed the transfer ${this.posts} times`);
        this.log.info({ participantId: posted.leg, why: verdict.why }, 'posting the transfer again');
        // The same leg if it is still the bot's (a Failed transfer leaves it connected); else choose again.
        return this.lookAndPost(view.source === 'live', false, view);
      case 'not-seen':
        this.unseen += 1;
        if (final) return this.failFinal(REASONS.attemptsExhausted, `${final}; ${verdict.why}`);
        if (this.unseen >= this.deps.confirm.reads || pastGrace)
          return this.failFinal(REASONS.unconfirmed, `Genesys accepted the transfer of ${posted.leg} but did not show it after ${this.unseen} reads`);
        return undefined;
    }
  }

  // ---- endings -------------------------------------------------------------------------------------------

  private async transferred(participantId: string, alreadyTransferred: boolean): Promise<FallbackResult> {
    if (this.claimed) await this.deps.claims.finish(this.cid, this.jobId, this.deps.doneTtlMs).catch(() => undefined);
    this.log.info({ participantId, alreadyTransferred, genesysRequests: this.requests }, 'transferred');
    return {
      outcome: 'transferred',
      at: this.now(),
      target: this.target,
      participantId,
      alreadyTransferred,
      genesysRequests: this.requests,
      ...(this.step > 0 ? { step: this.step } : {}),
      ...(this.callbackDone ? { callback: true } : {}),
    };
  }

  private async expired(): Promise<FallbackResult> {
    await this.releaseUnused();
    this.log.warn({ deadline: new Date(this.data.deadline).toISOString(), genesysRequests: this.requests }, 'fallback expired before transfer');
    return { outcome: 'expired', at: this.now(), deadline: this.data.deadline, reason: REASONS.deadlinePassed };
  }

  /** Frees the call for another job when nothing of ours may have landed. */
  private async releaseUnused(): Promise<void> {
    if (this.claimed && !this.posted) {
      this.claimed = false;
      await this.deps.claims.release(this.cid, this.jobId).catch(() => undefined);
    }
  }

  private async failFinal(reason: ReasonCode, detail: string): Promise<never> {
    await this.releaseUnused();
    fail(reason, detail);
  }

  private checkAborted(): void {
    if (!this.signal?.aborted) return;
    throw this.signal.reason === 'lock-lost' ? new LockLost('lock lost') : new HandBack('shutting down');
  }

  // ---- BullMQ control flow -------------------------------------------------------------------------------

  /**
   * A refused slot or a 429 whose wait reaches past the deadline, while nothing of ours may have landed: the
   * caller cannot be moved in time, so the job expires now — the wait is never shortened, nothing is sent early,
   * and no further request is spent on this caller (S8, S17).
   */
  async expireIfHopeless(err: unknown): Promise<FallbackResult | undefined> {
    if (!isGenesysApiError(err) || err.kind !== 'rate-limited' || this.posted) return undefined;
    if (worthWaiting(this.now(), err.retryAfterMs ?? 1000, this.data.deadline)) return undefined;
    return this.expired();
  }

  /** Maps an error onto what BullMQ should do with the job. */
  async toControlFlow(err: unknown): Promise<Error> {
    const { job, token, log } = this;
    // A leg chosen by a read but never posted to: the next run acts on the same leg.
    if (this.legUnsaved && this.claimed && this.savedLeg !== undefined) await this.deps.claims.saveLeg(this.cid, this.jobId, this.savedLeg).catch(() => undefined);
    const name = (err as Error)?.name;
    if (name === 'DelayedError' || name === 'WaitingError') return err as Error;
    if (name === 'LockLost') {
      // Another run owns the job now (S15): touch nothing.
      log.warn({ reason: (err as Error).message }, 'this run lost its job; leaving it to the run that holds it');
      return new WaitingError();
    }
    if (name === 'Later') {
      const later = err as Later;
      if (token) {
        await job.moveToDelayed(Math.max(later.at, this.now() + 1), token);
        return new DelayedError();
      }
      return new Error(later.why);
    }
    if (name === 'HandBack') {
      // Shutdown: back to wait without using an attempt; the next run reads before posting.
      if (token) await job.moveToWait(token);
      log.info({}, 'handed back to the queue (shutdown)');
      return new WaitingError();
    }
    if (name === 'SettleRetry') return this.retryOrExhaust((err as Error).message, err as SettleRetry);
    if (name === 'UnrecoverableError') {
      log.warn({ reason: (err as Error).message, genesysRequests: this.requests }, 'fallback failed permanently');
      return err as Error;
    }
    if (!isGenesysApiError(err)) {
      log.error({ err }, 'unexpected error in fallback job');
      return this.retryOrExhaust((err as Error)?.message ?? String(err));
    }
    const e = err as GenesysApiError;
    const facts = { status: e.status, code: e.code, correlationId: e.correlationId, request: e.request };
    switch (e.kind) {
      case 'rate-limited': {
        const ms = e.retryAfterMs ?? 1000;
        if (e.code === 'client.deferred' || this.posted) {
          // A confirmation waits its turn alone; the callers' requests go on.
          if (token) {
            await job.moveToDelayed(this.now() + ms, token);
            return new DelayedError();
          }
        }
        log.warn({ ...facts, retryAfterMs: ms }, e.status === 0 ? 'request budget used: pausing the queue' : 'Genesys 429: pausing the queue');
        await this.deps.rateLimitQueue(ms);
        return Worker.RateLimitError();
      }
      case 'transient':
      case 'ambiguous':
        log.warn({ ...facts, kind: e.kind, attemptsMade: job.attemptsMade }, 'transient Genesys error; will retry');
        return this.retryOrExhaust(withCorrelation(e));
      case 'gone':
        await this.releaseUnused();
        return new UnrecoverableError(formatFailure(REASONS.callEnded, withCorrelation(e)));
      case 'auth':
        await this.releaseUnused();
        log.error(facts, 'Genesys refused our credentials');
        return new UnrecoverableError(formatFailure(REASONS.authFailed, withCorrelation(e)));
      case 'forbidden':
        await this.releaseUnused();
        log.error({ ...facts, missingPermissions: e.missingPermissions }, 'OAuth client lacks a permission');
        return new UnrecoverableError(formatFailure(REASONS.forbidden, withCorrelation(e)));
      case 'leg-refused':
      case 'permanent':
        await this.releaseUnused();
        log.error(facts, 'Genesys rejected the request');
        return new UnrecoverableError(formatFailure(REASONS.rejected, withCorrelation(e)));
    }
  }

  private retryOrExhaust(detail: string, err?: Error): Error {
    // An attempt that may have posted keeps the claim; its next run reads first (afterPost).
    if (this.lastAttempt()) return new UnrecoverableError(formatFailure(REASONS.attemptsExhausted, detail));
    return err ?? new Error(detail);
  }
}
