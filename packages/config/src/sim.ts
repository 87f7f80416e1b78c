import { z } from 'zod';
import { bool, deepFreeze, int, logLevel, optional, parseEnv, str, type Env } from './env.js';

/** A JSON array of fault rules (validated in detail by the simulator, which names the bad field). */
const jsonArray = () =>
  optional().transform((v, ctx) => {
    if (v === undefined) return [] as unknown[];
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) return parsed;
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of fault rules' });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON array of fault rules (${(err as Error).message})` });
    }
    return z.NEVER;
  });

export const simSchema = z.object({
  SIM_HOST: str('127.0.0.1'),
  SIM_PORT: int(8090, 0, 65_535),
  SIM_SEED_CONVERSATIONS: int(3, 0, 100_000),
  SIM_RATE_LIMIT_PER_MINUTE: int(300, 0, 10_000_000),
  SIM_ORG_RATE_LIMIT_PER_MINUTE: int(0, 0, 10_000_000),
  SIM_TRANSFER_DELAY_MS: int(200, 0, 60_000),
  SIM_TOKEN_TTL_SECONDS: int(86_400, 1, 172_800),
  SIM_LATENCY_MS: int(0, 0, 60_000),
  SIM_CLIENT_ID: str('sim-client'),
  SIM_CLIENT_SECRET: str('sim-secret'),
  SIM_SEED: int(1, 0, 2 ** 31),
  SIM_HANGUP_AFTER_MS: int(0, 0, 86_400_000),
  SIM_REQUEST_LEDGER_LIMIT: int(100_000, 0, 10_000_000),
  SIM_FAULTS: jsonArray(),
  LOG_LEVEL: logLevel(),
  LOG_PRETTY: bool(false),
});

/** Simulator settings, parsed and frozen. */
export interface SimConfig {
  host: string;
  port: number;
  seedConversations: number;
  rateLimitPerMinute: number;
  orgRateLimitPerMinute: number;
  transferDelayMs: number;
  tokenTtlSec: number;
  latencyMs: number;
  clientId: string;
  clientSecret: string;
  seed: number;
  /** Default time after which a simulated customer hangs up (ms); 0 = never. */
  hangupAfterMs: number;
  /** Requests kept in the simulator's ledger (counters stay exact beyond it). */
  requestLedgerLimit: number;
  /** Fault rules installed at start (validated by the simulator). */
  faults: unknown[];
  log: { level: string; pretty: boolean };
}

/** Reads the simulator configuration from the environment. */
export function loadSimConfig(env: Env): Readonly<SimConfig> {
  const e = parseEnv(simSchema, env);
  return deepFreeze({
    host: e.SIM_HOST,
    port: e.SIM_PORT,
    seedConversations: e.SIM_SEED_CONVERSATIONS,
    rateLimitPerMinute: e.SIM_RATE_LIMIT_PER_MINUTE,
    orgRateLimitPerMinute: e.SIM_ORG_RATE_LIMIT_PER_MINUTE,
    transferDelayMs: e.SIM_TRANSFER_DELAY_MS,
    tokenTtlSec: e.SIM_TOKEN_TTL_SECONDS,
    latencyMs: e.SIM_LATENCY_MS,
    clientId: e.SIM_CLIENT_ID,
    clientSecret: e.SIM_CLIENT_SECRET,
    seed: e.SIM_SEED,
    hangupAfterMs: e.SIM_HANGUP_AFTER_MS,
    requestLedgerLimit: e.SIM_REQUEST_LEDGER_LIMIT,
    faults: e.SIM_FAULTS,
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY },
  });
}
