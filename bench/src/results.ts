import type { CallerFigures, LedgerCheck } from './ledger.js';
import type { ResourceUse } from './proc.js';
import type { Summary } from './stats.js';

/** One HTTP target measured with autocannon. */
export interface IngestRun {
  name: string;
  /** autocannon connections (each waits for its answer before the next request). */
  connections: number;
  /** The machine's 1-minute load average when the run ended (the machine is shared). */
  loadAvg1?: number;
  accepted: number;
  acceptedPerSec: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number;
  /** Answers by HTTP status (what the non-2xx were). */
  statusCodes?: Record<string, number>;
  errors: number;
  timeouts: number;
  durationSec: number;
  /** The server process (bare or ingress), Redis, the load generator and the whole machine during the run. */
  resources?: ResourceUse[];
}

/** The ingress target's name in the ingest scenario (targets and ratios look it up). */
export const INGRESS_RUN = 'ingress (everything on)';
/** The reference the ingest ratio is taken against. */
export const BARE_RUN = 'bare Fastify route';

/** Scenario 1. */
export interface IngestResult {
  /** The connection counts measured, in order. */
  connections: number[];
  runs: IngestRun[];
  /** Per connection count: ingress accepted/s ÷ bare route requests/s of the same count. */
  ratios: Array<{ connections: number; ratioToBare: number }>;
}

/** One ingress under the overload burst (issue 15 §5). */
export interface OverloadRun {
  name: string;
  config: Record<string, string | number>;
  offered: number;
  offeredPerSec: number;
  /** Answers by HTTP status. */
  statusCodes: Record<string, number>;
  /** No answer at all (socket closed, or none before the run gave up). */
  unanswered: number;
  socketErrors: number;
  /** Answered, but later than the sender's timeout: the sender saw no answer. */
  lateAnswers: number;
  /** Answer time from the scheduled send, all answers / 202 / 503, ms. */
  answerMs: Summary;
  acceptedMs: Summary;
  shedMs: Summary;
  /** Answer time from when the request was written to its socket (what the ingress controls), ms. */
  wireMs: Summary;
  /** Requests that waited at the sender for a free connection, and the longest such wait (ms). */
  waitedForConnection: number;
  maxConnectionWaitMs: number;
  /** From the first scheduled send to the last answer, s. */
  lastAnswerSec: number;
  /** What tripped the shedding, as the ingress logged it (once per 10 s episode): under-pressure's type and reading. */
  sheddingTrippedBy?: string[];
  loadAvg1: number;
  resources?: ResourceUse[];
}

/** The overload scenario. */
export interface OverloadResult {
  senderTimeoutMs: number;
  runs: OverloadRun[];
}

/** One system (ours or the baseline) under one load. */
export interface SystemRun {
  name: string;
  system: 'ours' | 'baseline';
  /** What was configured, in words (rates, limits, env). */
  config: Record<string, string | number>;
  sent: number;
  /** Answers to the sender by status (0 = no answer / sender timeout). */
  answers: Record<string, number>;
  achievedRate: number;
  ackMs: Summary;
  ledger: LedgerCheck;
  failedReasons?: Record<string, number>;
  timeToTransferMs: Summary;
  genesys: {
    apiRequests: number;
    admitted: number;
    rateLimited: number;
    early: number;
    tokenRequests: number;
    /** API requests by endpoint label (conversations/read, replace/queue, interactions, …). */
    byEndpoint?: Record<string, number>;
    /** API requests ÷ transfers the simulator applied. */
    perTransfer: number;
    /** Admitted (non-429) API requests per minute between the first and last API request. */
    admittedPerMinute: number;
  };
  /** Transfers the simulator applied (distinct conversations). */
  simTransfers: number;
  /** What the callers felt (moved before their deadline, …), from the simulator's ledger; runs with deadlines. */
  callers?: CallerFigures;
  /** Ours: confirmed transfers per second between the first job start and the last job end. */
  transfersPerSec?: number;
  /** From the first post to the last job's end (ours) or the last answer (baseline), s. */
  drainSec: number;
  resources?: ResourceUse[];
  /**
   * Ours: where the time to transfer goes, per conversation (ms): post → job stored (ingress), stored → a worker
   * started it (queue wait), started → the simulator received the transfer (reads, claim, POST).
   */
  breakdownMs?: { ingress: Summary; queued: Summary; worker: Summary };
  /** Time to transfer (ms) against when the failure was sent (s since the first post), thinned, for charts. */
  tttSeries?: Array<[number, number]>;
  /** Redis commands per acknowledged failure, by command (INFO commandstats; ingress, worker and bench polling). */
  redisCallsPerJob?: Record<string, number>;
  /** TCP connections the simulator accepted during the run (keep-alive working: about the client's concurrency). */
  simConnections?: number;
  /** Cumulative transfers over time (s since the first post), for charts. */
  timeline?: Array<[number, number]>;
  notes?: string[];
}

/** Everything a run measured. */
export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  mode: 'quick' | 'full';
  machine: { cpus: number; cpuModel: string; memGb: number; node: string; platform: string; loadAvgStart: number[]; loadAvgEnd?: number[] };
  ingest?: IngestResult;
  ttt?: SystemRun[];
  throughput?: SystemRun[];
  storm?: SystemRun[];
  outage?: SystemRun[];
  overload?: OverloadResult;
  errors: Array<{ scenario: string; error: string }>;
}
