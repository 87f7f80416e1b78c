import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  REASONS,
  formatFailure,
  type FallbackJobData,
  type FallbackResult,
  type ReasonCode,
} from '@fallback/core';
import {
  callOverReason,
  isGenesysApiError,
  pickLegToReplace,
  transferEvidence,
  type ConversationView,
  type GenesysApiError,
  type GenesysClient,
  type LegPolicy,
  type TransferStrategy,
} from '@fallback/genesys';
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
  /** Wait before the first confirming read (ms); 0 reads at once. */
  delayMs: number;
  /** Reads before giving up and reporting the transfer as unconfirmed (0 disables confirmation). */
  reads: number;
}

/** What the processor needs; everything injected, nothing global. */
export interface ProcessorDeps {
  genesys: Pick<GenesysClient, 'getConversation' | 'transfer'>;
  strategy: TransferStrategy;
  legPolicy: LegPolicy;
  confirm: ConfirmPolicy;
  log: Log;
  /** Pauses the whole queue (all workers, all processes) for `ms`: BullMQ's queue-wide rate limit. */
  rateLimitQueue: (ms: number) => Promise<void>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Outcome hook for metrics. */
  onOutcome?: (outcome: string, job: Job<FallbackJobData>) => void;
}

/** Fails a job for good with a stable reason code (BullMQ will not retry it). */
function fail(reason: ReasonCode, detail?: string): never {
  throw new UnrecoverableError(formatFailure(reason, detail));
}

const NOT_CONNECTED_CODES = new Set([
  'conversations.error.transfer.not.connected',
  'bad.request',
  'conversations.error.transfer.same.party',
]);

/**
 * The fallback job. Order matters and each step is there for a promise:
 * 1. refuse data we do not understand (no retry can fix it);
 * 2. expire a job past its deadline without calling Genesys (the caller is presumed gone);
 * 3. read the conversation first unless this is a first attempt that already knows the bot leg: transfers are not
 *    idempotent, so any retry (after a timeout, a 5xx, a crash) must see whether the last POST landed;
 * 4. finish without posting when the call is over or already moved;
 * 5. post the transfer, then confirm it by reading again: a 202 is "accepted", not "done".
 * Errors become BullMQ control flow: 429 → queue-wide pause + RateLimitError (no attempt consumed);
 * transient → rethrow (BullMQ backoff); permanent → UnrecoverableError with a reason a person understands.
 */
