import { INGRESS_RUN, type BenchResults, type IngestRun, type SystemRun } from './results.js';

/** One target of issue 6, judged against this run's figures. */
export interface TargetRow {
  target: string;
  figure: string;
  /** undefined: the scenario that measures it did not run (or failed). */
  met: boolean | undefined;
}

const n = (v: number, digits = 1) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a');
const byName = (runs: SystemRun[] | undefined, name: string) => runs?.find((r) => r.name === name);

/** Judges a threshold; a NaN figure is never "met". */
export function judge(value: number, op: '>=' | '<=', limit: number): boolean {
  if (!Number.isFinite(value)) return false;
  return op === '>=' ? value >= limit : value <= limit;
}

/** Every target of issue 6 with this run's figure and verdict. */
export function evaluateTargets(r: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const add = (target: string, figure: string, met: boolean | undefined) => rows.push({ target, figure, met });
  const ingress = r.ingest?.runs.filter((x) => x.name === INGRESS_RUN) ?? [];
  const each = (f: (x: IngestRun) => string) => (ingress.length ? ingress.map((x) => `${f(x)} at ${x.connections}`).join('; ') : 'not run');
  const all = (ok: (x: IngestRun) => boolean) => (ingress.length ? ingress.every(ok) : undefined);
  add('ingest ≥ 12,000 accepted/s (one ingress, everything on, AOF everysec)', each((x) => `${n(x.acceptedPerSec, 0)}/s`), all((x) => judge(x.acceptedPerSec, '>=', 12_000)));
  add('ingest p99 ≤ 10 ms', each((x) => `${n(x.latencyMs.p99, 2)} ms (p50 ${n(x.latencyMs.p50, 2)} ms)`), all((x) => judge(x.latencyMs.p99, '<=', 10)));
  const ratios = r.ingest?.ratios ?? [];
  add(
    'ingest ≥ 0.35× the bare Fastify route (same run, each connection count; stretch 0.5×)',
    ratios.length ? ratios.map((x) => `${n(x.ratioToBare, 2)}× at ${x.connections}`).join('; ') : 'not run',
    ratios.length ? ratios.every((x) => judge(x.ratioToBare, '>=', 0.35)) : undefined,
  );

  const t1000 = byName(r.ttt, 'ours 1,000/s');
  const tPid = byName(r.ttt, 'ours 1,000/s + participantId');
  add('time to transfer p50 ≤ 3 ms at 1,000/s', t1000 ? `${n(t1000.timeToTransferMs.p50, 0)} ms (sent at ${n(t1000.achievedRate, 0)}/s)` : 'not run', t1000 && judge(t1000.timeToTransferMs.p50, '<=', 3));
  add('time to transfer p99 ≤ 10 ms at 1,000/s', t1000 ? `${n(t1000.timeToTransferMs.p99, 0)} ms` : 'not run', t1000 && judge(t1000.timeToTransferMs.p99, '<=', 10));

  const ourWorkers = (r.throughput ?? []).filter((x) => x.name.startsWith('our worker'));
  const best = ourWorkers.reduce<SystemRun | undefined>((b, x) => (!b || (x.transfersPerSec ?? 0) > (b.transfersPerSec ?? 0) ? x : b), undefined);
  add(
    'worker ≥ 1,000 confirmed transfers/s per process, no rate limit',
    ourWorkers.length ? ourWorkers.map((x) => `${x.name}: ${n(x.transfersPerSec ?? Number.NaN, 0)}/s`).join('; ') : 'not run',
    best && judge(best.transfersPerSec ?? Number.NaN, '>=', 1000),
  );
  add('≤ 3.0 Genesys requests per confirmed transfer', t1000 ? `${n(t1000.genesys.perTransfer, 2)}` : 'not run', t1000 && judge(t1000.genesys.perTransfer, '<=', 3));
  add('≤ 2.0 with participantId', tPid ? `${n(tPid.genesys.perTransfer, 2)}` : 'not run', tPid && judge(tPid.genesys.perTransfer, '<=', 2));

  const oursRuns = [...(r.ttt ?? []), ...(r.throughput ?? []), ...(r.storm ?? []), ...(r.outage ?? [])].filter((x) => x.system === 'ours');
  const early = oursRuns.reduce((s, x) => s + x.genesys.early, 0);
  const storm = byName(r.storm, 'ours, 429 storm');
  add('0 requests before a Retry-After elapsed', oursRuns.length ? `${early} (all our runs; storm: ${storm ? storm.genesys.early : 'not run'})` : 'not run', oursRuns.length ? early === 0 : undefined);

  // Issue 12: callers moved before their deadline in a bot outage, about one request per moved caller.
  const outage = (r.outage ?? []).filter((x) => x.system === 'ours');
  const runA = (suffix: string) => outage.find((x) => /^ours, \d+ in 2 s/.test(x.name) && x.name.endsWith(suffix));
  const runB = (suffix: string) => outage.find((x) => /^ours, \d+ in 1 s/.test(x.name) && x.name.endsWith(suffix));
  const moved = (x: SystemRun | undefined) => x?.callers?.movedBeforeDeadline ?? Number.NaN;
  const a1 = runA(', 1 client');
  const a3 = runA(', 3 clients');
  const b1 = runB(', 1 client');
  const full = r.mode === 'full';
  add('outage 2,000 in 2 s, 45 s deadline, 1 client, no participantId: ≥ 270 callers moved before their deadline', a1 ? `${moved(a1)} of ${a1.callers?.callers}` : 'not run', a1 && full ? judge(moved(a1), '>=', 270) : undefined);
  add('the same with 3 clients: ≥ 800', a3 ? `${moved(a3)} of ${a3.callers?.callers}` : 'not run', a3 && full ? judge(moved(a3), '>=', 800) : undefined);
  add(
    'outage 300 in 1 s, 1 client, 120 s deadline: all moved, none expired',
    b1 ? `${moved(b1)} moved of ${b1.callers?.callers}; ${b1.callers?.leftOnBot} left on the bot, ${b1.ledger.expired} expired` : 'not run',
    b1 && full ? moved(b1) === b1.callers?.callers && b1.ledger.expired === 0 : undefined,
  );
  // With the analytics permission (the runs without it read every call on its own: shown, not judged).
  const batched = outage.filter((x) => !x.name.endsWith('no analytics'));
  add(
    '≤ 1.3 Genesys requests per moved caller, reads and confirmations included (our outage runs with the analytics permission)',
    batched.length ? batched.map((x) => `${x.name.replace('ours, ', '')}: ${n(x.callers?.requestsPerMoved ?? Number.NaN, 2)}`).join('; ') : 'not run',
    batched.length ? batched.every((x) => judge(x.callers?.requestsPerMoved ?? Number.NaN, '<=', 1.3)) : undefined,
  );
  add('outage: 0 lost, 0 doubled, nothing pending (every run of ours)', outage.length ? outage.map((x) => `${x.ledger.lost}/${x.ledger.duplicates}/${x.ledger.pending}`).join('; ') : 'not run', outage.length ? outage.every((x) => x.ledger.lost === 0 && x.ledger.duplicates === 0 && x.ledger.pending === 0) : undefined);
  add(
    'confirmations still happen: every caller moved is confirmed transferred',
    outage.length ? outage.map((x) => `${x.ledger.transferred}/${(x.callers?.movedBeforeDeadline ?? 0) + (x.callers?.movedLate ?? 0)}`).join('; ') : 'not run',
    outage.length ? outage.every((x) => x.ledger.transferred >= (x.callers?.movedBeforeDeadline ?? 0) + (x.callers?.movedLate ?? 0)) : undefined,
  );
  const t20 = byName(r.ttt, 'ours 20/s');
  add('outside an outage: time to transfer p50 at 20/s no worse than before (4 ms at 200/s on 2026-11-25)', t20 ? `${n(t20.timeToTransferMs.p50, 0)} ms p50, ${n(t20.timeToTransferMs.p99, 0)} ms p99` : 'not run', t20 && judge(t20.timeToTransferMs.p50, '<=', 4));

  // Issue 15 §5: under an overload the ingress answers before the sender gives up, p99 under 1 s.
  const shipped = r.overload?.runs.find((x) => x.name.startsWith('shedding as shipped'));
  add(
    'overload (a burst ~3× what the ingress answers per second): answer time p99 < 1 s on the wire, nothing left unanswered in 8 s',
    shipped ? `${n(shipped.wireMs.p99, 0)} ms on the wire (${n(shipped.answerMs.p99, 0)} ms from due); ${shipped.unanswered + shipped.lateAnswers} unanswered; ${shipped.statusCodes['503'] ?? 0} shed` : 'not run',
    shipped && judge(shipped.wireMs.p99, '<=', 1000) && shipped.unanswered + shipped.lateAnswers === 0,
  );

  const rss = t1000?.resources?.filter((x) => x.name === 'ingress' || x.name === 'worker');
  add('RSS ≤ 150 MB per process at 1,000/s', rss?.length ? rss.map((x) => `${x.name} ${n(x.rssMaxMb, 0)} MB`).join(', ') : 'not run', rss?.length ? rss.every((x) => judge(x.rssMaxMb, '<=', 150)) : undefined);
  return rows;
}

