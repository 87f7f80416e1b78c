import type { Mode } from '../cli.js';
import type { SystemRun } from '../results.js';
import type { BenchEnv } from '../stack.js';
import { runSystem } from './run.js';

/**
 * Scenario 3: for STORM_MS after the first failure, every Genesys API call is answered 429 with Retry-After 2 s.
 * Genesys' limit is raised (6,000/min, as a support case can) and ours is paced at 95 % of it, so the run
 * measures the storm, not the default 300/min budget (scenario 4 measures that). Same script for the baseline.
 * The 429s come from a fault rule, so they hit whatever is sent: a client that honours Retry-After sees few.
 */
export async function runStorm(env: BenchEnv, mode: Mode): Promise<SystemRun[]> {
  // Failures keep arriving for as long as the storm lasts (6 s): the tutorial's 3.5 s of retries rides out
  // the end of the storm, so it loses only what arrived early in it.
  const rate = mode === 'quick' ? 50 : 100;
  const count = rate * 6;
  const stormMs = 6000;
  const sim = { rateLimitPerMinute: 6000, orgRateLimitPerMinute: 0, transferDelayMs: 0, latencyMs: 0 };
  const faults = [{ endpoint: 'any', action: { type: 'status', status: 429, retryAfterSec: 2 }, durationMs: stormMs }];
  const workerEnv = { GENESYS_REQUESTS_PER_MINUTE: '5700', GENESYS_BURST: '10' };
  const config = { failures: count, rate, storm: `${stormMs / 1000} s of 429, Retry-After 2 s`, 'Genesys limit': '6,000/min per client' };
  return [
    await runSystem(env, { name: 'ours, 429 storm', system: 'ours', sim, faults, count, ratePerSecond: rate, workerEnv, drainTimeoutMs: 120_000, config: { ...config, ...workerEnv } }),
    await runSystem(env, { name: 'baseline, 429 storm', system: 'baseline', sim, faults, count, ratePerSecond: rate, drainTimeoutMs: 0, config: { ...config, retries: '3 at 500 ms doubling, Retry-After ignored', 'sender timeout': '8 s' } }),
  ];
}
