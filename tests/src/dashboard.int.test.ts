import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '@fallback/genesys-sim';
import { waitFor } from '@fallback/testing';
import { startStack, waitForFinal, type Stack } from './harness.js';
import { ARTIFACTS, browserUnavailable, launchChromium } from './browser.js';

const ADMIN = { username: 'ops', password: 'dashboard-test-password' };
const unavailable = browserUnavailable();
if (unavailable) process.stderr.write(`\n[dashboard.int.test] SKIPPED: ${unavailable}\n\n`);

describe.skipIf(unavailable)('the dashboard in a real browser (Debian Chromium)', () => {
  let stack: Stack;
  let failed: { id: string; reason: string; detail: string; conversationId: string };

  beforeAll(async () => {
    stack = await startStack({ ingressEnv: { ADMIN_DASHBOARD: 'operate', ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password } });
    // One transfer refused by Genesys (a queue that does not exist): a dead letter with a reason and a correlation id.
    stack.sim.installFaults([{ endpoint: 'transfer', count: 1, action: { type: 'status', status: 400, code: 'conversations.error.queue.not.found', message: 'Queue not found' } }]);
    const conv = stack.sim.createConversation();
    const res = await stack.post({ eventId: 'dash-1', failureType: 'FLOW_ERROR', conversationId: conv.id });
    expect(res.status).toBe(202);
    const final = await waitForFinal(stack, res.body.id);
    expect(final, JSON.stringify(final)).toMatchObject({ status: 'failed', reason: 'genesys.rejected' });
    failed = { id: res.body.id, reason: final.reason, detail: final.detail, conversationId: conv.id };
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 401 without credentials', async () => {
    const chromium = await launchChromium();
    try {
      const page = await chromium.context.newPage();
      // Chromium answers a Basic challenge it has no credentials for with ERR_INVALID_AUTH_CREDENTIALS: the
      // page never loads; the 401 itself is seen on the response.
      const response = page.waitForResponse((r) => r.url().endsWith('/admin/queues'));
      const navigation = await page.goto(`${stack.ingressUrl}/admin/queues`).then(() => undefined, (e: Error) => e.message);
      const res = await response;
      expect(res.status()).toBe(401);
      expect(res.headers()['www-authenticate']).toMatch(/^Basic/);
      expect(navigation ?? '').toMatch(/ERR_INVALID_AUTH_CREDENTIALS|^$/);
      expect(await res.text()).not.toContain('fallbacks');
    } finally {
      await chromium.close();
    }
  });

  it('shows the queue and the failed job with its reason code and Genesys correlation id; a person can retry it', async () => {
    const chromium = await launchChromium({ httpCredentials: ADMIN });
    const cspViolations: string[] = [];
    try {
      const page = await chromium.context.newPage();
      page.on('console', (m) => {
        // Bull Board's UI asks Google Fonts for a typeface; the CSP refuses it on purpose (no third-party requests
        // from an operator's browser, and closed networks have none): the UI falls back to system fonts.
        if (/Content Security Policy/i.test(m.text()) && !m.text().includes('https://fonts.googleapis.com/')) cspViolations.push(m.text());
      });
      const res = await page.goto(`${stack.ingressUrl}/admin/queues`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['x-frame-options']).toBe('DENY');
      await page.getByText('fallbacks', { exact: false }).first().waitFor({ timeout: 15_000 });

      await page.goto(`${stack.ingressUrl}/admin/queues/queue/fallbacks?status=failed`);
      await page.getByText(failed.reason, { exact: false }).first().waitFor({ timeout: 15_000 });
      // The error panel renders a moment after the card.
      await page.getByText('conversations.error.queue.not.found', { exact: false }).first().waitFor({ timeout: 15_000 });
      const text = await page.locator('body').innerText();
      expect(text).toContain(failed.reason);
      expect(failed.reason).toBe('genesys.rejected');
      expect(text).toContain(failed.conversationId);
      const correlationId = /inin-correlation-id ([0-9a-f-]{36})/.exec(failed.detail)?.[1];
      expect(correlationId, `the failure detail names Genesys' correlation id: ${failed.detail}`).toBeDefined();
      expect(text).toContain(`inin-correlation-id ${correlationId}`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-failed-job.png'), fullPage: true });

      // The job card's first action (the circular-arrow icon; the board gives it no text) is "retry this job".
      const retried = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith(`/${failed.id}/retry`));
      await page.getByText(failed.id, { exact: true }).locator('xpath=following::button[1]').click();
      const confirm = page.getByRole('button', { name: /^(retry|confirm|yes)$/i });
      if (await confirm.isVisible().catch(() => false)) await confirm.click();
      expect((await retried).status()).toBe(204);
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-after-retry.png'), fullPage: true });
      // The fault was for one request: the retried job now transfers the call.
      const final = await waitFor(async () => ((await stack.status(failed.id)).body?.status === 'transferred' ? true : undefined), {
        what: 'the retried fallback to transfer the call',
        timeoutMs: 20_000,
      });
      expect(final).toBe(true);
      expect(stack.sim.transfers().filter((t) => t.conversationId === failed.conversationId)).toHaveLength(1);
      expect(stack.sim.transfers()[0]?.target.queueId).toBe(SEED.fallbackQueue.id);
      expect(cspViolations).toEqual([]);
    } finally {
      await chromium.close();
    }
  });
});
