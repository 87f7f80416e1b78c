import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino blanks before a line is written. Secrets, tokens and signatures never reach a log, even when a
 * careless `log.info({ headers })` or `log.error({ err })` would carry them.
 */
export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["webhook-signature"]',
  '*.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["webhook-signature"]',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'access_token',
  '*.access_token',
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
  'apiKeys',
  '*.apiKeys',
  'webhookSecrets',
  '*.webhookSecrets',
  'signature',
  '*.signature',
  'err.config.headers',
  'err.config.data',
  'err.request',
  'err.response',
  // Shapes seen in practice that the paths above miss: a top-level `headers` object, axios' capitalised
  // `Authorization`, cookies, basic-auth config, a whole config or env object logged two levels deep.
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["webhook-signature"]',
  'headers["x-api-key"]',
  '*.headers.Authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  'err.config.auth',
  '*.*.password',
  '*.*.secret',
  '*.*.clientSecret',
  '*.*.client_secret',
  '*.*.accessToken',
  '*.*.access_token',
  '*.*.apiKeys',
  'GENESYS_CLIENT_SECRET',
  '*.GENESYS_CLIENT_SECRET',
  'INGRESS_API_KEYS',
  '*.INGRESS_API_KEYS',
  'ADMIN_PASSWORD',
  '*.ADMIN_PASSWORD',
  // ioredis puts the failed command on its errors: `AUTH <password>` (a wrong Redis password) with its args.
  'command.args',
  '*.command.args',
  '*.*.command.args',
  // Node's "Invalid URL" error carries the whole URL (a REDIS_URL with its password) as `input`.
  'err.input',
  '*.err.input',
];

/** Options of createLogger. */
export interface LoggerConfig {
  /** Process name, on every line (`ingress`, `worker`, `genesys-sim`). */
  name: string;
  level: string;
  /** Human-readable output (pino-pretty); JSON otherwise. Only when asked: JSON is what log shippers read. */
  pretty?: boolean;
  /** Write somewhere other than stdout (tests capture logs to scan them for secrets). */
  destination?: NodeJS.WritableStream;
}

/** The one way a process makes its root logger. */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: config.name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (config.pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return config.destination ? pino(options, config.destination as pino.DestinationStream) : pino(options);
}

export type { Logger };