export function createFallbackProcessor(deps: ProcessorDeps) {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  return async function processFallback(job: Job<FallbackJobData>): Promise<FallbackResult> {
    const problem = validateJobData(job.data);
    if (problem) fail(REASONS.payloadInvalid, problem);
    const data = job.data;
    const log = deps.log.child({ jobId: job.id, conversationId: data.conversationId });
    let requests = 0;
    const expired = (): FallbackResult => {
      log.warn({ deadline: new Date(data.deadline).toISOString() }, 'fallback expired before transfer');
      return { outcome: 'expired', at: now(), deadline: data.deadline, reason: REASONS.deadlinePassed };
    };
    const read = async (): Promise<ConversationView> => {
      requests += 1;
      return deps.genesys.getConversation(data.conversationId);
    };
    const done = (participantId: string, alreadyTransferred: boolean): FallbackResult => ({
      outcome: 'transferred',
      at: now(),
      target: data.target,
      participantId,
      alreadyTransferred,
      genesysRequests: requests,
    });

    try {
      if (now() >= data.deadline) return expired();

      // attemptsStarted counts this start too: 1 means no earlier run can have posted anything.
      const firstStart = (job.attemptsStarted ?? 1) <= 1 && job.attemptsMade === 0;
      let participantId = data.participantId;
      if (!(firstStart && participantId)) {
        const view = await read();
        const over = callOverReason(view);
        if (over) fail(REASONS.callEnded, over);
        const evidence = transferEvidence(view, data.target, participantId ? { legId: participantId } : { since: data.receivedAt - 60_000 });
        if (evidence) {
          log.info({ evidence }, 'already transferred; not posting again');
          return done(participantId ?? 'unknown', true);
        }
        const leg = participantId
          ? view.participants.find((p) => p.id === participantId && p.state === 'connected') ?? pickLegToReplace(view, deps.legPolicy)
          : pickLegToReplace(view, deps.legPolicy);
        if (!leg) fail(REASONS.noReplaceableLeg, `no connected ${deps.legPolicy.purposes.join('/')} leg to replace`);
        participantId = leg.id;
      }
      if (now() >= data.deadline) return expired();

      try {
        requests += 1;
        await deps.genesys.transfer(data.conversationId, participantId!, data.target, deps.strategy);
      } catch (err) {
        // "Not connected" right after we saw the leg connected: the caller hung up or the leg moved. Look.
        if (isGenesysApiError(err) && err.kind === 'permanent' && err.code && NOT_CONNECTED_CODES.has(err.code)) {
          const view = await read();
          const over = callOverReason(view);
          if (over) fail(REASONS.callEnded, over);
          if (transferEvidence(view, data.target, { legId: participantId })) return done(participantId!, true);
        }
        throw err;
      }
      log.info({ participantId, target: data.target }, 'transfer accepted (202)');

      if (deps.confirm.reads > 0) {
        for (let i = 0; i < deps.confirm.reads; i += 1) {
          await sleep(deps.confirm.delayMs * 2 ** i);
          const view = await read();
          if (transferEvidence(view, data.target, { legId: participantId })) return done(participantId!, false);
          if (callOverReason(view)) fail(REASONS.callEnded, 'caller hung up before the transfer completed');
        }
        fail(REASONS.unconfirmed, `Genesys accepted the transfer of ${participantId} but did not show it after ${deps.confirm.reads} reads`);
      }
      return done(participantId!, false);
    } catch (err) {
      throw await toControlFlow(err, job, log);
    }
  };

  /** Maps an error onto what BullMQ should do with the job. */
  async function toControlFlow(err: unknown, job: Job<FallbackJobData>, log: Log): Promise<Error> {
    if (err instanceof UnrecoverableError || (err as Error)?.name === 'UnrecoverableError') {
      log.warn({ reason: (err as Error).message }, 'fallback failed permanently');
      return err as Error;
    }
    if (!isGenesysApiError(err)) {
      log.error({ err }, 'unexpected error in fallback job');
      return lastAttempt(job) ? new UnrecoverableError(formatFailure(REASONS.attemptsExhausted, (err as Error)?.message)) : (err as Error);
    }
    const e = err as GenesysApiError;
    const facts = { status: e.status, code: e.code, correlationId: e.correlationId, request: e.request };
    switch (e.kind) {
      case 'rate-limited':
        log.warn({ ...facts, retryAfterMs: e.retryAfterMs }, 'Genesys rate limit: pausing the queue');
        await deps.rateLimitQueue(e.retryAfterMs ?? 1000);
        return Worker.RateLimitError();
      case 'transient':
      case 'ambiguous':
        log.warn({ ...facts, kind: e.kind, attemptsMade: job.attemptsMade }, 'transient Genesys error; will retry');
        return lastAttempt(job) ? new UnrecoverableError(formatFailure(REASONS.attemptsExhausted, e.message)) : e;
      case 'gone':
        return new UnrecoverableError(formatFailure(REASONS.callEnded, e.message));
      case 'auth':
        log.error(facts, 'Genesys refused our credentials');
        return new UnrecoverableError(formatFailure(REASONS.authFailed, e.message));
      case 'forbidden':
        log.error({ ...facts, missingPermissions: e.missingPermissions }, 'OAuth client lacks a permission');
        return new UnrecoverableError(formatFailure(REASONS.forbidden, e.message));
      case 'permanent':
        log.error(facts, 'Genesys rejected the transfer');
        return new UnrecoverableError(formatFailure(REASONS.rejected, e.message));
    }
  }
}

/** True when this failure uses the job's last attempt: the error is made final with a reason code. */
function lastAttempt(job: Job): boolean {
  const attempts = job.opts.attempts ?? 1;
  return job.attemptsMade + 1 >= attempts;
}
