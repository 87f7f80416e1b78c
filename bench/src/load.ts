import type http from 'node:http';
import { request } from './http.js';

/** One failure event to post, for one simulated conversation. */
export interface Outgoing {
  conversationId: string;
  body: string;
}

/** One post as the sender saw it. */
export interface Sent {
  conversationId: string;
  /** Epoch ms when the request left (compared with the simulator's ledger, same clock). */
  sentAt: number;
  status: number;
  /** Time to the answer (ms). */
  ms: number;
}

/** Options of a load run. */
export interface LoadOptions {
  url: string;
  events: readonly Outgoing[];
  headers?: Record<string, string>;
  agent: http.Agent;
  /** Sender's timeout (Cognigy's HTTP Request node: 8 s). */
  timeoutMs?: number;
}

/** What a load run did. */
export interface LoadResult {
  sent: Sent[];
  startedAt: number;
  /** When the last request left. */
  lastSentAt: number;
  /** When the last answer came. */
  endedAt: number;
  /** Requests per second actually sent (below the target when the sender could not keep up). */
  achievedRate: number;
}

function send(opts: LoadOptions, e: Outgoing, out: Sent[]): Promise<void> {
  const sentAt = Date.now();
  return request(opts.url, { method: 'POST', body: e.body, headers: opts.headers, agent: opts.agent, timeoutMs: opts.timeoutMs ?? 8000 }).then((a) => {
    out.push({ conversationId: e.conversationId, sentAt, status: a.status, ms: a.ms });
  });
}

/**
 * Open-loop load at a steady rate: request i leaves at start + i/rate whatever the answers do (a closed loop
 * would slow down with the server and hide its queueing). Bounded by the number of events.
 */
export async function sendAtRate(opts: LoadOptions & { ratePerSecond: number }): Promise<LoadResult> {
  const sent: Sent[] = [];
  const pending: Promise<void>[] = [];
  const startedAt = Date.now();
  let next = 0;
  let lastSentAt = startedAt;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(opts.events.length, Math.floor(((Date.now() - startedAt) / 1000) * opts.ratePerSecond) + 1);
      while (next < due) {
        pending.push(send(opts, opts.events[next]!, sent));
        next += 1;
      }
      lastSentAt = Date.now();
      if (next >= opts.events.length) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 1);
    tick();
  });
  await Promise.all(pending);
  const span = (lastSentAt - startedAt) / 1000;
  return { sent, startedAt, lastSentAt, endedAt: Date.now(), achievedRate: span > 0 ? opts.events.length / span : Number.NaN };
}

/** Closed-loop load: `concurrency` requests in flight until every event is sent (a burst, as fast as it goes). */
export async function sendBurst(opts: LoadOptions & { concurrency: number }): Promise<LoadResult> {
  const sent: Sent[] = [];
  const startedAt = Date.now();
  let next = 0;
  let lastSentAt = startedAt;
  const lane = async () => {
    while (next < opts.events.length) {
      const e = opts.events[next++]!;
      lastSentAt = Date.now();
      await send(opts, e, sent);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  const span = (lastSentAt - startedAt) / 1000;
  return { sent, startedAt, lastSentAt, endedAt: Date.now(), achievedRate: span > 0 ? opts.events.length / span : Number.NaN };
}
