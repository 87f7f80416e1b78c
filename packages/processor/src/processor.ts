import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { REASONS, formatFailure, type FallbackJobData, type FallbackResult, type ReasonCode } from '@fallback/core';
import {
  callOverReason,
  isGenesysApiError,
  pickLegToReplace,
  transferEvidence,
  transferStatus,
  type ConversationView,
  type GenesysApiError,
  type LegPolicy,
  type TransferStrategy,
} from '@fallback/genesys';
import type { GenesysPort } from './paced-genesys.js';
import { validateJobData } from './validate.js';

/** The logging surface the processor needs (pino's Logger satisfies it). */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Log;
}

/** Confirmation of an accepted (202) transfer by reading the conversation again. */
export interface ConfirmPolicy {
  /** Wait before the first confirming read (ms); doubles for each further read. */
  delayMs: number;
  /** Reads before giving up and reporting the transfer as unconfirmed (0 trusts the 202). */
  reads: number;
}

/** The per-conversation claim (packages/queue ConversationClaims). */
export interface Claims {
  /** `posting`: an earlier run of the same job marked a POST as leaving (it may have landed). */
  acquire(conversationId: string, holder: string, ttlMs: number): Promise<{ ok: boolean; holder: string | null; posting: boolean }>;
  markPosting(conversationId: string, holder: string, ttlMs: number): Promise<boolean>;
  release(conversationId: string, holder: string): Promise<void>;
  stateOf(conversationId: string): Promise<{ holder: string; posting: boolean } | null>;
}

/** How the processor spends the Genesys request budget. */
export interface PacingPolicy {
  /** A job's first request may wait this long for a slot; beyond it the job goes back to the queue (ms). */
  firstRequestMaxWaitMs: number;
  /** Later requests of a job already under way may wait this long (bounded by the deadline before the POST) (ms). */
  inFlightMaxWaitMs: number;
}

