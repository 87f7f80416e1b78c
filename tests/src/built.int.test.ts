import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@fallback/testing';
import { startStack, waitForFinal, type Stack } from './harness.js';

/** The production form (what the Docker image runs): `pnpm build` output on plain node, no tsx. */
describe('built services (pnpm build → node --conditions=fallback-dist)', () => {
  let stack: Stack;
  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build.mjs')], { cwd: REPO_ROOT, stdio: 'pipe' });
    stack = await startStack({ runtime: 'dist' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs ingress and worker from dist/ and transfers a call', async () => {
    const conv = stack.sim.createConversation();
    const res = await stack.post({ conversationId: conv.id, eventId: 'built-1' });
    expect(res.status).toBe(202);
    expect((await waitForFinal(stack, res.body.id)).status).toBe('transferred');
    expect(stack.sim.transfers()).toHaveLength(1);
    // The processes really ran the built files, not the sources.
    for (const p of [stack.ingress, ...stack.workers]) expect(p.child.spawnargs.join(' ')).toMatch(/--conditions=fallback-dist \S+\/dist\/main\.js/);
  });
});
