import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@fallback/testing';
import { startStack, waitForFinal, type Stack } from './harness.js';

const PRELOADS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'preload');

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/**
 * Issue 15, crash and signals, with real processes: an unhandled rejection in a worker mid-job is logged with
 * the process context and exits non-zero, and another worker runs the job (one transfer); a second SIGTERM
 * during a drain exits at once.
 */
describe('crashes and signals (real processes)', () => {
  it('a worker with an unhandled rejection mid-job exits 1 with a fatal line; another worker re-runs its job, one transfer', async () => {
    // Requests take 300 ms, so the victim is inside its first Genesys read when the rejection happens.
    stack = await startStack({ workers: 0, sim: { latencyMs: 300 }, workerEnv: { GENESYS_REQUESTS_PER_MINUTE: '0' } });
    const victim = await stack.addWorker({ NODE_OPTIONS: `--import ${path.join(PRELOADS, 'unhandled-rejection.mjs')}` });
    const conv = stack.sim.createConversation();
    const res = await stack.post({ eventId: 'crash-unhandled', conversationId: conv.id });
    expect(res.status).toBe(202);

    const exit = await victim.exited;
    expect(exit).toEqual({ code: 1, signal: null });
    const fatal = victim.lines.filter((l) => l.includes('"level":"fatal"')).map((l) => JSON.parse(l));
    expect(fatal).toEqual([
      expect.objectContaining({
        service: 'worker',
        pid: victim.child.pid,
        kind: 'unhandledRejection',
        err: expect.objectContaining({ message: 'injected by the test preload: a rejection nobody handles' }),
        queuePrefix: stack.prefix,
        concurrency: expect.any(Number),
        msg: 'unhandledRejection: exiting so the process is restarted and its jobs re-run',
      }),
    ]);
    expect(victim.lines.some((l) => l.includes('test preload: rejecting during GET /api/v2/conversations/'))).toBe(true);
    // Nothing was drained: a crash does not run the shutdown steps.
    expect(victim.lines.some((l) => l.includes('shutdown complete'))).toBe(false);

    // The orchestrator's restart, played by a fresh worker: it takes the job once its lock expires.
    const rescuer = await stack.addWorker();
    const final = await waitForFinal(stack, res.body.id, 30_000);
    expect(final.status).toBe('transferred');
    expect(stack.sim.transfers().filter((t) => t.conversationId === conv.id)).toHaveLength(1);
    expect(stack.sim.stats().duplicateTransfers).toBe(0);
    expect(rescuer.lines.some((l) => l.includes(res.body.id))).toBe(true);
  });

  it('a second SIGTERM during the drain exits at once, non-zero; the job is re-run elsewhere', async () => {
    // The job's first read answers after 20 s and the grace is 30 s: the first SIGTERM waits for the active job.
    stack = await startStack({ workers: 1, workerEnv: { GENESYS_REQUESTS_PER_MINUTE: '0', SHUTDOWN_TIMEOUT_MS: '30000', GENESYS_TIMEOUT_MS: '25000', POST_SETTLE_MS: '30000' } });
    stack.sim.installFaults([{ endpoint: 'read', count: 1, action: { type: 'latency', ms: 20_000 } }]);
    const worker = stack.workers[0]!;
    const conv = stack.sim.createConversation();
    const res = await stack.post({ eventId: 'second-signal', conversationId: conv.id });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await waitFor(async () => (await stack!.status(res.body.id)).body?.status === 'active', { timeoutMs: 10_000, what: 'the job to be active' });

    worker.child.kill('SIGTERM');
    await worker.waitForLine(/"msg":"shutting down"/);
    expect(worker.child.exitCode).toBeNull();
    const secondAt = performance.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    expect(performance.now() - secondAt).toBeLessThan(2000);
    expect(exit.code).toBe(1);
    expect(worker.lines.some((l) => l.includes('second signal during shutdown; exiting now'))).toBe(true);

    await stack.addWorker();
    expect((await waitForFinal(stack, res.body.id, 30_000)).status).toBe('transferred');
    expect(stack.sim.transfers().filter((t) => t.conversationId === conv.id)).toHaveLength(1);
  });
});

