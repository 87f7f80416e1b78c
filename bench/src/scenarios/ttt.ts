import type { Mode } from '../cli.js';
import type { SystemRun } from '../results.js';
import type { BenchEnv } from '../stack.js';
import { runSystem } from './run.js';

/** A simulator that answers at once and never rate-limits: only our own path is measured. */
const FAST_SIM = { rateLimitPerMinute: 0, orgRateLimitPerMinute: 0, transferDelayMs: 0, latencyMs: 0 };

/**
 * Worker settings of the unpaced runs. The confirming read waits CONFIRM_DELAY_MS (250 ms) while the job holds a
 * concurrency slot, so by Little's law 1,000 jobs/s need ≥ 250 slots: the default 50 caps a worker at ~200/s.
 */
const UNPACED_WORKER = { GENESYS_REQUESTS_PER_MINUTE: '0', WORKER_CONCURRENCY: '500' };

/**
 * Scenario 2 (time to transfer), 5 (the baseline beside it, no faults) and 6 (resource use at the steady rate):
 * the delay from the POST leaving the sender to the simulator receiving the transfer request, matched by
 * conversation id between the sender's log and the simulator's ledger (same clock, ms resolution).
 */
export async function runTtt(env: BenchEnv, mode: Mode): Promise<SystemRun[]> {
  const seconds = mode === 'quick' ? 3 : 10;
  const ours = (name: string, rate: number, withParticipant: boolean) =>
    runSystem(env, {
      name,
      system: 'ours',
      sim: FAST_SIM,
      count: rate * seconds,
      ratePerSecond: rate,
      withParticipant,
      workerEnv: UNPACED_WORKER,
      warmup: Math.min(1000, rate),
      drainTimeoutMs: 60_000,
      config: { rate, seconds, participantId: withParticipant ? 'yes' : 'no', simulator: '0 ms, no rate limit', ...UNPACED_WORKER, CONFIRM_DELAY_MS: '250 (default)', 'warm-up': `${Math.min(1000, rate)} failures first, not measured` },
    });
  const baseline = (name: string, rate: number) =>
    runSystem(env, { name, system: 'baseline', sim: FAST_SIM, count: rate * seconds, ratePerSecond: rate, drainTimeoutMs: 0, config: { rate, seconds, simulator: '0 ms, no rate limit' } });
  return [
    await ours('ours 20/s', 20, false),
    await ours('ours 200/s', 200, false),
    await ours('ours 1,000/s', 1000, false),
    await ours('ours 1,000/s + participantId', 1000, true),
    await baseline('baseline 200/s', 200),
    await baseline('baseline 1,000/s', 1000),
  ];
}
