import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MACHINE } from './proc.js';
import { BARE_RUN, type BenchResults, type SystemRun } from './results.js';
import { barChart, lineChart } from './svg.js';
import type { TargetRow } from './targets.js';

const n = (v: number | undefined, digits = 1) => (v !== undefined && Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a');
const verdict = (met: boolean | undefined) => (met === undefined ? '—' : met ? '**met**' : '**not met**');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n');

/** Side-by-side table of system runs: one column per run, one row per figure. */
export function compareRuns(runs: readonly SystemRun[]): string {
  const row = (label: string, f: (r: SystemRun) => string) => [label, ...runs.map(f)];
  const procs = [...new Set(runs.flatMap((r) => (r.resources ?? []).map((x) => x.name)))].filter((p) => p !== MACHINE);
  const rows = [
    row('failures sent (achieved rate)', (r) => `${r.sent} (${n(r.achievedRate, 0)}/s)`),
    row('answers to the sender', (r) => Object.entries(r.answers).map(([s, c]) => `${s === '0' ? 'none' : s}: ${c}`).join(', ')),
    row('answer time p50 / p99 (ms)', (r) => `${n(r.ackMs.p50, 2)} / ${n(r.ackMs.p99, 2)}`),
    row('time to transfer p50 / p95 / p99 (ms)', (r) => `${n(r.timeToTransferMs.p50, 0)} / ${n(r.timeToTransferMs.p95, 0)} / ${n(r.timeToTransferMs.p99, 0)}`),
    row('of which post→stored / queue wait / start→POST, p50 (p99)', (r) =>
      r.breakdownMs ? (['ingress', 'queued', 'worker'] as const).map((k) => `${n(r.breakdownMs![k].p50, 0)} (${n(r.breakdownMs![k].p99, 0)})`).join(' / ') : '—',
    ),
    ...(runs.some((r) => r.callers)
      ? [
          row('**callers moved before their deadline**', (r) => (r.callers ? `**${r.callers.movedBeforeDeadline} of ${r.callers.callers}**` : '—')),
          row('moved late / hung up waiting / **left on the dead bot**', (r) => (r.callers ? `${r.callers.movedLate} / ${r.callers.hungUp} / **${r.callers.leftOnBot}**` : '—')),
          row('**Genesys requests per moved caller**', (r) => (r.callers ? `**${n(r.callers.requestsPerMoved, 2)}**` : '—')),
        ]
      : []),
    row('transferred', (r) => `${r.ledger.transferred} of ${r.ledger.accepted}`),
    row('failed (reasons) / expired', (r) => `${r.ledger.failed}${r.failedReasons && Object.keys(r.failedReasons).length ? ` (${Object.entries(r.failedReasons).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''} / ${r.ledger.expired}`),
    row('lost / pending / duplicates', (r) => `${r.ledger.lost} / ${r.ledger.pending} / ${r.ledger.duplicates}`),
    row('ledger', (r) => (r.ledger.balanced ? 'balanced' : r.ledger.problems.join(', '))),
    row('Genesys API requests (429s)', (r) => `${r.genesys.apiRequests} (${r.genesys.rateLimited})`),
    row('… by endpoint', (r) => (r.genesys.byEndpoint ? Object.entries(r.genesys.byEndpoint).map(([k, v]) => `${k} ${v}`).join(', ') : '—')),
    row('early requests (before Retry-After)', (r) => String(r.genesys.early)),
    row('requests per transfer', (r) => n(r.genesys.perTransfer, 2)),
    row('admitted requests/min', (r) => n(r.genesys.admittedPerMinute, 0)),
    row('confirmed transfers/s', (r) => (r.transfersPerSec !== undefined ? n(r.transfersPerSec, 0) : '—')),
    row('Redis calls per job (top commands)', (r) =>
      r.redisCallsPerJob ? Object.entries(r.redisCallsPerJob).slice(0, 6).map(([k, v]) => `${k} ${v}`).join(', ') : '—',
    ),
    row('TCP connections the simulator accepted', (r) => (r.simConnections !== undefined ? String(r.simConnections) : '—')),
    row('first post → last outcome (s)', (r) => n(r.drainSec, 1)),
    ...procs.map((p) =>
      row(`${p}: CPU avg / peak % of a core; RSS at start → max MB`, (r) => {
        const x = r.resources?.find((y) => y.name === p);
        return x ? `${n(x.cpuPercent, 0)} / ${n(x.cpuPeakPercent, 0)}; ${n(x.rssStartMb, 0)} → ${n(x.rssMaxMb, 0)}` : '—';
      }),
    ),
    row('CPU of other work on the machine, avg % of a core (machine busy − the processes above)', (r) => {
      const m = r.resources?.find((y) => y.name === MACHINE);
      if (!m) return '—';
      const ours = (r.resources ?? []).filter((y) => y.name !== MACHINE).reduce((a, y) => a + (Number.isFinite(y.cpuPercent) ? y.cpuPercent : 0), 0);
      return `${n(Math.max(0, m.cpuPercent - ours), 0)} (machine ${n(m.cpuPercent, 0)} of 200)`;
    }),
  ];
  const configs = runs.map((r) => `- **${r.name}**: ${Object.entries(r.config).map(([k, v]) => `${k} ${v}`).join(' · ')}${r.notes?.length ? ` — ${r.notes.join('; ')}` : ''}`);
  return [table(['', ...runs.map((r) => r.name)], rows), '', ...configs].join('\n');
}

/** The overload scenario's table: what the sender felt under each burst and ingress setting. */
export function overloadSection(o: NonNullable<BenchResults['overload']>): string {
  const ms = (v: number) => n(v, 0);
  const rows = o.runs.map((x) => {
    const ok = x.statusCodes['202'] ?? 0;
    const shed = x.statusCodes['503'] ?? 0;
    const other = Object.entries(x.statusCodes).filter(([c]) => c !== '202' && c !== '503').map(([c, k]) => `${c}: ${k}`).join(', ');
    return [
      x.name,
      `${n(x.offered, 0)} in ${n(x.offered / x.offeredPerSec, 1)} s over ${x.config['connections']}`,
      n(ok, 0),
      `${n(shed, 0)} (${n((100 * shed) / x.offered, 0)} %)`,
      `${x.unanswered + x.lateAnswers}${other ? `; ${other}` : ''}`,
      `${ms(x.wireMs.p50)} / ${ms(x.wireMs.p99)} / ${ms(x.wireMs.max)}`,
      `${ms(x.answerMs.p50)} / ${ms(x.answerMs.p99)} / ${ms(x.answerMs.max)}`,
      `${ms(x.shedMs.p99)}`,
      n(x.lastAnswerSec, 2),
      (x.sheddingTrippedBy ?? []).join('; ') || '—',
      n(x.resources?.find((y) => y.name === 'server')?.cpuPercent, 0),
      n(x.loadAvg1, 2),
    ];
  });
  return [
    `An open-loop burst (requests sent on a schedule, not paced by the answers, as calls fail in an outage) on raw keep-alive sockets, one request per socket at a time; a request due while every socket is busy waits at the sender. "On the wire" is from when the request was written to its socket (what the ingress controls); "from due" adds the wait for a free socket (what the caller's flow feels). No answer = none, or one later than Cognigy's ${n(o.senderTimeoutMs / 1000, 0)} s timeout. Workers off; each run on an empty Redis.`,
    '',
    table(
      ['ingress', 'offered', '202', '503 overloaded', 'no answer in 8 s', 'on the wire p50 / p99 / max ms', 'from due p50 / p99 / max ms', '503 p99 ms', 'last answer s', 'shedding tripped by', 'ingress CPU %', 'load (1 min)'],
      rows,
    ),
  ].join('\n');
}

/** How the figures are made; printed with every report so a reader need not open the code. */
export const METHOD = [
  'Time to transfer: the sender logs when each POST leaves (epoch ms); the simulator logs when it receives the transfer request (its ledger); both run on this machine\'s clock and are matched by conversation id. Resolution 1 ms.',
  'The split of our time to transfer uses BullMQ\'s own timestamps: post → job stored (`timestamp`), stored → a worker started it (`processedOn`), started → the simulator received the transfer.',
  'Ledger: ours from BullMQ (completed jobs split by their result into transferred/expired, failed jobs with their reason code, anything else pending); the baseline has no queue, so a failure is transferred (the simulator applied it) or lost (the sender got a 500 or nothing, and nothing remembers it). Duplicates and early requests come from the simulator.',
  'The baseline is the tutorial\'s `ExecuteBotFallback` transcribed (bench/src/baseline.ts): inline in the webhook handler, `POST /api/v2/interactions` (served by the simulator only: it does not exist in Genesys Cloud), 3 retries at 500 ms doubling on 429/5xx, Retry-After ignored; a sender that hangs up (8 s, Cognigy\'s default timeout) cancels it like Go\'s request context.',
  'The simulator answers a request that arrives before its token\'s Retry-After with another 429 and a new Retry-After (at least 1 s from then): a client that keeps retrying early keeps itself blocked, which is what the tutorial does in the storm and outage runs.',
  'Requests per transfer = Genesys API requests (429s included, token requests excluded) ÷ conversations the simulator transferred. Outage runs also spend a read on each call that had already ended.',
  'Callers (outage): from the simulator\'s ledger, the same for both systems. A caller is moved by the first Complete transfer of the call (one applied after the caller hung up is Canceled); moved before the deadline if that was no later than the failure\'s send time + its ttl; hung up if the caller\'s hang-up time came before the deadline with nobody having moved them; otherwise left on the dead bot. Requests per moved caller = Genesys API requests (reads, analytics, POSTs, confirmations, 429s; token requests excluded) ÷ callers moved.',
  'CPU is read from /proc (% of one core; the machine has 2, so 200 % is all of it); "other work" is the machine\'s busy time less the processes sampled. Ingress and worker run as in production: `pnpm build` output on plain node (no tsx loader thread, which costs ~50 MB of RSS per process).',
];

/** The report's Markdown. */
export function renderMarkdown(r: BenchResults, targets: TargetRow[], findings: string[]): string {
  const m = r.machine;
  const out: string[] = [
    `# Benchmark report (${r.mode})`,
    '',
    `${r.startedAt} → ${r.finishedAt ?? '?'} · ${m.cpus} × ${m.cpuModel}, ${n(m.memGb, 0)} GB · Node ${m.node} · ${m.platform}`,
    `Load average at start ${m.loadAvgStart.map((x) => x.toFixed(2)).join(' / ')}, at end ${(m.loadAvgEnd ?? []).map((x) => x.toFixed(2)).join(' / ')} (1/5/15 min): the machine is shared, so every process here competed for 2 cores with other work.`,
    '',
    'Everything runs on this machine over loopback: a private `redis-server` (AOF `everysec`, `noeviction`), the Genesys simulator in its own process, the ingress and worker as the real apps (`pnpm build` output run by node, `LOG_LEVEL=info`), the tutorial baseline as its own process, and the load generator in the bench process.',
    '',
    '## Targets (issue 6)',
    '',
    table(['target', 'this run', 'verdict'], targets.map((t) => [t.target, t.figure, verdict(t.met)])),
    '',
  ];
  if (findings.length) out.push('## Findings', '', ...findings.map((f) => `- ${f}`), '');
  if (r.ingest) {
    out.push(
      '## 1. Ingest capacity',
      '',
      `autocannon 8 at ${r.ingest.connections.join(' and ')} connections, a distinct event per request, workers off. Each target starts on an empty Redis. The ingress runs with everything on: API-key auth, JSON and schema validation, dedupe, five routing rules, the per-source flood limit (on, never reached), the durable enqueue (AOF everysec).`,
      '',
      table(
        ['target', 'conns', 'accepted/s', 'vs bare', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'CPU % of a core: server / Redis / load generator / machine (of 200)', 'server CPU µs per request', 'RSS MB: server / Redis', 'load (1 min)'],
        r.ingest.runs.map((x) => {
          const cpu = (name: string) => n(x.resources?.find((y) => y.name === name)?.cpuPercent, 0);
          const rss = (name: string) => n(x.resources?.find((y) => y.name === name)?.rssMaxMb, 0);
          const bare = r.ingest!.runs.find((b) => b.connections === x.connections && b.name === BARE_RUN);
          return [
            x.name,
            String(x.connections),
            n(x.acceptedPerSec, 0),
            bare && bare !== x ? `${n(x.acceptedPerSec / bare.requestsPerSec, 2)}×` : '',
            n(x.latencyMs.p50, 2),
            n(x.latencyMs.p90, 2),
            n(x.latencyMs.p99, 2),
            n(x.latencyMs.max, 0),
            x.non2xx ? `${x.non2xx} (${Object.entries(x.statusCodes ?? {}).filter(([c]) => !c.startsWith('2')).map(([c, k]) => `${c}: ${k}`).join(', ')})` : '0',
            String(x.errors),
            `${cpu('server')} / ${cpu('redis')} / ${cpu('bench (load generator)')} / ${cpu(MACHINE)}`,
            n(((x.resources?.find((y) => y.name === 'server')?.cpuPercent ?? Number.NaN) * 10_000) / x.requestsPerSec, 0),
            `${rss('server')} / ${rss('redis')}`,
            n(x.loadAvg1, 2),
          ];
        }),
      ),
      '',
      `Ingress ÷ bare route: ${r.ingest.ratios.map((x) => `**${n(x.ratioToBare, 2)}×** at ${x.connections} connections`).join(', ')}. autocannon reports latency in whole milliseconds. CPU µs per request (the server's CPU time ÷ requests answered) depends far less on what else the machine runs than requests/s does.`,
      '',
      '![ingest throughput](ingest-throughput.svg) ![ingest latency](ingest-latency.svg)',
      '',
    );
  }
  if (r.ttt?.length) out.push('## 2, 5, 6. Time to transfer, the baseline beside it, resource use', '', compareRuns(r.ttt), '', '![time to transfer](ttt.svg) ![time to transfer over time](ttt-over-time.svg) ![resources](resources.svg)', '');
  if (r.throughput?.length) out.push('## Worker throughput (no rate limit)', '', compareRuns(r.throughput), '');
  if (r.storm?.length) out.push('## 3. 429 storm', '', compareRuns(r.storm), '', '![storm](storm.svg)', '');
  if (r.outage?.length) out.push('## 4. Bot outage', '', compareRuns(r.outage), '', '![outage timeline](outage-timeline.svg)', '');
  if (r.overload?.runs.length) out.push('## Overload: load shedding at the ingress (issue 15)', '', overloadSection(r.overload), '');
  out.push('## Method', '', ...METHOD.map((m) => `- ${m}`), '');
  if (r.errors.length) out.push('## Scenarios that failed to run', '', ...r.errors.map((e) => `- ${e.scenario}: ${e.error}`), '');
  return out.join('\n');
}

/** Writes report.md and the charts of `results` (with its targets and findings) into `dir`. */
export function writeReport(dir: string, results: BenchResults, targets: TargetRow[], findings: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'report.md'), renderMarkdown(results, targets, findings));
  for (const [name, svg] of Object.entries(renderCharts(results))) writeFileSync(path.join(dir, name), svg);
}

/** The report's charts (file name → SVG). */
export function renderCharts(r: BenchResults): Record<string, string> {
  const charts: Record<string, string> = {};
  if (r.ingest) {
    const runs = r.ingest.runs;
    const label = (x: (typeof runs)[number]) => `${x.name} @${x.connections}`;
    charts['ingest-throughput.svg'] = barChart({ title: 'Ingest: accepted requests per second', yLabel: 'requests/s', categories: runs.map(label), series: [{ name: 'accepted/s', values: runs.map((x) => x.acceptedPerSec) }] });
    charts['ingest-latency.svg'] = barChart({
      title: 'Ingest latency (autocannon)',
      yLabel: 'ms',
      categories: runs.map(label),
      series: (['p50', 'p90', 'p99'] as const).map((p) => ({ name: p, values: runs.map((x) => x.latencyMs[p]) })),
    });
  }
  if (r.ttt?.length) {
    charts['ttt.svg'] = barChart({
      title: 'Time to transfer: POST → simulator receives the transfer',
      yLabel: 'ms',
      categories: r.ttt.map((x) => x.name),
      series: (['p50', 'p95', 'p99'] as const).map((p) => ({ name: p, values: r.ttt!.map((x) => x.timeToTransferMs[p]) })),
    });
    const oursRuns = r.ttt.filter((x) => x.system === 'ours');
    charts['ttt-over-time.svg'] = lineChart({
      title: 'Time to transfer of each failure, by when it was sent',
      xLabel: 's since the first post',
      yLabel: 'ms',
      series: oursRuns.map((x) => ({ name: x.name, points: x.tttSeries ?? [] })),
    });
    charts['resources.svg'] = barChart({
      title: 'Peak RSS per process during the steady-rate runs',
      yLabel: 'MB',
      categories: oursRuns.map((x) => x.name),
      series: ['ingress', 'worker', 'simulator', 'redis'].map((p) => ({ name: p, values: oursRuns.map((x) => x.resources?.find((y) => y.name === p)?.rssMaxMb ?? Number.NaN) })),
    });
  }
  if (r.storm?.length) {
    charts['storm.svg'] = barChart({
      title: '429 storm: ours vs the tutorial',
      yLabel: 'count',
      categories: ['transferred', 'lost', 'early requests', 'duplicates'],
      series: r.storm.map((x) => ({ name: x.name, values: [x.ledger.transferred, x.ledger.lost, x.genesys.early, x.ledger.duplicates] })),
    });
  }
  if (r.outage?.length) {
    charts['outage-timeline.svg'] = lineChart({
      title: 'Bot outage: calls transferred over time',
      xLabel: 's since the first failure',
      yLabel: 'transferred',
      series: r.outage.map((x) => ({ name: x.name, points: [[0, 0], ...(x.timeline ?? [])] })),
    });
  }
  return charts;
}
