// `pnpm build`: transpiles every workspace package and app from src/*.ts to dist/*.js (esbuild, no bundling, no
// type-check: `pnpm typecheck` does that). Development runs the TypeScript through tsx; production (the Docker
// image, the benchmarks) runs `node --conditions=fallback-dist apps/<app>/dist/main.js`, which resolves each
// @fallback/* package to its dist/ through the "fallback-dist" export condition. That saves tsx's loader thread
// (~50 MB of RSS per process) and its start-up time.
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dirs = ['packages', 'apps'].flatMap((group) =>
  readdirSync(path.join(root, group)).map((name) => path.join(root, group, name)).filter((d) => statSync(path.join(d, 'src'), { throwIfNoEntry: false })?.isDirectory()),
);

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

const started = Date.now();
let files = 0;
for (const dir of dirs) {
  rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
  const entryPoints = sources(path.join(dir, 'src'));
  files += entryPoints.length;
  await build({
    entryPoints,
    outdir: path.join(dir, 'dist'),
    outbase: path.join(dir, 'src'),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
process.stdout.write(`built ${files} files in ${dirs.length} workspaces in ${Date.now() - started} ms\n`);
