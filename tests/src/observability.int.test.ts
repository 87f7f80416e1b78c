import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '@fallback/genesys-sim';
import { freePort } from '@fallback/testing';
import { API_KEY, startStack, waitForFinal, type Stack } from './harness.js';
import { scrape, sumOf, type Sample } from './prometheus-text.js';

const ADMIN_PASSWORD = 'observability-admin-pw';

/**
 * One integration run (ingress + worker processes + the simulator), then the numbers: /metrics on both
 * processes must agree with the simulator's ledger and the queue, and the processes' logs must hold no secret.
 */
describe('metrics and logs after an integration run', () => {
  let stack: Stack;
  let workerOps: string;
  let ingress: Sample[];
  let worker: Sample[];
  const outcomes: Record<string, number> = {};
  const details: string[] = [];

  beforeAll(async () => {
    stack = await startStack({
      workers: 0,
      // debug: more lines to scan for secrets.
      ingressEnv: { LOG_LEVEL: 'debug', ADMIN_DASHBOARD: 'read-only', ADMIN_PASSWORD },
      // The default budget (290/min: a fractional interval, which once broke the pacer's block on a 429).
      workerEnv: { LOG_LEVEL: 'debug', BACKOFF_BASE_MS: '50' },
    });
    const port = await freePort();
    await stack.addWorker({ WORKER_HTTP_HOST: '127.0.0.1', WORKER_HTTP_PORT: String(port) });
    workerOps = `http://127.0.0.1:${port}`;

    // Each case with its fault, one at a time so every fault hits the request it is meant for.
    const cases: { name: string; fault?: Parameters<Stack['sim']['installFaults']>[0]; hangup?: boolean }[] = [
      { name: 'plain-1' },
      { name: 'plain-2' },
      { name: 'plain-3' },
      { name: '429-then-ok', fault: [{ endpoint: 'read', count: 1, action: { type: 'status', status: 429, retryAfterSec: 1 } }] },
      { name: '503-then-ok', fault: [{ endpoint: 'read', count: 1, action: { type: 'status', status: 503 } }] },
      { name: 'queue-not-found', fault: [{ endpoint: 'transfer', count: 1, action: { type: 'status', status: 400, code: 'conversations.error.queue.not.found' } }] },
      { name: 'caller-gone', hangup: true },
    ];
    for (const c of cases) {
      const conv = stack.sim.createConversation();
      if (c.hangup) await fetch(`${stack.simUrl}/__sim/conversations/${conv.id}/hangup`, { method: 'POST' });
      if (c.fault) stack.sim.installFaults(c.fault);
      const res = await stack.post({ eventId: `obs-${c.name}`, failureType: 'FLOW_ERROR', conversationId: conv.id });
      expect(res.status, c.name).toBe(202);
      const final = await waitForFinal(stack, res.body.id);
      const key = final.status === 'failed' ? `failed:${final.reason}` : final.status;
      details.push(`${c.name}: ${JSON.stringify(final)}`);
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      stack.sim.clearFaults();
    }
    // Rejected at the door: counted by the ingress, never queued.
    expect((await stack.post({ conversationId: 'not-a-uuid' })).status).toBe(400);
    expect((await stack.post({ conversationId: SEED.fallbackQueue.id }, { authorization: 'Bearer wrong-key-0123456789' })).status).toBe(401);
    // The same eventId from another call is another event (the dedupe key includes the conversation).
    for (const conv of [stack.sim.createConversation(), stack.sim.createConversation()]) {
      const res = await stack.post({ eventId: 'obs-plain-1', conversationId: conv.id });
      expect(res.status).toBe(202);
      expect((await waitForFinal(stack, res.body.id)).status).toBe('transferred');
      outcomes['transferred'] = (outcomes['transferred'] ?? 0) + 1;
    }

    [ingress, worker] = await Promise.all([scrape(`${stack.ingressUrl}/metrics`), scrape(`${workerOps}/metrics`)]);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the run went as scripted', () => {
    expect(outcomes, details.join('\n')).toEqual({ transferred: 7, 'failed:genesys.rejected': 1, 'failed:call.ended': 1 });
  });

  it('worker: outcomes, latency and Genesys traffic match the simulator ledger', () => {
    // The simulator's ledger has the token requests too; the client's hook reports API requests.
    const ledger = stack.sim.requests().filter((r) => r.endpoint !== 'oauth/token');
    const stats = stack.sim.stats();
    expect(sumOf(worker, 'fallback_jobs_total', { outcome: 'transferred' })).toBe(stack.sim.transfers().length);
    expect(stack.sim.transfers()).toHaveLength(7);
    expect(sumOf(worker, 'fallback_jobs_total', { outcome: 'failed', reason: 'genesys.rejected' })).toBe(1);
    expect(sumOf(worker, 'fallback_jobs_total', { outcome: 'failed', reason: 'call.ended' })).toBe(1);
    expect(sumOf(worker, 'fallback_webhook_to_transfer_seconds_count')).toBe(7);
    expect(sumOf(worker, 'fallback_webhook_to_transfer_seconds_sum')).toBeGreaterThan(0);
    expect(sumOf(worker, 'fallback_job_retries_total')).toBe(1); // the 503; a 429 uses no attempt

    expect(sumOf(worker, 'fallback_genesys_requests_total')).toBe(ledger.length);
    for (const status of new Set(ledger.map((r) => r.status)))
      expect(sumOf(worker, 'fallback_genesys_requests_total', { status: String(status) }), `status ${status}`).toBe(ledger.filter((r) => r.status === status).length);
    expect(sumOf(worker, 'fallback_genesys_rate_limited_total')).toBe(stats.rateLimited);
    expect(stats.rateLimited).toBe(1);
    expect(sumOf(worker, 'fallback_genesys_requests_before_retry_after_total')).toBe(stats.earlyRequests);
    expect(stats.earlyRequests).toBe(0);
    expect(sumOf(worker, 'fallback_genesys_token_refreshes_total')).toBe(stats.tokensIssued);
    expect(stats.tokensIssued).toBe(stack.sim.requests().filter((r) => r.endpoint === 'oauth/token').length);
    expect(sumOf(worker, 'fallback_genesys_request_duration_seconds_count')).toBe(ledger.length);
    expect(worker.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
  });

  it('ingress: ingest answers by status and code; both processes report the same queue', () => {
    expect(sumOf(ingress, 'fallback_ingest_requests_total', { status: '202', code: 'accepted' })).toBe(9);
    expect(sumOf(ingress, 'fallback_ingest_requests_total', { status: '400', code: 'invalid_payload' })).toBe(1);
    expect(sumOf(ingress, 'fallback_ingest_requests_total', { status: '401', code: 'unauthorized' })).toBe(1);
    for (const samples of [ingress, worker]) {
      expect(sumOf(samples, 'fallback_queue_jobs', { state: 'completed' })).toBe(7);
      expect(sumOf(samples, 'fallback_queue_jobs', { state: 'failed' })).toBe(2);
      expect(sumOf(samples, 'fallback_queue_jobs', { state: 'waiting' })).toBe(0);
      expect(sumOf(samples, 'fallback_queue_oldest_waiting_seconds')).toBe(0);
      expect(sumOf(samples, 'fallback_queue_paused')).toBe(0);
    }
  });

  it('health and readiness answer on both processes', async () => {
    for (const url of [stack.ingressUrl, workerOps]) {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    }
    expect(await (await fetch(`${workerOps}/readyz`)).json()).toEqual({ status: 'ready', checks: { redis: 'ok', worker: 'ok' } });
    expect((await fetch(`${workerOps}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('logs: JSON lines, job lines carry job and conversation ids, Genesys errors their correlation id', () => {
    const lines = stack.workers[0]!.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const jobLines = lines.filter((l) => 'jobId' in l);
    expect(jobLines.length).toBeGreaterThan(9);
    for (const l of jobLines) expect(l, JSON.stringify(l)).toHaveProperty('conversationId');
    const genesysErrors = lines.filter((l) => typeof l['status'] === 'number' && (l['status'] as number) >= 400 && 'request' in l);
    expect(genesysErrors.length).toBeGreaterThanOrEqual(3); // 429, 503, 400
    for (const l of genesysErrors) expect(l['correlationId'], JSON.stringify(l)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs: no secret, token or credential of any process', () => {
    const text = [...stack.ingress.lines, ...stack.workers.flatMap((w) => w.lines)].join('\n');
    const secrets = [
      API_KEY,
      ADMIN_PASSWORD,
      SEED.clientSecret,
      Buffer.from(`${SEED.clientId}:${SEED.clientSecret}`).toString('base64'),
      Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64'),
    ];
    for (const s of secrets) expect(text.includes(s), `a log holds ${s.slice(0, 4)}…`).toBe(false);
    // Access tokens the simulator issued: the ledger keeps their first 8 characters (the rest is random base64url).
    const tokenIds = new Set(stack.sim.requests().map((r) => r.tokenId).filter((t): t is string => !!t));
    expect(tokenIds.size).toBeGreaterThan(0);
    for (const id of tokenIds) expect(new RegExp(`${id.replace(/[-_]/g, '\\$&')}[A-Za-z0-9_-]{24}`).test(text), `token ${id}… in a log`).toBe(false);
    expect(text).not.toMatch(/Bearer [A-Za-z0-9_-]{20,}/);
  });
});
