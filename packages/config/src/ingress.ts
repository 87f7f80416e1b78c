import { z } from 'zod';
import { ADDRESS_PATTERN, UUID_PATTERN } from '@fallback/core';
import { TRANSFER_STRATEGIES, type TransferStrategy } from '@fallback/genesys';
import { isUsableWebhookSecret } from '@fallback/ingress-core';
import type { BreakerDefaults } from '@fallback/breaker';
import { breakerConfig, breakerShape, checkBreaker } from './breaker.js';
import { bool, checkCommon, commonConfig, commonShape, deepFreeze, int, list, optional, parseEnv, str, type CommonConfig, type Env } from './env.js';

export const ingressSchema = z
  .object({
    ...commonShape,
    INGRESS_HOST: str('0.0.0.0'),
    INGRESS_PORT: int(8080, 0, 65_535),
    INGRESS_API_KEYS: list().pipe(z.array(z.string().min(16, 'each key must be at least 16 characters'))),
    INGRESS_WEBHOOK_SECRETS: list().pipe(
      z.array(z.string().refine(isUsableWebhookSecret, 'each secret must be whsec_ + base64 of at least 16 bytes (Standard Webhooks)')),
    ),
    ROUTES_FILE: optional(),
    DEFAULT_QUEUE_ID: optional().pipe(z.string().regex(new RegExp(UUID_PATTERN), 'must be a Genesys queue id (UUID)').optional()),
    DEFAULT_REFER_TO: optional().pipe(
      z.string().regex(new RegExp(ADDRESS_PATTERN), 'must be a number (+4930123456, tel:+4930123456) or a SIP URI (sip:fallback@pbx.example.com)').optional(),
    ),
    // The worker's setting, read here too: the worker never sees the routes, so the ingress refuses targets it cannot reach.
    TRANSFER_STRATEGY: z.preprocess((v) => (v === '' ? undefined : v), z.enum(TRANSFER_STRATEGIES).default('replace')),
    DEDUPE_TTL_SECONDS: int(600, 600, 7 * 86_400),
    DEADLINE_SECONDS: int(120, 5, 3600),
    MAX_DEADLINE_SECONDS: int(600, 5, 3600),
    BODY_LIMIT_BYTES: int(65_536, 1024, 1_048_576),
    JOB_ATTEMPTS: int(5, 1, 20),
    JOB_RETENTION_SECONDS: int(86_400, 600, 30 * 86_400),
    FAILED_RETENTION_SECONDS: int(7 * 86_400, 600, 90 * 86_400),
    INGRESS_TRUST_PROXY: bool(false),
    INGRESS_DOCS_UI: bool(false),
    ADMIN_DASHBOARD: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['off', 'read-only', 'operate']).default('off')),
    ADMIN_USERNAME: str('admin'),
    ADMIN_PASSWORD: optional(),
    RATE_LIMIT_MAX: int(50_000, 0, 10_000_000),
    RATE_LIMIT_WINDOW_SECONDS: int(10, 1, 3600),
    INGRESS_REQUEST_TIMEOUT_MS: int(10_000, 100, 120_000),
    INGRESS_CONNECTION_TIMEOUT_MS: int(10_000, 100, 600_000),
    // Load shedding (0 = that bound off): past one of them the ingress answers 503 overloaded at once.
    INGRESS_MAX_EVENT_LOOP_DELAY_MS: int(1000, 0, 60_000),
    INGRESS_MAX_HEAP_USED_BYTES: int(0, 0, 2 ** 40),
    INGRESS_MAX_RSS_BYTES: int(0, 0, 2 ** 40),
    INGRESS_OVERLOAD_RETRY_AFTER_SECONDS: int(1, 1, 60),
    ...breakerShape,
  })
  .superRefine((e, ctx) => {
    checkCommon(e, ctx);
    checkBreaker(e, ctx);
    // With a routes file, sources and the default route may come from it; the file is checked when it is read.
    if (!e.DEFAULT_QUEUE_ID && !e.ROUTES_FILE)
      ctx.addIssue({ code: 'custom', path: ['DEFAULT_QUEUE_ID'], message: 'required (unless ROUTES_FILE has a default route): the Genesys queue (UUID) failed calls go to' });
    if (e.INGRESS_API_KEYS.length === 0 && e.INGRESS_WEBHOOK_SECRETS.length === 0 && !e.ROUTES_FILE)
      ctx.addIssue({
        code: 'custom',
        path: ['INGRESS_API_KEYS'],
        message: 'required: one or more comma-separated API keys senders must present as Bearer tokens (or INGRESS_WEBHOOK_SECRETS, or sources in ROUTES_FILE)',
      });
    if (e.MAX_DEADLINE_SECONDS < e.DEADLINE_SECONDS)
      ctx.addIssue({ code: 'custom', path: ['MAX_DEADLINE_SECONDS'], message: 'must be ≥ DEADLINE_SECONDS' });
    // A repeat must find the finished job: keep jobs at least as long as the dedupe window.
    if (e.JOB_RETENTION_SECONDS < e.DEDUPE_TTL_SECONDS)
      ctx.addIssue({ code: 'custom', path: ['JOB_RETENTION_SECONDS'], message: 'must be ≥ DEDUPE_TTL_SECONDS' });
    // The dashboard can retry and pause jobs, the breaker admin can divert every caller: never open without a
    // password worth the name.
    if (e.ADMIN_DASHBOARD !== 'off' && (e.ADMIN_PASSWORD ?? '').length < 12)
      ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: `required (at least 12 characters) when ADMIN_DASHBOARD is ${e.ADMIN_DASHBOARD}` });
    else if (e.ADMIN_PASSWORD !== undefined && e.ADMIN_PASSWORD.length < 12)
      ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: 'must be at least 12 characters (it also guards /admin/breaker)' });
  });

