import type { Mode } from '../cli.js';
import type { SystemRun } from '../results.js';
import type { BenchEnv } from '../stack.js';
import { runSystem } from './run.js';

/**
 * Scenario 4: a bot outage fails thousands of calls within seconds while Genesys allows 300 requests/min per OAuth
 * client. At ~3 requests per transfer that is ~100 transfers a minute per client: 2,000 calls cannot all be moved
 * before callers give up, so the run is scaled honestly — failures carry a short deadline (ttlSeconds), callers
 * hang up at spread times, and the figures are the drain rate against the limit and the share of calls that
 * ended transferred, hung up or expired. Ours with the default budget (290/min + burst 5 per client): 1 client,
 * 1 client with the participantId in the events, 3 clients; the baseline with its own client.
 */
export async function runOutage(env: BenchEnv, mode: Mode): Promise<SystemRun[]> {
  const count = mode === 'quick' ? 600 : 2000;
  const ttlSeconds = mode === 'quick' ? 20 : 45;
  const rate = 1000;
  const hangupAfterMs = [0.25, 0.5, 0.75, 1.5].map((f) => Math.round(f * ttlSeconds * 1000));
  const sim = { rateLimitPerMinute: 300, orgRateLimitPerMinute: 0, transferDelayMs: 0, latencyMs: 0 };
  const config = {
    failures: count,
    rate,
    ttlSeconds,
    hangups: `callers hang up after ${hangupAfterMs.map((ms) => `${ms / 1000}`).join(' / ')} s (a quarter each)`,
    'Genesys limit': '300/min per client',
  };
  const common = { sim, count, ratePerSecond: rate, ttlSeconds, hangupAfterMs, drainTimeoutMs: ttlSeconds * 1000 + 30_000 };
  return [
    await runSystem(env, { ...common, name: 'ours, 1 client', system: 'ours', clients: 1, config: { ...config, clients: 1, pacing: '290/min + burst 5 (default)', burst: 5 } }),
    // Under a rate limit every request is a transfer not made: the event's participantId saves the first read.
    await runSystem(env, {
      ...common,
      name: 'ours, 1 client, participantId',
      system: 'ours',
      clients: 1,
      withParticipant: true,
      config: { ...config, clients: 1, pacing: '290/min + burst 5 (default)', burst: 5, participantId: 'yes' },
    }),
    await runSystem(env, { ...common, name: 'ours, 3 clients', system: 'ours', clients: 3, config: { ...config, clients: 3, pacing: '290/min + burst 5 (default)', burst: 5 } }),
    await runSystem(env, { ...common, name: 'baseline, 1 client', system: 'baseline', config: { ...config, clients: 1, 'sender timeout': '8 s' } }),
  ];
}
