import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { SEED } from '@fallback/genesys-sim';
import { onLines } from '@fallback/observability';
import { REPO_ROOT, freePort, uniquePrefix, waitFor } from '@fallback/testing';

/**
 * The image without a Docker engine: the Dockerfile's build stage replayed in a temp dir (its COPY lines with
 * .dockerignore applied, its RUN lines run by sh), then what its runtime stage copies is checked: each app has
 * only its production dependencies, no sources, and the three apps start from it with the compose commands and
 * move a call (ingress → Redis → worker → simulator), on this machine's Node (the image runs Node 22).
 */
const FORBIDDEN = ['tsx', 'esbuild', 'autocannon', 'testcontainers', 'dockerode', 'ssh2', 'vitest', '@fallback/testing'];

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string;
  instructions: Instruction[];
}

/** The Dockerfile as stages of instructions (comments dropped, `\` continuations joined). */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of lines) {
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(line)!;
    if (op === 'FROM') {
      const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args!)!;
      stages.push({ from: from!, name: name ?? String(stages.length), instructions: [] });
    } else stages.at(-1)!.instructions.push({ op: op!.toUpperCase(), args: args! });
  }
  return stages;
}

/** A .dockerignore as a predicate on context-relative paths (the pattern forms this repo uses). */
function dockerignore(text: string): (rel: string) => boolean {
  const patterns = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const regexes = patterns.map((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(.*/)?').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`));
  return (rel) => {
    const parts = rel.split('/');
    return parts.some((_, i) => regexes.some((r) => r.test(parts.slice(0, i + 1).join('/'))));
  };
}

/** Every package directory name in a deployed app's pnpm store and node_modules tree (`name@version…`, `name`). */
function installedNames(appDir: string): string[] {
  const names = new Set<string>();
  const walk = (nm: string, depth: number) => {
    if (!existsSync(nm) || depth > 6) return;
    for (const e of readdirSync(nm, { withFileTypes: true })) {
      if (e.name === '.pnpm') {
        for (const entry of readdirSync(path.join(nm, '.pnpm'))) {
          // `@scope+name@1.2.3_peer@4.5.6` → `@scope/name`
          const n = entry.replace(/^@([^+]+)\+/, '@$1/');
          const at = n.indexOf('@', 1);
          names.add(at === -1 ? n : n.slice(0, at));
          walk(path.join(nm, '.pnpm', entry, 'node_modules'), depth + 1);
        }
      } else if (e.name.startsWith('@') && e.isDirectory()) {
        for (const scoped of readdirSync(path.join(nm, e.name))) names.add(`${e.name}/${scoped}`);
      } else names.add(e.name);
    }
  };
  walk(path.join(appDir, 'node_modules'), 0);
  return [...names];
}

function filesUnder(dir: string, keep: (f: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isSymbolicLink()) return [];
    return e.isDirectory() ? filesUnder(full, keep) : keep(full) ? [full] : [];
  });
}