/** Ingress settings, parsed and frozen. */
export interface IngressConfig extends CommonConfig {
  host: string;
  port: number;
  /** Keys of the environment's source (`default`); may be empty when ROUTES_FILE declares sources. */
  apiKeys: string[];
  /** Standard Webhooks secrets of the environment's source. */
  webhookSecrets: string[];
  /** Path of the routing rules (YAML or JSON); unset: every failure goes to DEFAULT_QUEUE_ID. */
  routesFile?: string;
  routing: { defaultQueueId?: string; referTo?: string };
  /** The workers' TRANSFER_STRATEGY: every routing target must be reachable with it (checked at startup). */
  transferStrategy: TransferStrategy;
  /** Per source, per window; max 0 = no limit. Sources in ROUTES_FILE may set their own. */
  rateLimit: { max: number; windowMs: number };
  /** Whole request (headers and body) and idle socket limits (ms): a slow sender cannot hold a socket. */
  timeouts: { requestMs: number; connectionMs: number };
  dedupeTtlSec: number;
  deadline: { defaultTtlMs: number; maxTtlMs: number };
  bodyLimit: number;
  jobPolicy: { attempts: number; retentionSec: number; failedRetentionSec: number };
  trustProxy: boolean;
  /** Swagger UI of /v1/openapi.json at /docs (off by default: documentation, not something a sender needs). */
  docsUi: boolean;
  /**
   * Load shedding: past any bound (0 = off) POST/GET /v1/fallbacks answer 503 `overloaded` with Retry-After
   * instead of queueing behind a lagging event loop until Cognigy's 8 s timeout.
   */
  overload: { maxEventLoopDelayMs: number; maxHeapUsedBytes: number; maxRssBytes: number; retryAfterSec: number };
  /** Bull Board at /admin/queues: off, read-only, or operate (retry/promote/pause; never add, edit or empty). */
  admin: { mode: 'off' | 'read-only' | 'operate'; username: string; password?: string };
  /** The environment's breaker (BREAKER_*) and the defaults of ROUTES_FILE's breakers: the ingress counts failures. */
  breaker: BreakerDefaults;
}

/** Reads the ingress configuration from the environment (process.env in main.ts). */
export function loadIngressConfig(env: Env): Readonly<IngressConfig> {
  const e = parseEnv(ingressSchema, env);
  return deepFreeze({
    ...commonConfig(e),
    host: e.INGRESS_HOST,
    port: e.INGRESS_PORT,
    apiKeys: e.INGRESS_API_KEYS,
    webhookSecrets: e.INGRESS_WEBHOOK_SECRETS,
    ...(e.ROUTES_FILE ? { routesFile: e.ROUTES_FILE } : {}),
    routing: { ...(e.DEFAULT_QUEUE_ID ? { defaultQueueId: e.DEFAULT_QUEUE_ID } : {}), ...(e.DEFAULT_REFER_TO ? { referTo: e.DEFAULT_REFER_TO } : {}) },
    transferStrategy: e.TRANSFER_STRATEGY,
    rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_SECONDS * 1000 },
    timeouts: { requestMs: e.INGRESS_REQUEST_TIMEOUT_MS, connectionMs: e.INGRESS_CONNECTION_TIMEOUT_MS },
    dedupeTtlSec: e.DEDUPE_TTL_SECONDS,
    deadline: { defaultTtlMs: e.DEADLINE_SECONDS * 1000, maxTtlMs: e.MAX_DEADLINE_SECONDS * 1000 },
    bodyLimit: e.BODY_LIMIT_BYTES,
    jobPolicy: { attempts: e.JOB_ATTEMPTS, retentionSec: e.JOB_RETENTION_SECONDS, failedRetentionSec: e.FAILED_RETENTION_SECONDS },
    trustProxy: e.INGRESS_TRUST_PROXY,
    docsUi: e.INGRESS_DOCS_UI,
    overload: {
      maxEventLoopDelayMs: e.INGRESS_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapUsedBytes: e.INGRESS_MAX_HEAP_USED_BYTES,
      maxRssBytes: e.INGRESS_MAX_RSS_BYTES,
      retryAfterSec: e.INGRESS_OVERLOAD_RETRY_AFTER_SECONDS,
    },
    admin: { mode: e.ADMIN_DASHBOARD, username: e.ADMIN_USERNAME, ...(e.ADMIN_PASSWORD ? { password: e.ADMIN_PASSWORD } : {}) },
    breaker: breakerConfig(e),
  });
}
