import type { Mode } from '../cli.js';
import type { SystemRun } from '../results.js';
import type { BenchEnv } from '../stack.js';
import { runSystem, type RunSpec } from './run.js';

/** The OAuth client lacks `analytics:conversationDetail:view`: every analytics read answers 403. */
const NO_ANALYTICS = [{ endpoint: 'analytics', action: { type: 'status', status: 403, permission: 'analytics:conversationDetail:view' } }];

/**
 * Scenario 4 (issue 12, S17): a bot outage fails calls by the hundred within seconds while Genesys allows 300
 * requests/min per OAuth client. What counts is callers moved before their deadline: callers hang up over the
 * deadline (a quarter each at ¼, ½, ¾ and 1½ of it), and an expired job is a caller left on a dead bot.
 *
 * A: 2,000 failures in 2 s, 45 s deadline (quick: 600, 20 s): one client with and without the event's
 * participantId, three clients with and without it, one client without the analytics permission, the tutorial.
 * B: 300 failures in 1 s, 120 s deadline (quick: 150, 60 s): one client, without the analytics permission, and
 * the tutorial.
 */
export async function runOutage(env: BenchEnv, mode: Mode): Promise<SystemRun[]> {
  const sim = { rateLimitPerMinute: 300, orgRateLimitPerMinute: 0, transferDelayMs: 0, latencyMs: 0 };
  const scenario = (count: number, rate: number, ttlSeconds: number) => {
    const hangupAfterMs = [0.25, 0.5, 0.75, 1.5].map((f) => Math.round(f * ttlSeconds * 1000));
    const config = {
      failures: count,
      rate,
      ttlSeconds,
      hangups: `callers hang up after ${hangupAfterMs.map((ms) => `${ms / 1000}`).join(' / ')} s (a quarter each)`,
      'Genesys limit': '300/min per client',
    };
    // Confirmations wait for the budget: the queue drains a window after the deadline.
    return { config, common: { sim, count, ratePerSecond: rate, ttlSeconds, hangupAfterMs, drainTimeoutMs: ttlSeconds * 1000 + 90_000 } };
  };
  const ours = (tag: string, s: ReturnType<typeof scenario>, clients: number, o: { participantId?: boolean; noAnalytics?: boolean } = {}): RunSpec => ({
    ...s.common,
    name: `ours, ${tag}${clients > 1 ? `, ${clients} clients` : ', 1 client'}${o.participantId ? ', participantId' : ''}${o.noAnalytics ? ', no analytics' : ''}`,
    system: 'ours',
    clients,
    ...(o.participantId ? { withParticipant: true } : {}),
    ...(o.noAnalytics ? { faults: NO_ANALYTICS } : {}),
    config: { ...s.config, clients, budget: '295/min per client (default, sliding minute)', participantId: o.participantId ? 'yes' : 'no', analytics: o.noAnalytics ? '403 (permission missing)' : 'allowed' },
  });
  const baseline = (tag: string, s: ReturnType<typeof scenario>): RunSpec => ({ ...s.common, name: `baseline, ${tag}`, system: 'baseline', config: { ...s.config, clients: 1, 'sender timeout': '8 s' } });

  const a = mode === 'quick' ? scenario(600, 300, 20) : scenario(2000, 1000, 45);
  const b = mode === 'quick' ? scenario(150, 150, 60) : scenario(300, 300, 120);
  const tagA = `${a.config.failures} in ${a.config.failures / a.config.rate} s`;
  const tagB = `${b.config.failures} in ${b.config.failures / b.config.rate} s`;
  const specs: RunSpec[] = [
    ours(tagA, a, 1),
    ours(tagA, a, 1, { participantId: true }),
    ours(tagA, a, 3),
    ours(tagA, a, 3, { participantId: true }),
    ours(tagA, a, 1, { noAnalytics: true }),
    baseline(tagA, a),
    ours(tagB, b, 1),
    ours(tagB, b, 1, { noAnalytics: true }),
    baseline(tagB, b),
  ];
  const out: SystemRun[] = [];
  for (const spec of specs) out.push(await runSystem(env, spec));
  return out;
}
