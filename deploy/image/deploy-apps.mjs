// The image's runtime tree, one directory per app: `pnpm deploy --prod` of each app (its production dependencies
// only, the workspace packages it uses injected as copies), then the sources, tests and bench code pruned, so only
// `dist/` (what `pnpm build` emitted, with its source maps) and package manifests remain of our own code.
// Run after `pnpm install --frozen-lockfile` and `pnpm build`, from the workspace root:
//   node deploy/image/deploy-apps.mjs <out-dir>
// The Dockerfile's build stage runs exactly this; tests/src/image.int.test.ts replays that stage and checks the
// result (no tsx, esbuild, autocannon, testcontainers, dockerode, ssh2; the apps start from it on plain node).
// Prints one JSON line: per app, its directory, the packages in it and their size.
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, rmSync, existsSync } from 'node:fs';
import path from 'node:path';

/** What the image runs: directory under <out-dir> → workspace package. */
export const APPS = { ingress: '@fallback/ingress', worker: '@fallback/worker', 'genesys-sim': '@fallback/genesys-sim-app' };
/** Our code that is not for running: removed from every deployed copy of our packages. */
const PRUNE = ['src', 'test', 'bench', 'pnpm-lock.yaml'];

const out = path.resolve(process.argv[2] ?? 'deploy-out');

/** Apparent size of a tree in bytes, each inode once (pnpm hard-links files from its store). */
function sizeOf(dir, seen = new Set()) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const st = lstatSync(full);
    if (seen.has(st.ino)) continue;
    seen.add(st.ino);
    total += entry.isDirectory() ? sizeOf(full, seen) : st.size;
  }
  return total;
}

/** Every package directory under a pnpm node_modules/.pnpm store (name@version → its package dirs). */
function packagesIn(appDir) {
  const store = path.join(appDir, 'node_modules', '.pnpm');
  if (!existsSync(store)) return [];
  return readdirSync(store).filter((n) => n !== 'node_modules' && n !== 'lock.yaml');
}

rmSync(out, { recursive: true, force: true });
const summary = {};
for (const [dir, pkg] of Object.entries(APPS)) {
  const target = path.join(out, dir);
  // Injected workspace packages are what pnpm 10 deploys from a shared lockfile; set here, not in the workspace,
  // so development keeps its symlinks. --offline: the store the install filled has everything (no re-resolution).
  execFileSync('pnpm', ['--filter', pkg, '--config.inject-workspace-packages=true', 'deploy', '--prod', '--offline', target], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const p of PRUNE) rmSync(path.join(target, p), { recursive: true, force: true });
  const store = path.join(target, 'node_modules', '.pnpm');
  for (const entry of readdirSync(store).filter((n) => n.startsWith('@fallback+'))) {
    const scoped = path.join(store, entry, 'node_modules', '@fallback');
    for (const name of readdirSync(scoped)) {
      const copy = path.join(scoped, name);
      if (lstatSync(copy).isSymbolicLink()) continue;
      for (const p of PRUNE) rmSync(path.join(copy, p), { recursive: true, force: true });
    }
  }
  summary[dir] = { package: pkg, packages: packagesIn(target), nodeModulesBytes: sizeOf(path.join(target, 'node_modules')), totalBytes: sizeOf(target) };
}
process.stdout.write(`${JSON.stringify({ out, apps: summary })}\n`);
