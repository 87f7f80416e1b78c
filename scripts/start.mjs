// `pnpm start:<app>` (ingress, worker, sim) runs `exec node $(node scripts/start.mjs <app>)`: this prints the node
// arguments that run the app as production does — `pnpm build` output on plain node (`--conditions=fallback-dist`,
// no tsx loader thread: ~50 MB less RSS, no transpiling at start) — when that build is fresh, and its TypeScript
// sources through tsx otherwise, saying so on stderr. Fresh: every workspace with sources has a dist/, and no
// source changed after the oldest file of any dist/ (pnpm build rewrites them all), so an edit never runs stale.
// The shell then replaces itself with node: no process in between to relay signals (a relayed SIGINT on top of
// the terminal's own would be the "second signal" that skips the app's drain).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The apps `start:*` runs, by the name after the colon. */
export const APPS = { ingress: 'apps/ingress', worker: 'apps/worker', sim: 'apps/genesys-sim' };

/** Newest and oldest modification time (ms) of the files under `dir` that `keep` accepts; undefined when none. */
function mtimes(dir, keep) {
  let newest;
  let oldest;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (keep(entry.name)) {
        const t = statSync(full).mtimeMs;
        newest = newest === undefined ? t : Math.max(newest, t);
        oldest = oldest === undefined ? t : Math.min(oldest, t);
      }
    }
  };
  walk(dir);
  return newest === undefined ? undefined : { newest, oldest };
}

const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts');
const isBuilt = (name) => name.endsWith('.js');

/**
 * Whether `pnpm build`'s output under `root` is current: undefined when it is, else the reason it is not (a line
 * for stderr). Reads modification times only (a few hundred stat calls).
 */
export function staleBuild(root = ROOT) {
  let newestSource = 0;
  let oldestBuild = Infinity;
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(path.join(root, group))) {
      const src = path.join(root, group, name, 'src');
      if (!statSync(src, { throwIfNoEntry: false })?.isDirectory()) continue;
      const sources = mtimes(src, isSource);
      if (!sources) continue;
      const dist = path.join(root, group, name, 'dist');
      const built = statSync(dist, { throwIfNoEntry: false })?.isDirectory() ? mtimes(dist, isBuilt) : undefined;
      if (!built) return `${group}/${name} is not built`;
      newestSource = Math.max(newestSource, sources.newest);
      oldestBuild = Math.min(oldestBuild, built.oldest);
    }
  }
  return newestSource > oldestBuild ? 'sources changed after the last build' : undefined;
}

/**
 * The node arguments that run an app, relative to the repository root (pnpm runs scripts there): built when
 * fresh, else its sources through tsx (resolved from the root's dependencies).
 */
export function launchArgs(app, root = ROOT) {
  const dir = APPS[app];
  if (!dir) throw new Error(`unknown app "${app}" (known: ${Object.keys(APPS).join(', ')})`);
  const stale = staleBuild(root);
  if (stale === undefined) return { args: ['--enable-source-maps', '--conditions=fallback-dist', `${dir}/dist/main.js`], built: true };
  return { args: ['--import', 'tsx', `${dir}/src/main.ts`], built: false, reason: stale };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const app = process.argv[2];
  try {
    const launch = launchArgs(app);
    if (!launch.built) process.stderr.write(`start:${app}: running the TypeScript sources through tsx (${launch.reason}; \`pnpm build\` to run the built code)\n`);
    process.stdout.write(`${launch.args.join(' ')}\n`);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    // Nothing on stdout: `node` alone would wait for a script on stdin; this makes it fail at once instead.
    process.stdout.write('--invalid-start-arguments\n');
    process.exit(2);
  }
}
