/**
 * The repository stands on its own: no tracked file points at notes outside it (a reader of a clone does not
 * have them), and every relative link of the Markdown docs leads to a file that exists, and to a heading in it
 * when it names one.
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
const SLASH = '/';
const OUTSIDE = new RegExp([`\\.\\.${SLASH}shared`, `shared${SLASH}docs`, `shared${SLASH}seed`, `${SLASH}work${SLASH}shared`].join('|'));

describe('the repository', () => {
  it('has no reference to notes outside it', () => {
    const offenders = tracked.flatMap((file) => {
      const body = file === 'pnpm-lock.yaml' ? undefined : text(file);
      if (!body) return [];
      return body.split('\n').flatMap((line, i) => (OUTSIDE.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
    });
    expect(offenders).toEqual([]);
  });

  it('has Markdown whose relative links lead to files of the repository, and to headings that exist', () => {
    const broken: string[] = [];
    for (const file of tracked.filter((f) => f.endsWith('.md'))) {
      const body = withoutCode(text(file) ?? '');
      // [label](target); absolute URLs and mail links are not ours to check.
      for (const match of body.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = match[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const [pathPart, anchor] = target.split('#') as [string, string | undefined];
        const resolved = pathPart ? path.resolve(REPO_ROOT, path.dirname(file), decodeURIComponent(pathPart)) : path.join(REPO_ROOT, file);
        if (!resolved.startsWith(REPO_ROOT + path.sep) || !existsSync(resolved)) {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && !headingSlugs(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});

/** Markdown without fenced blocks and code spans (a `# comment` in a shell block is not a heading, a link in code is not a link). */
function withoutCode(md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchors of a document's headings: lower case, punctuation dropped, spaces to hyphens. */
function headingSlugs(md: string): Set<string> {
  const slugs = new Set<string>();
  for (const line of md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    let unique = slug;
    for (let n = 1; slugs.has(unique); n += 1) unique = `${slug}-${n}`;
    slugs.add(unique);
  }
  return slugs;
}
