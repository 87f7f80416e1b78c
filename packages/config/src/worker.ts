import { z } from 'zod';
import { DEFAULT_BOT_PURPOSES, GENESYS_REGIONS, TRANSFER_STRATEGIES, resolveHosts, type GenesysHosts, type ReadEndpoint, type TransferStrategy } from '@fallback/genesys';
import type { BreakerDefaults } from '@fallback/breaker';
import { breakerConfig, breakerShape, checkBreaker } from './breaker.js';
import { checkCommon, commonConfig, commonShape, deepFreeze, int, list, optional, parseEnv, str, type CommonConfig, type Env } from './env.js';

/**
 * True when the API URL is Genesys Cloud itself: unset (derived from the region) or a host under one of its
 * domains. Anything else is a simulator or a proxy. Pure.
 */
export function isGenesysCloudApi(apiUrl: string | undefined): boolean {
  if (apiUrl === undefined) return true;
  let host: string;
  try {
    host = new URL(apiUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  return Object.keys(GENESYS_REGIONS).some((domain) => host === domain || host.endsWith(`.${domain}`));
}

export const workerSchema = z
  .object({
    ...commonShape,
    GENESYS_REGION: str('mypurecloud.com'),
    GENESYS_API_URL: optional().pipe(z.url().optional()),
    GENESYS_LOGIN_URL: optional().pipe(z.url().optional()),
    GENESYS_CLIENT_ID: optional(),
    GENESYS_CLIENT_SECRET: optional(),
    GENESYS_TIMEOUT_MS: int(5000, 100, 60_000),
    GENESYS_READ_ENDPOINT: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['conversations', 'calls']).default('conversations')),
    TRANSFER_STRATEGY: z.preprocess((v) => (v === '' ? undefined : v), z.enum(TRANSFER_STRATEGIES).default('replace')),
    BOT_PURPOSES: list([...DEFAULT_BOT_PURPOSES]),
    BOT_ADDRESS: optional(),
    CONFIRM_DELAY_MS: int(250, 0, 10_000),
    CONFIRM_READS: int(3, 0, 10),
    CONFIRM_GRACE_MS: int(30_000, 0, 600_000),
    POST_SETTLE_MS: int(10_000, 0, 600_000),
    MAX_TRANSFER_POSTS: int(3, 1, 20),
    ANALYTICS_READS: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['auto', 'off']).default('auto')),
    ANALYTICS_BATCH_SIZE: int(100, 2, 100),
    ANALYTICS_LAG_MS: int(2000, 0, 60_000),
    WORKER_CONCURRENCY: int(200, 1, 5000),
    LOCK_DURATION_MS: int(3000, 1000, 600_000),
    STALLED_INTERVAL_MS: int(1000, 500, 600_000),
    MAX_STALLED_COUNT: int(3, 0, 100),
    BACKOFF_BASE_MS: int(500, 10, 60_000),
    BACKOFF_CAP_MS: int(10_000, 10, 600_000),
    SHUTDOWN_TIMEOUT_MS: int(10_000, 100, 600_000),
    GENESYS_CLIENTS: list().pipe(
      z.array(z.string().regex(/^[^:\s]+:\S+$/, 'each entry must be clientId:clientSecret')),
    ),
    GENESYS_REQUESTS_PER_MINUTE: int(295, 0, 1_000_000),
    GENESYS_BUDGET_WINDOW_SECONDS: int(60, 1, 3600),
    GENESYS_MAX_IN_FLIGHT: int(1, 1, 64),
    PACING_FIRST_WAIT_MS: int(1000, 0, 600_000),
    PACING_MAX_WAIT_MS: int(30_000, 0, 600_000),
    CLAIM_TTL_MS: int(30_000, 1000, 600_000),
    MAX_STARTS: int(500, 1, 100_000),
    WORKER_HTTP_HOST: str('0.0.0.0'),
    WORKER_HTTP_PORT: int(9091, 0, 65_535),
    // The worker reads only the file's `breakers:` (it flips what the ingress counts).
    ROUTES_FILE: optional(),
    ...breakerShape,
  })
  .superRefine((e, ctx) => {
    checkCommon(e, ctx);
    checkBreaker(e, ctx);
    // The tutorial's batch endpoint exists only in our simulator: against Genesys Cloud every transfer would 404.
    if (e.TRANSFER_STRATEGY === 'interactions' && isGenesysCloudApi(e.GENESYS_API_URL))
      ctx.addIssue({
        code: 'custom',
        path: ['TRANSFER_STRATEGY'],
        message: `interactions (POST /api/v2/interactions) does not exist in Genesys Cloud, only in the simulator; GENESYS_API_URL ${e.GENESYS_API_URL ? 'is a Genesys Cloud host' : 'is unset (Genesys Cloud)'}: use TRANSFER_STRATEGY=replace`,
      });
    if (!e.GENESYS_CLIENT_ID)
      ctx.addIssue({ code: 'custom', path: ['GENESYS_CLIENT_ID'], message: 'required: the OAuth client (client credentials grant) the worker authenticates as' });
    if (!e.GENESYS_CLIENT_SECRET)
      ctx.addIssue({ code: 'custom', path: ['GENESYS_CLIENT_SECRET'], message: 'required: the secret of GENESYS_CLIENT_ID' });
    for (const p of e.BOT_PURPOSES)
      if (p === 'customer' || p === 'acd')
        ctx.addIssue({ code: 'custom', path: ['BOT_PURPOSES'], message: `"${p}" legs are never replaced` });
    try {
      resolveHosts({ region: e.GENESYS_REGION, apiUrl: e.GENESYS_API_URL, loginUrl: e.GENESYS_LOGIN_URL });
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['GENESYS_REGION'], message: (err as Error).message });
    }
    if (e.POST_SETTLE_MS > 0 && e.POST_SETTLE_MS < e.GENESYS_TIMEOUT_MS)
      ctx.addIssue({ code: 'custom', path: ['POST_SETTLE_MS'], message: `must be ≥ GENESYS_TIMEOUT_MS (${e.GENESYS_TIMEOUT_MS}): an unanswered transfer may land until well after our timeout` });
    if (e.BACKOFF_CAP_MS < e.BACKOFF_BASE_MS)
      ctx.addIssue({ code: 'custom', path: ['BACKOFF_CAP_MS'], message: 'must be ≥ BACKOFF_BASE_MS' });
  });

