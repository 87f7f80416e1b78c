import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { findRedisServer, freePort } from './redis-server.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** A private Redis Cluster of local redis-server processes (masters only). */
export interface PrivateRedisCluster {
  /** `redis+cluster://127.0.0.1:p1,…` as REDIS_URL takes it. */
  url: string;
  ports: number[];
  /** Stops every node and removes their data. */
  destroy(): Promise<void>;
}

/** Where redis-cli is, or undefined. */
export function findRedisCli(): string | undefined {
  for (const p of ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli', '/opt/homebrew/bin/redis-cli']) if (existsSync(p)) return p;
  return undefined;
}

/** Why a local cluster cannot be started here (missing binaries), or undefined when it can. */
export function redisClusterUnavailable(): string | undefined {
  if (!findRedisServer()) return 'redis-server is not installed (Debian: apt-get install redis-server)';
  if (!findRedisCli()) return 'redis-cli is not installed (Debian: apt-get install redis-tools)';
  return undefined;
}

/**
 * Starts `nodes` redis-server processes with `--cluster-enabled yes` on free loopback ports, joins them with
 * `redis-cli --cluster create` (all slots spread over the masters, no replicas) and waits for cluster_state:ok
 * on every node.
 */
export async function startRedisCluster(nodes = 3): Promise<PrivateRedisCluster> {
  const server = findRedisServer();
  const cli = findRedisCli();
  if (!server || !cli) throw new Error(redisClusterUnavailable());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fallback-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const destroy = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < nodes; i += 1) {
      const port = await freePort();
      ports.push(port);
      // prettier-ignore
      children.push(spawn(server, [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
        '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--logfile', path.join(dir, `redis-${port}.log`),
      ], { stdio: 'ignore' }));
    }
    const clients = ports.map((port) => new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 }));
    // Refused connections are expected until each node listens.
    for (const c of clients) c.on('error', () => undefined);
    try {
      for (const c of clients) await waitFor(async () => (await c.ping().catch(() => undefined)) === 'PONG', { timeoutMs: 10_000, what: 'a cluster node' });
      await run(cli, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
      for (const c of clients)
        await waitFor(async () => /cluster_state:ok/.test(String(await c.cluster('INFO'))), { timeoutMs: 20_000, what: 'cluster_state:ok' });
    } finally {
      for (const c of clients) c.disconnect();
    }
  } catch (err) {
    await destroy();
    throw err;
  }
  return { url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, ports, destroy };
}
