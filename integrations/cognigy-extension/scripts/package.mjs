#!/usr/bin/env node
/**
 * Builds the archive a Cognigy admin uploads (Manage → Extensions → Upload Extension):
 *
 *   build/            the TypeScript compiled to CommonJS (Cognigy require()s package.json's `main`)
 *   node_modules/     the production dependencies, copied out of pnpm's store as plain directories
 *   package.json      name, version, main and dependencies only (no workspace links, no dev tooling)
 *   package-lock.json the same dependencies with registry URL and integrity, for an installation that runs npm ci
 *   README.md, icon.png
 *
 * Usage: node scripts/package.mjs [--out <dir>]   (default: this package's folder). Prints the archive's path.
 * The archive is reproducible: sorted entries, fixed times and owners, gzip without a timestamp.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(here, '../..');
const outArg = process.argv.indexOf('--out');
const outDir = outArg > 0 ? path.resolve(process.argv[outArg + 1] ?? '') : here;

/** The name Cognigy knows the extension by: keep it stable, an upload with the same name replaces the old one. */
const EXTENSION_NAME = 'genesys-fallback';
/** Fixed file times in the archive (2024-01-01T00:00:00Z): the same sources give the same bytes. */
const FIXED_MTIME = 1704067200;

const fail = (message) => {
  console.error(`package: ${message}`);
  process.exit(1);
};

const pkg = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8'));

// 1. Compile.
rmSync(path.join(here, 'build'), { recursive: true, force: true });
const tsc = createRequire(path.join(here, 'package.json')).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(here, 'tsconfig.build.json')], { stdio: 'inherit' });

// 2. Stage.
const stage = path.join(here, '.package');
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
cpSync(path.join(here, 'build'), path.join(stage, 'build'), { recursive: true });
for (const file of ['README.md', 'icon.png']) cpSync(path.join(here, file), path.join(stage, file));

// 3. Production dependencies, resolved through pnpm's links and copied flat (npm's layout). Two versions of
// one package would need nesting; none of ours has that, so it is refused rather than half-handled.
const installed = new Map(); // name → { version, dir, license, dependencies }
const visit = (name, fromDir) => {
  let manifestPath;
  try {
    manifestPath = realpathSync(createRequire(path.join(fromDir, 'package.json')).resolve(`${name}/package.json`));
  } catch {
    fail(`cannot find the dependency ${name} from ${path.relative(repoRoot, fromDir) || '.'}; run pnpm install`);
  }
  const dir = path.dirname(manifestPath);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const seen = installed.get(name);
  if (seen) {
    if (seen.version !== manifest.version) fail(`${name} is needed at ${seen.version} and ${manifest.version}; the flat layout cannot hold both`);
    return;
  }
  installed.set(name, { version: manifest.version, dir, license: manifest.license, dependencies: manifest.dependencies ?? {} });
  for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir);
};
for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
  if (String(range).startsWith('workspace:')) fail(`${name} is a workspace package; the extension must stand alone`);
  visit(name, here);
}
for (const [name, { dir }] of installed) cpSync(dir, path.join(stage, 'node_modules', name), { recursive: true, dereference: true });

// 4. package.json and package-lock.json for Cognigy.
const manifest = {
  name: EXTENSION_NAME,
  version: pkg.version,
  description: pkg.description,
  main: 'build/module.js',
  license: 'UNLICENSED',
  dependencies: pkg.dependencies ?? {},
};
writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

// Integrity hashes come from pnpm's lockfile (what was installed and checked); resolved URLs are the registry's.
const pnpmLock = readFileSync(path.join(repoRoot, 'pnpm-lock.yaml'), 'utf8');
const integrityOf = (name, version) => {
  const key = `${name}@${version}`;
  const at = pnpmLock.indexOf(`\n  '${key}':\n`) >= 0 ? pnpmLock.indexOf(`\n  '${key}':\n`) : pnpmLock.indexOf(`\n  ${key}:\n`);
  if (at < 0) fail(`${key} is not in pnpm-lock.yaml`);
  const match = /resolution: \{integrity: ([^,}\s]+)/.exec(pnpmLock.slice(at, at + 400));
  if (!match) fail(`no integrity for ${key} in pnpm-lock.yaml`);
  return match[1];
};
const tarballUrl = (name, version) => `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${version}.tgz`;
const lock = {
  name: EXTENSION_NAME,
  version: pkg.version,
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: EXTENSION_NAME, version: pkg.version, license: manifest.license, dependencies: manifest.dependencies },
  },
};
for (const [name, info] of [...installed].sort(([a], [b]) => a.localeCompare(b)))
  lock.packages[`node_modules/${name}`] = {
    version: info.version,
    resolved: tarballUrl(name, info.version),
    integrity: integrityOf(name, info.version),
    ...(info.license ? { license: info.license } : {}),
    ...(Object.keys(info.dependencies).length ? { dependencies: info.dependencies } : {}),
  };
writeFileSync(path.join(stage, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);

// 5. Archive (GNU tar for the ordering and ownership flags, gzip by zlib: no timestamp, no file name).
mkdirSync(outDir, { recursive: true });
const out = path.join(outDir, `${EXTENSION_NAME}-${pkg.version}.tar.gz`);
const entries = ['build', 'node_modules', 'package.json', 'package-lock.json', 'README.md', 'icon.png'].filter((e) => existsSync(path.join(stage, e)));
const tarBytes = execFileSync(
  'tar',
  ['--sort=name', `--mtime=@${FIXED_MTIME}`, '--owner=0', '--group=0', '--numeric-owner', '--format=ustar', '-cf', '-', '-C', stage, ...entries],
  { maxBuffer: 64 * 1024 * 1024 },
);
writeFileSync(out, gzipSync(tarBytes, { level: 9 }));
rmSync(stage, { recursive: true, force: true });
console.log(out);
