import { z } from 'zod';
import { redactUrlPassword, redisUrlProblem } from '@fallback/core';

/** The environment as a plain record (process.env in apps, a literal in tests). */
export type Env = Record<string, string | undefined>;

/** Configuration that cannot start the service. Its message lists every bad variable, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Empty strings count as unset: `FOO=` in a compose file must mean "default", not "invalid". */
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** An integer variable with bounds and a default. */
export const int = (def: number, min: number, max: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(def));

/** A boolean variable. Only true/false/1/0/yes/no: `z.coerce.boolean()` would read "false" as true. */
export const bool = (def: boolean) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no', 'TRUE', 'FALSE'])
      .default(def ? 'true' : 'false')
      .transform((v) => ['true', '1', 'yes'].includes(v.toLowerCase())),
  );

/** An optional string variable (empty = unset). */
export const optional = () => z.preprocess(unsetIfEmpty, z.string().trim().optional());

/** A string variable with a default. */
export const str = (def: string) => z.preprocess(unsetIfEmpty, z.string().trim().default(def));

/** A comma-separated list (empty = []). */
export const list = (def: string[] = []) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((v) => (v === undefined ? def : v.split(',').map((s) => s.trim()).filter(Boolean))),
  );

/** Log levels pino knows. */
export const logLevel = () =>
  z.preprocess(unsetIfEmpty, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'));

/** Parses `env` with a zod object schema, or throws ConfigError naming each bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = typeof issue.path[0] === 'string' ? issue.path[0] : '(environment)';
      const raw = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
      // Secrets are never echoed; URLs only without their password (a REDIS_URL carries one).
      return `${name}: ${issue.message}${raw !== undefined && !/SECRET|KEY|PASSWORD|CLIENTS|TOKEN/i.test(name) ? ` (got "${redactUrlPassword(raw)}")` : ''}`;
    }),
  );
}

/** Deep-freezes a config object: parsed once at boot, read-only after. */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Variables every process reads. */
export const commonShape = {
  // Checked here, not by ioredis: its "Invalid URL" carries the whole URL, password included (issue 11).
  REDIS_URL: str('redis://127.0.0.1:6379').superRefine((url, ctx) => {
    const problem = redisUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  QUEUE_PREFIX: str('{fallback}'),
  LOG_LEVEL: logLevel(),
  LOG_PRETTY: bool(false),
  REDIS_REQUIRE_DURABLE: bool(false),
};

/**
 * True when a key prefix holds a Redis Cluster hash tag: a `{` followed, before the next `}`, by at least one
 * character. Redis hashes only that part of a key, so every key under the prefix lands in one slot. Pure.
 */
export function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  return open >= 0 && prefix.indexOf('}', open + 1) > open + 1;
}

/** True for a `redis+cluster://` or `rediss+cluster://` URL. */
export const isClusterUrl = (url: string) => /^rediss?\+cluster:\/\//.test(url);

/** Cross-field checks of the common variables, for the superRefine of each process's schema. */
export function checkCommon(e: { REDIS_URL: string; QUEUE_PREFIX: string }, ctx: z.RefinementCtx): void {
  // BullMQ's scripts touch many keys of a queue at once; a cluster refuses that (CROSSSLOT) unless they share a slot.
  if (isClusterUrl(e.REDIS_URL) && !hasHashTag(e.QUEUE_PREFIX))
    ctx.addIssue({
      code: 'custom',
      path: ['QUEUE_PREFIX'],
      message: 'must hold a hash tag such as {fallback} when REDIS_URL is a Redis Cluster, or every enqueue fails with CROSSSLOT: e.g. QUEUE_PREFIX={fallback-eu}',
    });
}

/** Common settings, parsed. */
export interface CommonConfig {
  redisUrl: string;
  queuePrefix: string;
  log: { level: string; pretty: boolean };
  /** Refuse to start on a Redis without AOF or with an evicting policy (else a loud warning). */
  redisRequireDurable: boolean;
}

/** Maps parsed common variables to CommonConfig. */
export function commonConfig(e: { REDIS_URL: string; QUEUE_PREFIX: string; LOG_LEVEL: string; LOG_PRETTY: boolean; REDIS_REQUIRE_DURABLE: boolean }): CommonConfig {
  return { redisUrl: e.REDIS_URL, queuePrefix: e.QUEUE_PREFIX, log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY }, redisRequireDurable: e.REDIS_REQUIRE_DURABLE };
}
