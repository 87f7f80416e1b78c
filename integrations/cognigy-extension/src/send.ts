/**
 * Posting the event: one HTTP request (node:http/https, no client library), and the few retries worth making
 * within the time Cognigy gives a node. Cognigy stops an extension node after 20 s and then takes neither
 * branch, so every wait here is bounded by the caller's budget.
 */
import http from 'node:http';
import https from 'node:https';

/** An HTTP answer (body as text, at most MAX_ANSWER_BYTES of it). */
export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** No answer: the connection failed, or no answer came in time. */
export interface NetworkFailure {
  code: string;
  message: string;
  timedOut: boolean;
}

/** What one request gave. */
export type Attempt = { answer: HttpAnswer } | { network: NetworkFailure };

/** The service's answers are small; anything bigger is not the service. */
const MAX_ANSWER_BYTES = 256 * 1024;

/** Most requests a node makes for one event (the first and two retries). */
export const MAX_ATTEMPTS = 3;

/** Sends one POST; never rejects. */
export function postOnce(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (a: Attempt) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(a);
      }
    };
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          req.destroy();
          settle({ network: { code: 'answer_too_large', message: `the answer exceeded ${MAX_ANSWER_BYTES} bytes`, timedOut: false } });
        } else chunks.push(chunk);
      });
      res.on('end', () => settle({ answer: { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') } }));
      res.on('error', (err: NodeJS.ErrnoException) => settle({ network: { code: err.code ?? 'ERR_RESPONSE', message: err.message, timedOut: false } }));
    });
    const timer = setTimeout(() => {
      settle({ network: { code: 'ETIMEDOUT', message: `no answer within ${timeoutMs} ms`, timedOut: true } });
      req.destroy();
    }, Math.max(1, timeoutMs));
    req.on('error', (err: NodeJS.ErrnoException) => settle({ network: { code: err.code ?? 'ERR_REQUEST', message: err.message, timedOut: false } }));
    req.end(body);
  });
}

/** Seconds of a Retry-After header (the service sends whole seconds), in ms; undefined when absent or unreadable. */
export function retryAfterMs(headers: http.IncomingHttpHeaders): number | undefined {
  const raw = headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/**
 * How long to wait before trying again, or undefined to stop. Retried: a refused or reset connection, 408, 502,
 * 504 (short backoff), and 429/503 after their Retry-After (the service answers 503 while its Redis is down and
 * has written nothing). Not retried: a timed-out request (it used the whole budget), any other 4xx (the same
 * request would get the same answer), and a wait that would not leave time for the next request to be answered.
 * The event id stays the same, so a request that did reach the service is recognised as a repeat.
 */
export function retryDelayMs(attempt: Attempt, attemptNo: number, remainingMs: number): number | undefined {
  if (attemptNo >= MAX_ATTEMPTS) return undefined;
  let delay: number | undefined;
  const backoff = 200 * 2 ** (attemptNo - 1);
  if ('network' in attempt) delay = attempt.network.timedOut || attempt.network.code === 'answer_too_large' ? undefined : backoff;
  else if ([408, 502, 504].includes(attempt.answer.status)) delay = backoff;
  else if (attempt.answer.status === 429 || attempt.answer.status === 503) delay = retryAfterMs(attempt.answer.headers) ?? 1000;
  // A retry needs time for the request itself, not just the wait.
  return delay !== undefined && delay + 500 <= remainingMs ? delay : undefined;
}

/** Options of sendWithRetries. */
export interface SendOptions {
  url: URL;
  body: string;
  /** Headers of one attempt; called per attempt, so a signature carries a fresh timestamp. */
  headers: (nowMs: number) => Record<string, string>;
  /** Total time for every attempt and wait (ms). */
  budgetMs: number;
  now?: () => number;
}

/** Sends the event, retrying as retryDelayMs says; resolves with the last attempt and how many were made. */
export async function sendWithRetries(opts: SendOptions): Promise<{ attempt: Attempt; attempts: number }> {
  const now = opts.now ?? Date.now;
  const end = now() + opts.budgetMs;
  for (let n = 1; ; n += 1) {
    const attempt = await postOnce(opts.url, opts.headers(now()), opts.body, end - now());
    const delay = retryDelayMs(attempt, n, end - now());
    if (delay === undefined) return { attempt, attempts: n };
    await new Promise((r) => setTimeout(r, delay));
  }
}
