/**
 * The repository stands on its own: no tracked file points at notes outside it (a reader of a clone does not
 * have them), and every relative link of the Markdown docs leads to a file that exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@fallback/testing';

const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
  .split('\0')
  .filter(Boolean)
  .filter((f) => existsSync(path.join(REPO_ROOT, f)));

const text = (file: string): string | undefined => {
  const buf = readFileSync(path.join(REPO_ROOT, file));
  return buf.includes(0) ? undefined : buf.toString('utf8'); // binary (icons): nothing to read
};

// Built from parts so this file does not match itself.
const OUTSIDE = new RegExp(['\\.\\./shared', 'shared/docs', 'shared/seed', '/work/shared'].join('|'));

describe('the repository', () => {
  it('has no reference to notes outside it', () => {
    const offenders = tracked.flatMap((file) => {
      const body = file === 'pnpm-lock.yaml' ? undefined : text(file);
      if (!body) return [];
      return body.split('\n').flatMap((line, i) => (OUTSIDE.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
    });
    expect(offenders).toEqual([]);
  });
});
