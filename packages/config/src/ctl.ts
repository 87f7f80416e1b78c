import { z } from 'zod';
import { commonShape, deepFreeze, parseEnv, type Env } from './env.js';

/** What fallbackctl reads: where the queue is. Same variables, same checks as the services. */
export const ctlSchema = z.object({
  REDIS_URL: commonShape.REDIS_URL,
  QUEUE_PREFIX: commonShape.QUEUE_PREFIX,
});

/** fallbackctl settings, parsed and frozen. */
export interface CtlConfig {
  redisUrl: string;
  queuePrefix: string;
}

/** Reads fallbackctl's configuration from the environment (process.env in its main). */
export function loadCtlConfig(env: Env): Readonly<CtlConfig> {
  const e = parseEnv(ctlSchema, env);
  return deepFreeze({ redisUrl: e.REDIS_URL, queuePrefix: e.QUEUE_PREFIX });
}
