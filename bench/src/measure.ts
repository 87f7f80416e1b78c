import { callerFigures, checkLedger, cumulative, duplicateConversations, tallyRequests, timesToTransfer, type LedgerCounts } from './ledger.js';
import type { LoadResult } from './load.js';
import type { ResourceUse } from './proc.js';
import type { SystemRun } from './results.js';
import { collectOutcomes, readCounters, waitForDrain, type BenchEnv, type Ours } from './stack.js';
import { maxOf, minOf, ratePerSecond, summarize } from './stats.js';

/** Redis calls per job by command, the most frequent first (commands under 0.05 per job left out). */
export function perJob(calls: Record<string, number>, jobs: number): Record<string, number> {
  if (jobs <= 0) return {};
  const total = Object.values(calls).reduce((a, b) => a + b, 0);
  const out: Record<string, number> = { total: Math.round((total / jobs) * 100) / 100 };
  for (const [cmd, n] of Object.entries(calls).sort((a, b) => b[1] - a[1])) if (n / jobs >= 0.05) out[cmd] = Math.round((n / jobs) * 100) / 100;
  return out;
}

/** What the simulator saw during a run, reduced to the figures both systems are compared on. */
async function simSide(env: BenchEnv, load: LoadResult, callersPlan?: RunLabels['callers']) {
  const [transfers, requests, stats] = await Promise.all([env.sim.transfers(), env.sim.requests(), env.sim.stats()]);
  const sentAt = new Map(load.sent.map((s) => [s.conversationId, s.sentAt]));
  const tally = tallyRequests(requests);
  const firstTransfer = new Map<string, number>();
  for (const t of transfers) if (!firstTransfer.has(t.conversationId)) firstTransfer.set(t.conversationId, t.at);
  const answers: Record<string, number> = {};
  for (const s of load.sent) answers[s.status] = (answers[s.status] ?? 0) + 1;
  const windowMin = (tally.lastAt - tally.firstAt) / 60_000;
  const series = load.sent
    .filter((x) => firstTransfer.has(x.conversationId))
    .map((x): [number, number] => [(x.sentAt - load.startedAt) / 1000, firstTransfer.get(x.conversationId)! - x.sentAt])
    .sort((a, b) => a[0] - b[0]);
  const apiRequests = stats.requests - (stats.byEndpoint['oauth/token'] ?? 0);
  const callers = callersPlan
    ? callerFigures(
        load.sent.map((x) => ({
          conversationId: x.conversationId,
          sentAt: x.sentAt,
          deadline: x.sentAt + callersPlan.ttlMs,
          ...(callersPlan.hangupAt.has(x.conversationId) ? { hangupAt: callersPlan.hangupAt.get(x.conversationId)! } : {}),
        })),
        transfers,
        apiRequests,
      )
    : undefined;
  return {
    answers,
    sentAt,
    firstTransfer,
    ...(callers ? { callers } : {}),
    tttSeries: series.filter((_, i) => i % Math.max(1, Math.ceil(series.length / 2000)) === 0),
    simTransfers: firstTransfer.size,
    duplicates: Math.max(stats.duplicateTransfers, duplicateConversations(transfers).length),
    timeToTransferMs: summarize(timesToTransfer(sentAt, transfers)),
    timeline: cumulative([...firstTransfer.values()], load.startedAt),
    genesys: {
      apiRequests: stats.requests - (stats.byEndpoint['oauth/token'] ?? 0),
      admitted: tally.admitted,
      rateLimited: stats.rateLimited,
      early: stats.earlyRequests,
      tokenRequests: stats.byEndpoint['oauth/token'] ?? 0,
      byEndpoint: Object.fromEntries(Object.entries(stats.byEndpoint).filter(([k]) => k !== 'oauth/token')),
      perTransfer: firstTransfer.size > 0 ? (stats.requests - (stats.byEndpoint['oauth/token'] ?? 0)) / firstTransfer.size : Number.NaN,
      admittedPerMinute: windowMin > 0 ? tally.admitted / windowMin : Number.NaN,
    },
  };
}

