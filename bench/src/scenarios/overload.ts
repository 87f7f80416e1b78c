import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@fallback/testing';
import { runBurst, rawPost } from '../burst.js';
import type { Mode } from '../cli.js';
import { sampleProcesses } from '../proc.js';
import type { OverloadResult, OverloadRun } from '../results.js';
import { summarize } from '../stats.js';
import { AUTH, failureEvent, startOurs, wipePrivateRedis, type BenchEnv } from '../stack.js';

/** Cognigy's HTTP Request node gives up after 8 s (its default timeout): an answer later than that is no answer. */
export const SENDER_TIMEOUT_MS = 8000;

/** One ingress setting under one burst. */
interface Situation {
  name: string;
  ingressEnv: Record<string, string>;
  requests: number;
  spreadMs: number;
  connections: number;
  /** Starve the ingress' event loop during the burst: blocked `busyMs` of every `busyMs + freeMs` (test preload). */
  starve?: { busyMs: number; freeMs: number };
}

/** Test-only preload that blocks the event loop on SIGUSR2 (what a CPU-throttled or GC-thrashing pod looks like). */
const LAG_PRELOAD = path.join(REPO_ROOT, 'tests/src/preload/event-loop-lag.mjs');
const SHIPPED = 'shedding as shipped (loop delay > 1000 ms)';

/**
 * A burst about three times what one ingress answers per second on this machine, with shedding as shipped, at the
 * old 200 ms bound and off; then an ingress whose loop is starved for real (blocked 1.2 s of every 1.3 s), as
 * shipped and off.
 */
function situations(mode: Mode): Situation[] {
  const connections = Number(process.env['BENCH_OVERLOAD_CONNECTIONS'] ?? 2000);
  const burst = { requests: mode === 'quick' ? 20_000 : 60_000, spreadMs: mode === 'quick' ? 1000 : 3000, connections };
  const starved = { requests: mode === 'quick' ? 2000 : 4000, spreadMs: mode === 'quick' ? 1000 : 2000, connections: 500, starve: { busyMs: 1200, freeMs: 100 } };
  return [
    { name: SHIPPED, ingressEnv: {}, ...burst },
    { name: 'shedding at loop delay > 200 ms', ingressEnv: { INGRESS_MAX_EVENT_LOOP_DELAY_MS: '200' }, ...burst },
    { name: 'shedding off', ingressEnv: { INGRESS_MAX_EVENT_LOOP_DELAY_MS: '0' }, ...burst },
    { name: `starved loop, ${SHIPPED}`, ingressEnv: {}, ...starved },
    { name: 'starved loop, shedding off', ingressEnv: { INGRESS_MAX_EVENT_LOOP_DELAY_MS: '0' }, ...starved },
  ];
}

/**
 * Issue 15 §5: one ingress (workers off) under bursts of failures it cannot absorb, as a bot outage sends them —
 * on a schedule, not paced by our answers. What the sender feels: how long each answer took (from when it was due
 * to be sent, and from when it went on the wire), how many were 202 accepted, 503 overloaded (with Retry-After: the
 * sender retries) or not answered within Cognigy's 8 s.
 */
export async function runOverload(env: BenchEnv, mode: Mode): Promise<OverloadResult> {
  const runs: OverloadRun[] = [];
  for (const { name, ingressEnv: settings, requests: requestsCount, spreadMs, connections, starve } of situations(mode)) {
    const ingressEnv = starve
      ? { ...settings, NODE_OPTIONS: `--import=${LAG_PRELOAD}`, TEST_LAG_BUSY_MS: String(starve.busyMs), TEST_LAG_FREE_MS: String(starve.freeMs) }
      : settings;
    const ours = await startOurs(env, { workers: 0, ingressEnv });
    try {
      const url = new URL(ours.ingressUrl);
      // Serialised before the burst so the generator spends its CPU on sending, not on JSON.
      const requests = Array.from({ length: requestsCount }, (_, i) => rawPost(url.host, '/v1/fallbacks', AUTH, failureEvent(randomUUID(), i)));
      if (starve) {
        ours.ingress.child.kill('SIGUSR2');
        await ours.ingress.waitForLine(/test lag on/, 10_000);
      }
      const sampler = sampleProcesses({ server: ours.ingress.child.pid!, redis: env.redisPid });
      const burst = await runBurst({ port: Number(url.port), requests, spreadMs, connections, giveUpMs: spreadMs + 30_000 });
      const resources = sampler.stop();
      // What tripped the shedding (the ingress logs it once per episode): under-pressure's reading, e.g. the loop delay.
      const tripped = ours.ingress.lines.filter((l) => l.includes('overloaded: answering 503')).map((l) => {
        const j = JSON.parse(l) as { type?: string; value?: number; time?: number };
        return `${j.type} ${j.value}`;
      });
      const ms = (status?: number) => summarize(burst.answers.filter((a) => status === undefined || a.status === status).map((a) => a.ms));
      const statusCodes: Record<string, number> = {};
      for (const a of burst.answers) statusCodes[a.status] = (statusCodes[a.status] ?? 0) + 1;
      runs.push({
        name,
        config: { offered: requestsCount, spreadMs, connections, ...settings, ...(starve ? { starvedLoop: `blocked ${starve.busyMs} ms of every ${starve.busyMs + starve.freeMs} ms` } : {}) },
        offered: burst.offered,
        offeredPerSec: burst.offered / burst.spreadSec,
        statusCodes,
        unanswered: burst.unanswered,
        socketErrors: burst.socketErrors,
        lateAnswers: burst.answers.filter((a) => a.ms > SENDER_TIMEOUT_MS).length,
        answerMs: ms(),
        acceptedMs: ms(202),
        shedMs: ms(503),
        wireMs: summarize(burst.answers.map((a) => a.wireMs)),
        waitedForConnection: burst.waitedForConnection,
        maxConnectionWaitMs: burst.maxConnectionWaitMs,
        lastAnswerSec: burst.lastAnswerMs / 1000,
        ...(tripped.length ? { sheddingTrippedBy: tripped } : {}),
        loadAvg1: os.loadavg()[0]!,
        resources,
      });
    } finally {
      await ours.stop();
      await wipePrivateRedis(env);
    }
  }
  return { senderTimeoutMs: SENDER_TIMEOUT_MS, runs };
}