describe('the image, built without Docker', () => {
  const stages = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  const build = stages.find((s) => s.name === 'build')!;
  const runtime = stages.at(-1)!;
  const ignored = dockerignore(readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8'));
  let work: string;
  let buildWorkdir: string;
  let runtimeRoot: string;
  let deploySummary: { apps: Record<string, { packages: string[]; nodeModulesBytes: number; totalBytes: number }> };

  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'fallback-image-'));
    let workdir = '/';
    const local = (containerPath: string) => path.join(work, path.resolve(workdir, containerPath));
    for (const { op, args } of build.instructions) {
      if (op === 'WORKDIR') {
        workdir = path.resolve(workdir, args);
        mkdirSync(local('.'), { recursive: true });
      } else if (op === 'COPY') {
        const parts = args.split(/\s+/);
        const dest = parts.pop()!;
        for (const src of parts) {
          const from = path.join(REPO_ROOT, src);
          const to = dest.endsWith('/') || parts.length > 1 || statSync(from).isDirectory() ? path.join(local(dest), statSync(from).isDirectory() && !dest.endsWith('/') ? '' : path.basename(src)) : local(dest);
          cpSync(from, to, { recursive: true, filter: (f) => !ignored(path.relative(REPO_ROOT, f)) });
        }
      } else if (op === 'RUN') {
        const pnpmPin = /^npm install -g pnpm@(\S+)$/.exec(args);
        if (pnpmPin) {
          // The image installs the pnpm the workspace pins; this machine must have the same one.
          const pinned = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).packageManager;
          expect(`pnpm@${pnpmPin[1]}`).toBe(pinned);
          expect(execSync('pnpm --version').toString().trim()).toBe(pnpmPin[1]);
          continue;
        }
        const output = execSync(args, { cwd: local('.'), env: { ...process.env, NODE_ENV: '' }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).toString();
        const summary = output.split('\n').find((l) => l.startsWith('{"out"'));
        if (summary) deploySummary = JSON.parse(summary);
      }
    }
    buildWorkdir = local('.');
    // The runtime stage's COPY --from=build <path> <dest>: what the image holds at <dest>.
    const copy = runtime.instructions.find((i) => i.op === 'COPY' && i.args.startsWith('--from=build'))!;
    const [, from] = copy.args.split(/\s+/);
    runtimeRoot = path.join(work, from!);
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('builds a runtime tree per app that compose runs', () => {
    expect(buildWorkdir).toBeTruthy();
    const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as any;
    for (const app of ['ingress', 'worker', 'genesys-sim']) {
      const entry = (compose.services[app].command as string[]).at(-1)!;
      expect(existsSync(path.join(runtimeRoot, entry)), `${app}: ${entry}`).toBe(true);
      expect(existsSync(path.join(runtimeRoot, `${entry}.map`)), `${app}: source map`).toBe(true);
    }
  });

  it('holds only production dependencies: no tsx, esbuild, autocannon, testcontainers, dockerode, ssh2', () => {
    // The listing does see what is there (so an absence below means something).
    expect(installedNames(path.join(runtimeRoot, 'ingress'))).toEqual(expect.arrayContaining(['fastify', 'bullmq', 'ioredis', '@fallback/queue', '@fastify/under-pressure']));
    expect(installedNames(path.join(runtimeRoot, 'worker'))).toEqual(expect.arrayContaining(['axios', 'axios-retry', '@fallback/processor']));
    for (const app of ['ingress', 'worker', 'genesys-sim']) {
      const names = installedNames(path.join(runtimeRoot, app));
      expect(names.length, app).toBeGreaterThan(20);
      for (const f of FORBIDDEN) expect(names.filter((n) => n === f || n.startsWith('@esbuild/')), `${app}: ${f}`).toEqual([]);
    }
    // The simulator is in its own app only: ingress and worker never carry it.
    for (const app of ['ingress', 'worker']) expect(installedNames(path.join(runtimeRoot, app)).filter((n) => n.startsWith('@fallback/genesys-sim'))).toEqual([]);
  });

  it('holds none of our sources, tests or bench code, only dist/', () => {
    for (const app of ['ingress', 'worker', 'genesys-sim']) {
      const ours = filesUnder(path.join(runtimeRoot, app), (f) => !f.includes(`${path.sep}node_modules${path.sep}`) || f.includes(`${path.sep}@fallback${path.sep}`));
      const stray = ours.filter((f) => /\.(ts|mts|cts)$/.test(f) || /[/\\](src|test|bench)[/\\]/.test(path.relative(runtimeRoot, f)));
      expect(stray, app).toEqual([]);
    }
  });

  it('reports its size (node_modules per app, apparent bytes) and stays lean', () => {
    const mb = (b: number) => Math.round(b / 1e5) / 10;
    const sizes = Object.fromEntries(Object.entries(deploySummary.apps).map(([app, s]) => [app, { packages: s.packages.length, nodeModulesMB: mb(s.nodeModulesBytes), totalMB: mb(s.totalBytes) }]));
    process.stdout.write(`image runtime tree (measured without Docker): ${JSON.stringify(sizes)}\n`);
    for (const s of Object.values(deploySummary.apps)) expect(s.nodeModulesBytes).toBeLessThan(120e6);
  });

  it('the apps start from it on plain node with the compose commands and move a call', async () => {
    const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as any;
    const children: ChildProcess[] = [];
    const start = (app: string, env: Record<string, string>) => {
      const [cmd, ...args] = compose.services[app].command as string[];
      expect(cmd).toBe('node');
      expect(args).toContain('--enable-source-maps');
      const child = spawn(process.execPath, args, { cwd: runtimeRoot, env: { PATH: process.env['PATH']!, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const lines: string[] = [];
      for (const s of [child.stdout!, child.stderr!]) onLines(s, (l) => lines.push(l));
      children.push(child);
      return (pattern: RegExp) => waitFor(() => lines.find((l) => pattern.test(l)) ?? (child.exitCode !== null ? Promise.reject(new Error(`${app} exited: ${lines.slice(-3).join(' | ')}`)) : undefined), { timeoutMs: 20_000, what: `${app} to log ${pattern}` });
    };
    try {
      const [simPort, ingressPort] = [await freePort(), await freePort()];
      const sim = `http://127.0.0.1:${simPort}`;
      const prefix = uniquePrefix('image');
      const common = { REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: prefix };
      const simUp = start('genesys-sim', { SIM_HOST: '127.0.0.1', SIM_PORT: String(simPort), SIM_TRANSFER_DELAY_MS: '0' });
      await simUp(/SIMULATOR listening/);
      const ingressUp = start('ingress', { ...common, INGRESS_HOST: '127.0.0.1', INGRESS_PORT: String(ingressPort), INGRESS_API_KEYS: 'image-test-key-0123456789', DEFAULT_QUEUE_ID: SEED.fallbackQueue.id });
      const workerUp = start('worker', { ...common, WORKER_HTTP_PORT: '0', GENESYS_API_URL: sim, GENESYS_LOGIN_URL: sim, GENESYS_CLIENT_ID: SEED.clientId, GENESYS_CLIENT_SECRET: SEED.clientSecret, CONFIRM_DELAY_MS: '0' });
      await Promise.all([ingressUp(/ingress listening/), workerUp(/worker ready/)]);

      const conv = (await (await fetch(`${sim}/__sim/conversations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { id: string };
      const res = await fetch(`http://127.0.0.1:${ingressPort}/v1/fallbacks`, {
        method: 'POST',
        headers: { authorization: 'Bearer image-test-key-0123456789', 'content-type': 'application/json' },
        body: JSON.stringify({ eventId: 'image-1', conversationId: conv.id }),
      });
      expect(res.status).toBe(202);
      const transfers = await waitFor(
        async () => {
          const t = ((await (await fetch(`${sim}/__sim/transfers?conversationId=${conv.id}`)).json()) as { transfers: unknown[] }).transfers;
          return t.length > 0 ? t : undefined;
        },
        { timeoutMs: 20_000, what: 'the transfer in the simulator' },
      );
      expect(transfers).toHaveLength(1);
    } finally {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    }
  });
});
