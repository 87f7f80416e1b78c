import { loadAgent } from '../http.js';
import { sendAtRate } from '../load.js';
import { measureBaseline, measureOurs } from '../measure.js';
import { sampleProcesses } from '../proc.js';
import type { SystemRun } from '../results.js';
import { AUTH, failureEvent, resetCounters, startBaseline, startOurs, waitForDrain, wipePrivateRedis, type BenchEnv } from '../stack.js';

/** One system under one load, against a freshly reset simulator. */
export interface RunSpec {
  name: string;
  system: 'ours' | 'baseline';
  /** Simulator settings for the run (POST /__sim/config). */
  sim: Record<string, number>;
  /** Fault rules installed when the first failure is sent. */
  faults?: unknown[];
  count: number;
  ratePerSecond: number;
  /** Callers hang up after these delays (ms), spread evenly over the conversations; none: nobody hangs up. */
  hangupAfterMs?: number[];
  ttlSeconds?: number;
  withParticipant?: boolean;
  /** Ours: worker env (pacing, concurrency) and OAuth clients. */
  workerEnv?: Record<string, string>;
  clients?: number;
  drainTimeoutMs: number;
  /**
   * Ours: post this many failures first (same rate, not measured) and let them finish, so the measured run meets
   * warm processes (JIT, connection pools, loaded Redis scripts) as production traffic would.
   */
  warmup?: number;
  /** Shown in the report beside the figures. */
  config: SystemRun['config'];
  notes?: string[];
}

/** Live conversations for a run, with the hang-up groups interleaved in sending order, and when each caller hangs up. */
async function conversations(env: BenchEnv, spec: RunSpec) {
  const groups = spec.hangupAfterMs ?? [undefined];
  const per = await Promise.all(
    groups.map(async (ms, g) =>
      (await env.sim.conversations(Math.floor(spec.count / groups.length) + (g < spec.count % groups.length ? 1 : 0), ms === undefined ? {} : { hangupAfterMs: ms })).map((c) => ({
        ...c,
        ...(ms !== undefined ? { hangupAt: c.createdAt + ms } : {}),
      })),
    ),
  );
  const out: Array<{ id: string; botParticipantId: string; hangupAt?: number }> = [];
  for (let i = 0; out.length < spec.count; i += 1) for (const g of per) if (g[i]) out.push(g[i]!);
  return out;
}

/** Runs one system: starts it, posts the failures at the rate, waits for the end, reads both ledgers. */
export async function runSystem(env: BenchEnv, spec: RunSpec): Promise<SystemRun> {
  await env.sim.reset();
  await env.sim.config(spec.sim);
  const agent = loadAgent();
  const ours = spec.system === 'ours' ? await startOurs(env, { workers: 1, clients: spec.clients ?? 1, ...(spec.workerEnv ? { workerEnv: spec.workerEnv } : {}) }) : undefined;
  const baseline = spec.system === 'baseline' ? await startBaseline(env) : undefined;
  try {
    if (ours && spec.warmup) {
      const warm = await env.sim.conversations(spec.warmup);
      const events = warm.map((c, i) => ({ conversationId: c.id, body: failureEvent(c.id, -1 - i) }));
      await sendAtRate({ url: `${ours.ingressUrl}/v1/fallbacks`, events, agent, ratePerSecond: spec.ratePerSecond, headers: AUTH });
      await waitForDrain(ours.queue, spec.warmup, 60_000);
      // Forget the warm-up: its jobs (BullMQ obliterates every key of the queue) and the simulator's ledger.
      await ours.queue.obliterate({ force: true });
      await env.sim.reset();
    }
    const convs = await conversations(env, spec);
    const events = convs.map((c, i) => ({
      conversationId: c.id,
      body: failureEvent(c.id, i, { ...(spec.withParticipant ? { participantId: c.botParticipantId } : {}), ...(spec.ttlSeconds ? { ttlSeconds: spec.ttlSeconds } : {}) }),
    }));
    const pids: Record<string, number> = ours
      ? { ingress: ours.ingress.child.pid!, worker: ours.workers[0]!.child.pid!, simulator: env.simProcess.child.pid!, redis: env.redisPid }
      : { baseline: baseline!.process.child.pid!, simulator: env.simProcess.child.pid! };
    const sampler = sampleProcesses(pids);
    await resetCounters(env);
    if (spec.faults) await env.sim.faults(spec.faults);
    const url = ours ? `${ours.ingressUrl}/v1/fallbacks` : baseline!.url;
    const load = await sendAtRate({ url, events, agent, ratePerSecond: spec.ratePerSecond, ...(ours ? { headers: AUTH } : {}) });
    const resources = sampler.stop();
    const callers = spec.ttlSeconds ? { ttlMs: spec.ttlSeconds * 1000, hangupAt: new Map(convs.flatMap((c) => (c.hangupAt !== undefined ? [[c.id, c.hangupAt] as const] : []))) } : undefined;
    const common = { name: spec.name, config: spec.config, resources, ...(spec.notes ? { notes: spec.notes } : {}), ...(callers ? { callers } : {}) };
    return ours ? await measureOurs(env, ours, load, { ...common, drainTimeoutMs: spec.drainTimeoutMs }) : await measureBaseline(env, load, common);
  } finally {
    agent.destroy();
    await env.sim.clearFaults().catch(() => undefined);
    if (ours) await ours.stop();
    if (baseline) await baseline.stop();
    await wipePrivateRedis(env);
  }
}