/** What the processor needs; everything injected, nothing global. */
export interface ProcessorDeps {
  genesys: GenesysPort;
  strategy: TransferStrategy;
  legPolicy: LegPolicy;
  confirm: ConfirmPolicy;
  pacing: PacingPolicy;
  claims: Claims;
  /** How long a conversation claim outlives the job's deadline (ms): the job's runs find it until it is final. */
  claimTtlMs: number;
  /** Starts (BullMQ attemptsStarted, rate-limit hand-backs included) after which a job fails for good. */
  maxStarts: number;
  log: Log;
  /** Pauses the whole queue (all workers, all processes) for `ms`: BullMQ's queue-wide rate limit. */
  rateLimitQueue: (ms: number) => Promise<void>;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Fails a job for good with a stable reason code (BullMQ will not retry it). */
function fail(reason: ReasonCode, detail?: string): never {
  throw new UnrecoverableError(formatFailure(reason, detail));
}

/** Aborted by a shutdown: hand the job back to the queue, untouched (no attempt used). */
class HandBack extends Error {
  override readonly name = 'HandBack';
}

const NOT_CONNECTED_CODES = new Set(['conversations.error.transfer.not.connected', 'bad.request', 'conversations.error.transfer.same.party']);

/** Sleep that ends early (with HandBack) when the worker is shutting down. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new HandBack('shutting down'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new HandBack('shutting down'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Adds the Genesys correlation id to a failure detail, so the dashboard shows what to quote to Genesys support. */
function withCorrelation(e: GenesysApiError): string {
  return e.correlationId ? `${e.message} [inin-correlation-id ${e.correlationId}]` : e.message;
}

/**
 * The fallback job. Order matters and each step is there for a promise:
 * 1. refuse data we do not understand (no retry can fix it);
 * 2. expire a job past its deadline without calling Genesys (the caller is presumed gone);
 * 3. read the conversation first unless this is a first start that already knows the bot leg: transfers are not
 *    idempotent, so every retry (after a timeout, a 5xx, a crash, a lost lock) must see whether a POST landed;
 * 4. finish without posting when the call is over or already moved;
 * 5. claim the conversation (one POST in flight per call), post, then confirm by reading: 202 is not "done".
 * Errors become BullMQ control flow: 429 → the client is blocked for everyone and the queue pauses for the
 * Retry-After, RateLimitError (no attempt used); transient → rethrow (capped, jittered, deadline-bound backoff);
 * permanent → UnrecoverableError with a reason a person understands; shutdown → back to the queue untouched.
 */
export function createFallbackProcessor(deps: ProcessorDeps) {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? abortableSleep;

  return async function processFallback(job: Job<FallbackJobData>, token?: string, signal?: AbortSignal): Promise<FallbackResult> {
    const problem = validateJobData(job.data);
    if (problem) fail(REASONS.payloadInvalid, problem);
    const data = job.data;
    const holder = job.id!;
    const log = deps.log.child({ jobId: job.id, conversationId: data.conversationId });
    let requests = 0;
    // Claim state: held by this job (this run or an earlier one); and whether a POST may have left (this run, or
    // an earlier run of this job: it claimed before posting). While a POST may have landed, nothing is released
    // and nothing is decided without reading the conversation.
    let claimed = false;
    let mayHavePosted = false;
    const untilDeadline = () => data.deadline - now();
    const releaseUnused = async () => {
      if (claimed && !mayHavePosted) {
        claimed = false;
        await deps.claims.release(data.conversationId, holder).catch(() => undefined);
      }
    };
    const expired = async (): Promise<FallbackResult> => {
      await releaseUnused();
      log.warn({ deadline: new Date(data.deadline).toISOString(), genesysRequests: requests }, 'fallback expired before transfer');
      return { outcome: 'expired', at: now(), deadline: data.deadline, reason: REASONS.deadlinePassed };
    };
    const done = (participantId: string, alreadyTransferred: boolean): FallbackResult => {
      log.info({ participantId, alreadyTransferred, genesysRequests: requests }, 'transferred');
      return { outcome: 'transferred', at: now(), target: data.target, participantId, alreadyTransferred, genesysRequests: requests };
    };
    const checkShutdown = () => {
      if (signal?.aborted) throw new HandBack('shutting down');
    };
    // Requests before the POST must leave before the deadline. The first one of a run may wait only briefly, and
    // at most half the time left: under a backlog the POST waits about as long as the read did, so a job that
    // could only read before its deadline would spend a request (of ~5 per second per OAuth client) for nothing.
    const preTransferWait = (first: boolean) =>
      first
        ? Math.min(deps.pacing.firstRequestMaxWaitMs, Math.max(0, untilDeadline()) / 2)
        : Math.min(deps.pacing.inFlightMaxWaitMs, Math.max(0, untilDeadline()));
    const read = async (maxWaitMs: number): Promise<ConversationView> => {
      requests += 1;
      return deps.genesys.getConversation(data.conversationId, { maxWaitMs });
    };
    /** Reads the call and ends the job if it is over or already moved; else the leg to replace. */
    const look = async (maxWaitMs: number, participantId: string | undefined) => {
      const view = await read(maxWaitMs);
      const over = callOverReason(view);
      if (over) fail(REASONS.callEnded, over);
      const evidence = transferEvidence(view, data.target, participantId ? { legId: participantId } : { since: data.receivedAt - 60_000 });
      if (evidence) {
        log.info({ evidence }, 'already transferred; not posting again');
        return { done: done(participantId ?? 'unknown', true) };
      }
      const leg = participantId
        ? (view.participants.find((p) => p.id === participantId && p.state === 'connected') ?? pickLegToReplace(view, deps.legPolicy))
        : pickLegToReplace(view, deps.legPolicy);
      if (!leg) fail(REASONS.noReplaceableLeg, `no connected ${deps.legPolicy.purposes.join('/')} leg to replace`);
      return { leg };
    };

    try {
      if ((job.attemptsStarted ?? 1) > deps.maxStarts) fail(REASONS.attemptsExhausted, `started ${job.attemptsStarted} times`);
      if (untilDeadline() <= 0) {
        // Past the deadline nothing is posted; but if an earlier run of this job may have posted, find out.
        const state = await deps.claims.stateOf(data.conversationId);
        if (state?.holder === holder && state.posting) {
          mayHavePosted = true;
          const seen = await look(deps.pacing.inFlightMaxWaitMs, data.participantId).catch(() => undefined);
          if (seen?.done) return seen.done;
        }
        return await expired();
      }
      checkShutdown();

      // One job at a time moves a call. The claim also remembers, across runs and crashes, that this job may
      // have posted: a run that finds its own claim marked `posting` reads before anything else.
      const claim = await deps.claims.acquire(data.conversationId, holder, untilDeadline() + deps.claimTtlMs);
      if (!claim.ok) {
        // Another job is moving this call: see whether it already has, else look again shortly.
        const seen = await look(preTransferWait(true), data.participantId);
        if (seen.done) return seen.done;
        log.info({ holder: claim.holder }, 'another job holds this conversation; re-checking shortly');
        if (token) {
          await job.moveToDelayed(now() + 1000, token);
          throw new DelayedError();
        }
        throw new Error(`conversation claimed by ${claim.holder}`);
      }
      claimed = true;
      mayHavePosted = claim.posting;

      let participantId = data.participantId;
      let firstRequest = true;
      if (mayHavePosted || !participantId) {
        const seen = await look(preTransferWait(true), participantId);
        if (seen.done) return seen.done;
        participantId = seen.leg!.id;
        firstRequest = false;
      }
      if (untilDeadline() <= 0) return await expired();
      checkShutdown();

      // From here a POST may leave: mark it first, so any later run of this job (after a timeout, a crash or a
      // lost lock) reads before it posts (transfers are not idempotent).
      if (!mayHavePosted) await deps.claims.markPosting(data.conversationId, holder, untilDeadline() + deps.claimTtlMs);
      try {
        requests += 1;
        mayHavePosted = true;
        await deps.genesys.transfer(data.conversationId, participantId!, data.target, deps.strategy, {
          maxWaitMs: preTransferWait(firstRequest),
        });
      } catch (err) {
        if (isGenesysApiError(err) && err.kind === 'permanent' && err.code && NOT_CONNECTED_CODES.has(err.code)) {
          // "Not connected" right after we saw the leg connected: the caller hung up, or the leg moved. Look.
          const view = await read(deps.pacing.inFlightMaxWaitMs);
          const over = callOverReason(view);
          if (over) fail(REASONS.callEnded, over);
          if (transferEvidence(view, data.target, { legId: participantId })) return done(participantId!, true);
        }
        // Refused before it left (our pacer) or refused by Genesys for good: this POST did not land.
        if (isGenesysApiError(err) && (err.status === 0 ? err.kind === 'rate-limited' : ['permanent', 'forbidden', 'auth', 'gone', 'rate-limited'].includes(err.kind))) {
          mayHavePosted = claim.posting;
          await releaseUnused();
        }
        throw err;
      }
      log.debug({ participantId, target: data.target }, 'transfer accepted (202)');

      let last = 'not-seen';
      for (let i = 0; i < deps.confirm.reads; i += 1) {
        await sleep(deps.confirm.delayMs * 2 ** i, signal);
        const status = transferStatus(await read(deps.pacing.inFlightMaxWaitMs), data.target, { legId: participantId });
        last = status.status;
        if (status.status === 'confirmed') return done(participantId!, false);
        if (status.status === 'call-over') fail(REASONS.callEnded, `caller hung up before the transfer completed (${status.reason})`);
        if (status.status === 'failed') {
          // Genesys gave the transfer up (Canceled/Failed/Timeout): posting again is safe, on the next attempt.
          throw new Error(`Genesys reports the transfer ${status.state}; will post again`);
        }
      }
      if (last === 'in-progress') {
        // Accepted and moving, not done: the next attempt reads first and finishes without posting once it is.
        throw new Error(`transfer of ${participantId} still pending after ${deps.confirm.reads} reads`);
      }
      if (deps.confirm.reads > 0)
        fail(REASONS.unconfirmed, `Genesys accepted the transfer of ${participantId} but did not show it after ${deps.confirm.reads} reads`);
      return done(participantId!, false);
    } catch (err) {
      // The next slot (or the end of a Retry-After) is past the deadline: it cannot help this caller.
      if (isGenesysApiError(err) && err.kind === 'rate-limited' && !mayHavePosted && now() + (err.retryAfterMs ?? 1000) >= data.deadline)
        return await expired();
      // A final failure that posted nothing frees the call for another job; anything retryable keeps the claim.
      if ((err as Error)?.name === 'UnrecoverableError' || (isGenesysApiError(err) && !['rate-limited', 'transient', 'ambiguous'].includes(err.kind)))
        await releaseUnused();
      throw await toControlFlow(err, job, token, log, { requests });
    }
  };

  /** Maps an error onto what BullMQ should do with the job. */
  async function toControlFlow(
    err: unknown,
    job: Job<FallbackJobData>,
    token: string | undefined,
    log: Log,
    ctx: { requests: number },
  ): Promise<Error> {
    const name = (err as Error)?.name;
    if (name === 'DelayedError') return err as Error;
    if (name === 'HandBack') {
      // Shutdown: back to wait without using an attempt; the next run reads before posting.
      if (token) await job.moveToWait(token);
      log.info({}, 'handed back to the queue (shutdown)');
      return new WaitingError();
    }
    if (name === 'UnrecoverableError') {
      const reason = (err as Error).message;
      log.warn({ reason, genesysRequests: ctx.requests }, 'fallback failed permanently');
      return err as Error;
    }
    if (!isGenesysApiError(err)) {
      log.error({ err }, 'unexpected error in fallback job');
      return retryOrExhaust(job, (err as Error)?.message ?? String(err));
    }
    const e = err as GenesysApiError;
    const facts = { status: e.status, code: e.code, correlationId: e.correlationId, request: e.request };
    switch (e.kind) {
      case 'rate-limited': {
        const ms = e.retryAfterMs ?? 1000;
        log.warn({ ...facts, retryAfterMs: ms }, e.code === 'client.pacing' ? 'request budget used: pausing the queue' : 'Genesys 429: pausing the queue');
        await deps.rateLimitQueue(ms);
        return Worker.RateLimitError();
      }
      case 'transient':
      case 'ambiguous':
        log.warn({ ...facts, kind: e.kind, attemptsMade: job.attemptsMade }, 'transient Genesys error; will retry');
        return retryOrExhaust(job, withCorrelation(e));
      case 'gone':
        return new UnrecoverableError(formatFailure(REASONS.callEnded, withCorrelation(e)));
      case 'auth':
        log.error(facts, 'Genesys refused our credentials');
        return new UnrecoverableError(formatFailure(REASONS.authFailed, withCorrelation(e)));
      case 'forbidden':
        log.error({ ...facts, missingPermissions: e.missingPermissions }, 'OAuth client lacks a permission');
        return new UnrecoverableError(formatFailure(REASONS.forbidden, withCorrelation(e)));
      case 'permanent':
        log.error(facts, 'Genesys rejected the transfer');
        return new UnrecoverableError(formatFailure(REASONS.rejected, withCorrelation(e)));
    }
  }

  function retryOrExhaust(job: Job<FallbackJobData>, detail: string): Error {
    const attempts = job.opts.attempts ?? 1;
    return job.attemptsMade + 1 >= attempts ? new UnrecoverableError(formatFailure(REASONS.attemptsExhausted, detail)) : new Error(detail);
  }
}
