/** How long the scenarios run: `quick` for development on a shared machine, `full` for the report. */
export type Mode = 'quick' | 'full';

/** The scenarios, in the order they run. */
export const SCENARIOS = ['ingest', 'ttt', 'throughput', 'storm', 'outage', 'overload'] as const;
/** One of SCENARIOS. */
export type Scenario = (typeof SCENARIOS)[number];

/** Parsed command line. */
export interface CliOptions {
  mode: Mode;
  scenarios: Scenario[];
  help: boolean;
  /** autocannon connection counts of the ingest scenario, each measured in turn (default 10 and 50). */
  connections: number[];
  /** Write V8 CPU profiles of the ingress and worker processes into the report directory. */
  profile: boolean;
}

/** What `--help` prints. */
export const USAGE = `pnpm bench [-- --quick] [--only ingest,ttt,throughput,storm,outage,overload]

  --quick       short runs (development; figures are indicative only)
  --connections LIST  autocannon connection counts for the ingest scenario, comma-separated (default 10,50)
  --profile     write V8 CPU profiles of ingress and worker (inspector, preloaded) to <report dir>/profiles/;
                summarise one with: pnpm --filter @fallback/bench profile <file.cpuprofile>
  --only LIST   run only these scenarios (comma-separated), e.g. --only ingest or --only=storm,outage
                ingest      1. ingest capacity of one ingress process vs a bare Fastify route (and one BullMQ add)
                ttt         2. time to transfer at 200/s and 1,000/s, 5. the tutorial baseline beside it, 6. RSS/CPU
                throughput  worker drain rate without a rate limit (confirmed transfers/s per worker process)
                storm       3. 429 storm with Retry-After, ours and the baseline
                outage      4. bot outage: 2,000 failures against 300 requests/min per OAuth client, 1 and 3 clients,
                               and the baseline
                overload    one ingress under a burst it cannot absorb (open loop), load shedding on and off:
                               answer times, 202 / 503 overloaded / no answer within Cognigy's 8 s
Reports go to bench/results/<date>-<mode>/ (report.md, results.json, *.svg) and bench/results/latest/;
pnpm --filter @fallback/bench report <dir> renders one again from its results.json.`;

/** Parses argv (without node and the script); throws naming an unknown flag or scenario. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const opts: CliOptions = { mode: 'full', scenarios: [...SCENARIOS], help: false, profile: false, connections: [10, 50] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') continue; // pnpm passes it through
    if (arg === '--quick') opts.mode = 'quick';
    else if (arg === '--full') opts.mode = 'full';
    else if (arg === '--help' || arg === '-h') opts.help = true;
    else if (arg === '--profile') opts.profile = true;
    else if (arg === '--connections' || arg.startsWith('--connections=')) {
      const list = (arg === '--connections' ? argv[++i] : arg.slice('--connections='.length)) ?? '';
      const counts = list.split(',').map((s) => Number(s.trim()));
      if (!list || counts.some((v) => !Number.isInteger(v) || v < 1 || v > 1000)) throw new Error('--connections needs integers 1-1000, comma-separated');
      opts.connections = counts;
    }
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!list) throw new Error('--only needs a comma-separated list of scenarios');
      const names = list.split(',').map((s) => s.trim()).filter(Boolean);
      for (const n of names) if (!(SCENARIOS as readonly string[]).includes(n)) throw new Error(`unknown scenario "${n}" (known: ${SCENARIOS.join(', ')})`);
      opts.scenarios = SCENARIOS.filter((s) => names.includes(s));
    } else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  return opts;
}
