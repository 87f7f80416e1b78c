/**
 * Test and bench code lives in its own rooms, never in what ships. "Production source", precisely: every
 * TypeScript/JavaScript file under `apps/<app>/src/` and `packages/<pkg>/src/` that is not a test (`*.test.ts`,
 * `*.int.test.ts`) or a declaration file, except in
 *   - packages/testing (the test helpers themselves),
 *   - packages/genesys-sim and apps/genesys-sim (the simulator's own package and app),
 *   - apps/stack (`pnpm start`'s demo launcher: it starts the simulator by design and is not in the image).
 * Such a file imports neither `@fallback/testing` nor the simulator (`@fallback/genesys-sim`), and no relative
 * path outside its own `src/` (that is where the test rooms are: `test/`, `bench/`). Its package's runtime
 * `dependencies` do not list those packages either, so `pnpm deploy --prod` cannot pull them into the image.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Packages and apps whose src/ is not production source (see the header for why). */
const EXEMPT = new Set(['packages/testing', 'packages/genesys-sim', 'apps/genesys-sim', 'apps/stack']);
/** What production code must never import (the package or any subpath of it). */
const FORBIDDEN = ['@fallback/testing', '@fallback/genesys-sim'];

const SOURCE = /\.(c|m)?(t|j)s$/;
const isTest = (file: string) => /\.(int\.)?test\.(c|m)?(t|j)s$/.test(file) || file.endsWith('.d.ts');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? (e.name === 'node_modules' || e.name === 'dist' ? [] : walk(full)) : [full];
  });
}

/** The workspace packages whose src/ is production source, as repo-relative dirs (`apps/ingress`). */
function productionPackages(root = ROOT): string[] {
  return ['apps', 'packages'].flatMap((group) =>
    readdirSync(path.join(root, group))
      .map((name) => `${group}/${name}`)
      .filter((dir) => !EXEMPT.has(dir) && statSync(path.join(root, dir, 'src'), { throwIfNoEntry: false })?.isDirectory()),
  );
}

/** Every module specifier a file names: static and type imports, re-exports, `import()`, `require()`. */
function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** What is wrong with a production file's imports (empty when nothing): `file: imports X (why)`. */
function importProblems(file: string, text: string, srcDir: string): string[] {
  return importsOf(text).flatMap((spec) => {
    if (FORBIDDEN.some((f) => spec === f || spec.startsWith(`${f}/`))) return [`${file}: imports ${spec} (test/simulator code in a production source)`];
    if (spec.startsWith('.')) {
      const target = path.resolve(path.dirname(file), spec);
      if (path.relative(srcDir, target).startsWith('..')) return [`${file}: imports ${spec}, outside its package's src/ (a test or bench room)`];
    }
    return [];
  });
}

describe('production sources import no test or simulator code', () => {
  const packages = productionPackages();

  it('covers every deployable and every library package', () => {
    for (const p of ['apps/ingress', 'apps/worker', 'packages/core', 'packages/config', 'packages/genesys', 'packages/queue', 'packages/processor', 'packages/observability', 'packages/ingress-core'])
      expect(packages, p).toContain(p);
    for (const p of EXEMPT) expect(packages).not.toContain(p);
  });

  it('finds no forbidden import in any production file', () => {
    const problems: string[] = [];
    let files = 0;
    for (const pkg of packages) {
      const srcDir = path.join(ROOT, pkg, 'src');
      for (const file of walk(srcDir).filter((f) => SOURCE.test(f) && !isTest(f))) {
        files += 1;
        problems.push(...importProblems(path.relative(ROOT, file), readFileSync(file, 'utf8'), path.relative(ROOT, srcDir)));
      }
    }
    expect(files).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });

  it('no production package lists test or simulator packages as runtime dependencies', () => {
    for (const pkg of packages) {
      const manifest = JSON.parse(readFileSync(path.join(ROOT, pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      for (const f of FORBIDDEN) expect(Object.keys(manifest.dependencies ?? {}), `${pkg}/package.json dependencies`).not.toContain(f);
    }
  });

  it('the checker does catch each kind of violation (and lets tests and plain imports pass)', () => {
    const src = 'apps/ingress/src';
    const text = [
      "import { uniquePrefix } from '@fallback/testing';",
      "export { SEED } from '@fallback/genesys-sim';",
      "import type { Simulator } from '@fallback/genesys-sim/server';",
      "const t = await import('@fallback/testing');",
      "const { x } = require('../test/test-app.js');",
      "import { buildApp } from './app.js';",
      "import { Redis } from 'ioredis';",
      "// a comment naming '@fallback/testing' is not an import",
    ].join('\n');
    const problems = importProblems(`${src}/main.ts`, text, src);
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/outside its package's src/);
    expect(importProblems(`${src}/deep/x.ts`, "import { a } from '../app.js';", src)).toEqual([]);
    expect(isTest('apps/ingress/src/ops.int.test.ts') && isTest('packages/core/src/job.test.ts') && !isTest('apps/ingress/src/app.ts')).toBe(true);
  });
});