/** What a run's options say about it. */
interface RunLabels {
  name: string;
  config: SystemRun['config'];
  resources?: ResourceUse[];
  notes?: string[];
  /** Runs with deadlines: each caller's deadline (sent + ttl) and, if they hang up, when. */
  callers?: { ttlMs: number; hangupAt: ReadonlyMap<string, number> };
}

/** The figures both systems report the same way: what was sent, answered, and seen by the simulator. */
function sharedFigures(system: SystemRun['system'], opts: RunLabels, load: LoadResult, side: Awaited<ReturnType<typeof simSide>>, ledger: SystemRun['ledger'], simConnections: number) {
  return {
    name: opts.name,
    system,
    config: opts.config,
    sent: load.sent.length,
    answers: side.answers,
    achievedRate: load.achievedRate,
    ackMs: summarize(load.sent.map((s) => s.ms)),
    ledger,
    timeToTransferMs: side.timeToTransferMs,
    tttSeries: side.tttSeries,
    genesys: side.genesys,
    simTransfers: side.simTransfers,
    ...(side.callers ? { callers: side.callers } : {}),
    simConnections,
    timeline: side.timeline,
    ...(opts.resources ? { resources: opts.resources } : {}),
    ...(opts.notes ? { notes: opts.notes } : {}),
  };
}

/** Waits for our queue to drain, then reads BullMQ's outcomes and the simulator's ledger into one SystemRun. */
export async function measureOurs(
  env: BenchEnv,
  ours: Ours,
  load: LoadResult,
  opts: RunLabels & { drainTimeoutMs: number },
): Promise<SystemRun> {
  const accepted = load.sent.filter((s) => s.status === 202).length;
  await waitForDrain(ours.queue, accepted, opts.drainTimeoutMs);
  const counters = await readCounters(env);
  const { counts, jobs, reasons } = await collectOutcomes(ours.queue);
  const side = await simSide(env, load, opts.callers);
  const ledger = checkLedger({ accepted, ...counts, duplicates: side.duplicates } satisfies LedgerCounts);
  const started = jobs.map((j) => j.processedOn ?? Number.NaN).filter(Number.isFinite);
  const ended = jobs.map((j) => j.finishedOn ?? Number.NaN).filter(Number.isFinite);
  const transferredEnds = jobs.filter((j) => j.outcome === 'transferred' && j.finishedOn).map((j) => j.finishedOn!);
  const parts = { ingress: [] as number[], queued: [] as number[], worker: [] as number[] };
  for (const j of jobs) {
    const sent = j.conversationId ? side.sentAt.get(j.conversationId) : undefined;
    const moved = j.conversationId ? side.firstTransfer.get(j.conversationId) : undefined;
    if (sent === undefined || moved === undefined || j.addedAt === undefined || j.processedOn === undefined) continue;
    parts.ingress.push(j.addedAt - sent);
    parts.queued.push(j.processedOn - j.addedAt);
    parts.worker.push(moved - j.processedOn);
  }
  return {
    ...sharedFigures('ours', opts, load, side, ledger, counters.simConnections),
    failedReasons: reasons,
    redisCallsPerJob: perJob(counters.redisCalls, accepted),
    breakdownMs: { ingress: summarize(parts.ingress), queued: summarize(parts.queued), worker: summarize(parts.worker) },
    transfersPerSec: ratePerSecond(ledger.transferred, minOf(started), maxOf(transferredEnds)),
    drainSec: (maxOf(ended) - load.startedAt) / 1000,
  };
}

/**
 * The baseline's ledger: it has no queue, so a failure is either transferred (the simulator applied it) or lost
 * (the sender got a 500 or nothing, and no record of it remains anywhere).
 */
export async function measureBaseline(
  env: BenchEnv,
  load: LoadResult,
  opts: RunLabels,
): Promise<SystemRun> {
  const counters = await readCounters(env);
  const side = await simSide(env, load, opts.callers);
  const ledger = checkLedger({ accepted: load.sent.length, transferred: side.simTransfers, failed: 0, expired: 0, pending: 0, duplicates: side.duplicates });
  return { ...sharedFigures('baseline', opts, load, side, ledger, counters.simConnections), drainSec: (load.endedAt - load.startedAt) / 1000 };
}
