import { SEED } from '@fallback/genesys-sim';

/** What `pnpm start` will run, decided from the environment alone (pure, unit-tested). */
export interface StackPlan {
  /** Present in simulator mode: the simulator's URL and environment. */
  simulator?: { url: string; env: NodeJS.ProcessEnv };
  /** Environment for ingress and worker. */
  env: NodeJS.ProcessEnv;
  ingressPort: number;
  /** How to show the API key in the banner (the dev default is shown; a configured key never is). */
  apiKeyNotice: string;
}

/** The API key used when none is configured in simulator mode. Never used in live mode. */
export const DEV_API_KEY = 'dev-only-key-change-me';

/**
 * Simulator mode when GENESYS_CLIENT_ID is unset: the worker is pointed at the simulator with its demo
 * credentials, the default queue is the simulator's "Fallback IVR" and a dev API key is set if none is.
 * Live mode passes the environment through untouched: missing settings fail loudly in each app's config.
 */
export function planStack(env: NodeJS.ProcessEnv): StackPlan {
  const ingressPort = Number(env['INGRESS_PORT'] || 8080);
  const base: NodeJS.ProcessEnv = { ...env, REDIS_URL: env['REDIS_URL'] || 'redis://127.0.0.1:6379' };
  if (env['GENESYS_CLIENT_ID']) return { env: base, ingressPort, apiKeyNotice: '(from INGRESS_API_KEYS)' };

  const simPort = Number(env['SIM_PORT'] || 8090);
  const url = `http://127.0.0.1:${simPort}`;
  const apiKey = env['INGRESS_API_KEYS'] ? undefined : DEV_API_KEY;
  return {
    simulator: {
      url,
      env: {
        ...base,
        SIM_HOST: '127.0.0.1',
        SIM_PORT: String(simPort),
        SIM_CLIENT_ID: SEED.clientId,
        SIM_CLIENT_SECRET: SEED.clientSecret,
      },
    },
    env: {
      ...base,
      GENESYS_API_URL: url,
      GENESYS_LOGIN_URL: url,
      GENESYS_CLIENT_ID: SEED.clientId,
      GENESYS_CLIENT_SECRET: SEED.clientSecret,
      DEFAULT_QUEUE_ID: env['DEFAULT_QUEUE_ID'] || SEED.fallbackQueue.id,
      ...(apiKey ? { INGRESS_API_KEYS: apiKey } : {}),
    },
    ingressPort,
    apiKeyNotice: apiKey ?? '(from INGRESS_API_KEYS)',
  };
}
