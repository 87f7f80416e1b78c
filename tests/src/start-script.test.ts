/**
 * `pnpm start:*` (scripts/start.mjs): the built code when `pnpm build` is fresh, the sources through tsx when any
 * source changed after it or a workspace was never built; in a throwaway tree with set modification times.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@fallback/testing';
// @ts-expect-error: a plain .mjs script without declarations
import { launchArgs, staleBuild } from '../../scripts/start.mjs';

let root: string;
const file = (rel: string, atSec: number) => {
  const full = path.join(root, rel);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, '');
  utimesSync(full, atSec, atSec);
};

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'start-script-'));
  file('packages/core/src/job.ts', 1000);
  file('packages/core/src/job.test.ts', 5000); // tests are not built: never make a build stale
  file('apps/ingress/src/main.ts', 1000);
  file('apps/ingress/src/types.d.ts', 5000);
  file('packages/core/dist/job.js', 2000);
  file('apps/ingress/dist/main.js', 2000);
  mkdirSync(path.join(root, 'apps/no-sources'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('start:* (scripts/start.mjs)', () => {
  it('runs the built code on plain node when the build is newer than every source', () => {
    expect(staleBuild(root)).toBeUndefined();
    expect(launchArgs('ingress', root)).toEqual({ args: ['--enable-source-maps', '--conditions=fallback-dist', 'apps/ingress/dist/main.js'], built: true });
  });

  it('runs the sources through tsx when one changed after the build, saying why', () => {
    file('packages/core/src/deadline.ts', 3000);
    expect(launchArgs('ingress', root)).toEqual({ args: ['--import', 'tsx', 'apps/ingress/src/main.ts'], built: false, reason: 'sources changed after the last build' });
  });

  it('runs the sources when a workspace was never built', () => {
    file('packages/queue/src/producer.ts', 1000);
    expect(staleBuild(root)).toBe('packages/queue is not built');
  });

  it('names an unknown app', () => {
    expect(() => launchArgs('nope', root)).toThrow(/unknown app "nope" \(known: ingress, worker, sim\)/);
  });

  it('is what package.json runs for each app', () => {
    const scripts = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    for (const app of ['ingress', 'worker', 'sim']) expect(scripts[`start:${app}`]).toBe(`exec node $(node scripts/start.mjs ${app})`);
  });
});
