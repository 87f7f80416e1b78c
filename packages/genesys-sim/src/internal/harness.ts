/**
 * Test harness for the simulator's own HTTP tests (never exported from the package): one simulator on port 0,
 * plain fetch calls against it, and tokens from its OAuth endpoint.
 */
import { afterEach } from 'vitest';
import { SEED } from '../model.js';
import { createSimulator, type Simulator, type SimulatorOptions } from '../server.js';

/** An HTTP answer, body parsed as JSON when it is JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** A simulator under test and calls against it. */
export interface Harness {
  sim: Simulator;
  url: string;
  call(method: string, path: string, opts?: { token?: string; body?: unknown; raw?: string; contentType?: string; signal?: AbortSignal }): Promise<Answer>;
  /** A fresh access token (client credentials) of `clientId`. */
  token(clientId?: string, secret?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a simulator (no rate limit unless asked) listening on a free port. */
export async function startHarness(opts: SimulatorOptions = {}): Promise<Harness> {
  const sim = createSimulator({ rateLimitPerMinute: 0, ...opts });
  const url = await sim.listen(0);
  const call: Harness['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = {};
    if (o.token) headers['authorization'] = `Bearer ${o.token}`;
    if (o.body !== undefined || o.raw !== undefined) headers['content-type'] = o.contentType ?? 'application/json';
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, headers: res.headers, text, body };
  };
  const token: Harness['token'] = async (clientId = SEED.clientId, secret = SEED.clientSecret) => {
    const res = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  return { sim, url, call, token, close: () => sim.close() };
}

/** The transfer paths, for tests. */
export const replaceQueue = (cid: string, pid: string) => `/api/v2/conversations/${cid}/participants/${pid}/replace/queue`;

/** A transfer body to the seeded Fallback IVR queue. */
export const toFallback = { queueId: SEED.fallbackQueue.id };

/** For a test file: `start(opts)` starts a harness that is closed after each test. */
export function harnessPerTest(): (opts?: SimulatorOptions) => Promise<Harness> {
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (opts = {}) => (current = await startHarness(opts));
}