/** Worker settings, parsed and frozen. */
export interface WorkerConfig extends CommonConfig {
  genesys: {
    hosts: GenesysHosts;
    region: string;
    clientId: string;
    clientSecret: string;
    timeoutMs: number;
    readEndpoint: ReadEndpoint;
    strategy: TransferStrategy;
  };
  /** Every OAuth client the worker may use (GENESYS_CLIENT_ID first, then GENESYS_CLIENTS); each has its own budget. */
  clients: { clientId: string; clientSecret: string }[];
  /** Requests per OAuth client in any window (0 = unpaced), the window, requests of a client under way at once, waits for a slot. */
  pacing: { requestsPerMinute: number; windowMs: number; maxInFlight: number; firstRequestMaxWaitMs: number; inFlightMaxWaitMs: number };
  claimTtlMs: number;
  maxStarts: number;
  /** POSTs one job may send (each after evidence that the last one did not move the call). */
  maxPosts: number;
  /** After an unanswered POST, how long from when it left until it can no longer land (ms). */
  settleMs: number;
  /** The analytics batch read: 'auto' probes the permission at start; its batch size and assumed lag. */
  analytics: { mode: 'auto' | 'off'; batchSize: number; lagMs: number };
  legPolicy: { purposes: string[]; botAddress?: string };
  confirm: { delayMs: number; reads: number; graceMs: number };
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  backoff: { baseMs: number; capMs: number };
  shutdownTimeoutMs: number;
  /** The worker's own HTTP server (/healthz, /readyz, /metrics); port 0 turns it off. */
  http: { host: string; port: number };
  /** ROUTES_FILE, for its breakers. */
  routesFile?: string;
  /** The environment's breaker (BREAKER_*) and the defaults of ROUTES_FILE's breakers: the worker flips them. */
  breaker: BreakerDefaults;
}

/** Reads the worker configuration from the environment (process.env in main.ts). */
export function loadWorkerConfig(env: Env): Readonly<WorkerConfig> {
  const e = parseEnv(workerSchema, env);
  return deepFreeze({
    ...commonConfig(e),
    genesys: {
      hosts: resolveHosts({ region: e.GENESYS_REGION, apiUrl: e.GENESYS_API_URL, loginUrl: e.GENESYS_LOGIN_URL }),
      region: e.GENESYS_REGION,
      clientId: e.GENESYS_CLIENT_ID!,
      clientSecret: e.GENESYS_CLIENT_SECRET!,
      timeoutMs: e.GENESYS_TIMEOUT_MS,
      readEndpoint: e.GENESYS_READ_ENDPOINT,
      strategy: e.TRANSFER_STRATEGY,
    },
    clients: [
      { clientId: e.GENESYS_CLIENT_ID!, clientSecret: e.GENESYS_CLIENT_SECRET! },
      ...e.GENESYS_CLIENTS.map((entry) => {
        const at = entry.indexOf(':');
        return { clientId: entry.slice(0, at), clientSecret: entry.slice(at + 1) };
      }),
    ],
    pacing: {
      requestsPerMinute: e.GENESYS_REQUESTS_PER_MINUTE,
      windowMs: e.GENESYS_BUDGET_WINDOW_SECONDS * 1000,
      maxInFlight: e.GENESYS_MAX_IN_FLIGHT,
      firstRequestMaxWaitMs: e.PACING_FIRST_WAIT_MS,
      inFlightMaxWaitMs: e.PACING_MAX_WAIT_MS,
    },
    claimTtlMs: e.CLAIM_TTL_MS,
    maxStarts: e.MAX_STARTS,
    maxPosts: e.MAX_TRANSFER_POSTS,
    settleMs: e.POST_SETTLE_MS,
    analytics: { mode: e.ANALYTICS_READS, batchSize: e.ANALYTICS_BATCH_SIZE, lagMs: e.ANALYTICS_LAG_MS },
    legPolicy: { purposes: e.BOT_PURPOSES, ...(e.BOT_ADDRESS ? { botAddress: e.BOT_ADDRESS } : {}) },
    confirm: { delayMs: e.CONFIRM_DELAY_MS, reads: e.CONFIRM_READS, graceMs: e.CONFIRM_GRACE_MS },
    concurrency: e.WORKER_CONCURRENCY,
    lockDurationMs: e.LOCK_DURATION_MS,
    stalledIntervalMs: e.STALLED_INTERVAL_MS,
    maxStalledCount: e.MAX_STALLED_COUNT,
    backoff: { baseMs: e.BACKOFF_BASE_MS, capMs: e.BACKOFF_CAP_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    http: { host: e.WORKER_HTTP_HOST, port: e.WORKER_HTTP_PORT },
    ...(e.ROUTES_FILE ? { routesFile: e.ROUTES_FILE } : {}),
    breaker: breakerConfig(e),
  });
}
