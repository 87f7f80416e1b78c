import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT } from '@fallback/testing';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Where tests keep screenshots (gitignored). */
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

/**
 * Why browser tests cannot run here, or undefined when they can. On CI a missing browser is an error, not a
 * skip: .ci/run installs it, so its absence means the setup broke.
 */
export function browserUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} is missing (Debian: apt-get update && apt-get install -y chromium)`;
  if (env['CI']) throw new Error(`browser tests must run on CI: ${why}`);
  return why;
}

/**
 * Launches headless Chromium with a fresh, empty profile (Playwright takes it as the persistent context's
 * user data dir). The background-networking flags matter on a closed network: without them Chromium's own
 * update/sync connections are refused, many at a time, on every start.
 */
export async function launchChromium(options: { httpCredentials?: { username: string; password: string } } = {}): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'fallback-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    ...options,
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
