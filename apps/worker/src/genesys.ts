import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@fallback/config';
import { ClientCredentialsTokenProvider, GenesysClient, createHttp, type RequestInfo } from '@fallback/genesys';
import { PacedGenesys } from '@fallback/processor';
import { RedisPacer } from '@fallback/queue';

/** Hooks for metrics; all optional. */
export interface GenesysHooks {
  onRequest?: (info: RequestInfo & { clientId: string }) => void;
  onTokenRefresh?: (clientId: string) => void;
  onEarlyRequest?: (clientId: string) => void;
  onRateLimited?: (clientId: string, retryAfterMs: number) => void;
}

/**
 * The worker's Genesys access: one token provider and client per OAuth client (no secrets beyond this function),
 * all behind the shared Redis pacer that gives each client its own request budget and holds every Retry-After.
 */
export async function buildGenesys(
  config: Pick<WorkerConfig, 'genesys' | 'clients' | 'pacing' | 'queuePrefix' | 'concurrency'>,
  connection: Redis,
  logger: Logger,
  hooks: GenesysHooks = {},
): Promise<{ genesys: PacedGenesys; close: () => Promise<void> }> {
  const http = createHttp({ maxSockets: Math.max(64, config.concurrency * 2) });
  const clients = config.clients.map(({ clientId, clientSecret }) => {
    const tokens = new ClientCredentialsTokenProvider({
      http,
      loginBaseUrl: config.genesys.hosts.loginBaseUrl,
      clientId,
      clientSecret,
      timeoutMs: config.genesys.timeoutMs,
      onRefresh: ({ expiresInSec }) => {
        logger.info({ clientId, expiresInSec }, 'Genesys token obtained');
        hooks.onTokenRefresh?.(clientId);
      },
    });
    const client = new GenesysClient({
      apiBaseUrl: config.genesys.hosts.apiBaseUrl,
      tokens,
      http,
      timeoutMs: config.genesys.timeoutMs,
      readEndpoint: config.genesys.readEndpoint,
      maxRetryAfterMs: config.genesys.maxRetryAfterMs,
      onRequest: hooks.onRequest ? (info) => hooks.onRequest!({ ...info, clientId }) : undefined,
    });
    return { clientId, client };
  });
  const pacer = new RedisPacer(connection, config.queuePrefix, { requestsPerMinute: config.pacing.requestsPerMinute, burst: config.pacing.burst });
  // Unpaced, a Redis round trip before every request would cost more than the request: blocks recorded by other
  // processes arrive by pub/sub instead (on a connection of its own: subscriber mode takes it over).
  const subscriber = pacer.paced ? undefined : connection.duplicate();
  const genesys = new PacedGenesys({
    clients,
    pacer,
    blocksWatched: subscriber !== undefined,
    defaultMaxWaitMs: config.pacing.inFlightMaxWaitMs,
    requestTimeoutMs: config.genesys.timeoutMs,
    onEarlyRequest: (clientId) => {
      logger.error({ clientId }, 'BUG: request sent before a Retry-After elapsed');
      hooks.onEarlyRequest?.(clientId);
    },
    onRateLimited: (clientId, retryAfterMs) => {
      logger.warn({ clientId, retryAfterMs }, 'Genesys 429: client blocked for every worker');
      hooks.onRateLimited?.(clientId, retryAfterMs);
    },
  });
  const stopWatching = subscriber
    ? await pacer.watchBlocks(
        subscriber,
        clients.map((c) => c.clientId),
        (clientId, ms) => genesys.noteBlock(clientId, ms),
      )
    : undefined;
  return {
    genesys,
    async close() {
      stopWatching?.();
      await subscriber?.quit().catch(() => undefined);
    },
  };
}
