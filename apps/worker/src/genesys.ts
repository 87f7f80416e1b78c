import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@fallback/config';
import { ClientCredentialsTokenProvider, GenesysClient, createHttp, isGenesysApiError, type RequestInfo } from '@fallback/genesys';
import { ConversationReader, PacerGate } from '@fallback/processor';
import { RedisPacer } from '@fallback/queue';

/** Hooks for metrics; all optional. */
export interface GenesysHooks {
  onRequest?: (info: RequestInfo) => void;
  onTokenRefresh?: (clientId: string) => void;
  onEarlyRequest?: (clientId: string) => void;
  onRateLimited?: (clientId: string, retryAfterMs: number) => void;
}

/** The worker's Genesys access: the client behind the shared gate, and the reader that batches its reads. */
export interface WorkerGenesys {
  client: GenesysClient;
  gate: PacerGate;
  reader: ConversationReader;
  close(): Promise<void>;
}

/**
 * Asks Genesys once, at start, whether the OAuth client may use the analytics batch read (one request, through
 * the budget, with an id nobody has): 200 → batch reads; 403 (or 404: no such endpoint) → say so and read each
 * call directly. Any other
 * answer (Genesys unreachable, 5xx) keeps analytics on: a later 403 turns it off at run time just the same.
 */
export async function analyticsAllowed(client: GenesysClient, logger: Logger): Promise<boolean> {
  try {
    await client.getConversationDetails([randomUUID()], { priority: 'low', maxWaitMs: 10_000 });
    return true;
  } catch (err) {
    if (isGenesysApiError(err) && err.kind === 'permanent' && err.status === 404) {
      logger.warn({ correlationId: err.correlationId }, 'the analytics batch read is not available here (404): every call is read on its own');
      return false;
    }
    if (isGenesysApiError(err) && err.kind === 'forbidden') {
      logger.warn(
        { missingPermissions: err.missingPermissions, correlationId: err.correlationId },
        'the OAuth client lacks analytics:conversationDetail:view: every call is read on its own (about 2 requests per rescued caller instead of 1); add the permission to its role to rescue more callers in an outage',
      );
      return false;
    }
    // Not a configuration problem (Genesys unreachable, a 5xx): a 403 at run time turns analytics off just the same.
    logger.info({ err: isGenesysApiError(err) ? err.message : String(err) }, 'could not check the analytics permission at start; trying batch reads');
    return true;
  }
}

/**
 * The worker's Genesys access: one token provider per OAuth client (no secrets beyond this function), one client
 * over all of them behind the shared Redis gate (each client's budget, its Retry-After blocks, one request of a
 * client under way at a time), and the reader that batches conversation reads across jobs.
 */
export async function buildGenesys(
  config: Pick<WorkerConfig, 'genesys' | 'clients' | 'pacing' | 'queuePrefix' | 'concurrency' | 'analytics'>,
  connection: Redis,
  logger: Logger,
  hooks: GenesysHooks = {},
): Promise<WorkerGenesys> {
  const http = createHttp({ maxSockets: Math.max(64, config.concurrency * 2) });
  const credentials = config.clients.map(({ clientId, clientSecret }) => ({
    clientId,
    tokens: new ClientCredentialsTokenProvider({
      http,
      loginBaseUrl: config.genesys.hosts.loginBaseUrl,
      clientId,
      clientSecret,
      timeoutMs: config.genesys.timeoutMs,
      onRefresh: ({ expiresInSec }) => {
        logger.info({ clientId, expiresInSec }, 'Genesys token obtained');
        hooks.onTokenRefresh?.(clientId);
      },
    }),
  }));
  const pacer = new RedisPacer(connection, config.queuePrefix, { budget: config.pacing.requestsPerMinute, windowMs: config.pacing.windowMs, maxInFlight: config.pacing.maxInFlight });
  // Unpaced, a Redis round trip before every request would cost more than the request: blocks recorded by other
  // processes arrive by pub/sub instead (on a connection of its own: subscriber mode takes it over).
  const subscriber = pacer.paced ? undefined : connection.duplicate();
  const gate = new PacerGate({
    pacer,
    clientIds: credentials.map((c) => c.clientId),
    // A hold covers the token fetch and the request (each bounded by the timeout), plus a margin.
    holdMs: 2 * config.genesys.timeoutMs + 1000,
    blocksWatched: subscriber !== undefined,
    onEarlyRequest: (clientId) => {
      logger.error({ clientId }, 'BUG: request sent before a Retry-After elapsed');
      hooks.onEarlyRequest?.(clientId);
    },
    onRateLimited: (clientId, retryAfterMs) => {
      logger.warn({ clientId, retryAfterMs }, 'Genesys 429: client blocked for every worker');
      hooks.onRateLimited?.(clientId, retryAfterMs);
    },
  });
  const client = new GenesysClient({
    apiBaseUrl: config.genesys.hosts.apiBaseUrl,
    credentials,
    http,
    timeoutMs: config.genesys.timeoutMs,
    readEndpoint: config.genesys.readEndpoint,
    gate,
    ...(hooks.onRequest ? { onRequest: hooks.onRequest } : {}),
  });
  const stopWatching = subscriber
    ? await pacer.watchBlocks(
        subscriber,
        credentials.map((c) => c.clientId),
        (clientId, ms) => gate.noteBlock(clientId, ms),
      )
    : undefined;
  const analytics = config.analytics.mode === 'auto' && (await analyticsAllowed(client, logger));
  const reader = new ConversationReader({
    genesys: client,
    analytics,
    batchLimit: config.analytics.batchSize,
    concurrency: credentials.length,
    // Confirmations come back one by one from the delayed set: gather them for a moment into shared reads.
    lowPriorityWindowMs: 1000,
    log: logger,
  });
  return {
    client,
    gate,
    reader,
    async close() {
      stopWatching?.();
      await subscriber?.quit().catch(() => undefined);
    },
  };
}
