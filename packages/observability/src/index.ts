export { createLogger, REDACT_PATHS } from './logger.js';
export type { LoggerConfig, Logger } from './logger.js';
export { installShutdown, runMain, onLines } from './process.js';
export type { ShutdownStep } from './process.js';