/**
 * Observations the figures support on their own (ledger problems, early requests, the confirm-delay bound on
 * throughput); deeper analysis lives in the README's performance section.
 */
export function findings(r: BenchResults): string[] {
  const out: string[] = [];
  const all = [...(r.ttt ?? []), ...(r.throughput ?? []), ...(r.storm ?? []), ...(r.outage ?? [])];
  for (const x of all.filter((x) => x.system === 'ours' && !x.ledger.balanced)) out.push(`${x.name}: ledger does not balance (${x.ledger.problems.join(', ')})`);
  for (const x of all.filter((x) => x.system === 'ours' && x.genesys.early > 0)) out.push(`${x.name}: ${x.genesys.early} requests arrived before a Retry-After had elapsed`);
  for (const x of all.filter((x) => x.system === 'baseline')) {
    if (x.ledger.lost > 0 || x.genesys.early > 0)
      out.push(`${x.name}: the tutorial lost ${x.ledger.lost} of ${x.ledger.accepted} failures and sent ${x.genesys.early} requests before a Retry-After elapsed (${n(x.genesys.perTransfer, 2)} requests per transfer)`);
  }
  for (const x of (r.throughput ?? []).filter((t) => t.name.startsWith('our worker'))) {
    const c = Number(x.config['WORKER_CONCURRENCY']);
    if (Number.isFinite(c)) out.push(`${x.name}: ${n(x.transfersPerSec ?? Number.NaN, 0)} confirmed transfers/s; Little's law bound with the 250 ms confirm delay = ${n(c / 0.25, 0)}/s`);
  }
  return out;
}
