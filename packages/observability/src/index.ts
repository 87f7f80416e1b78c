export { createLogger, REDACT_PATHS } from './logger.js';
export type { LoggerConfig, Logger } from './logger.js';
export { HEAP_GROWING_PERCENT, boundHeapGrowth, installShutdown, runMain, onLines } from './process.js';
export type { ShutdownStep, ShutdownOptions, ProcessEvents } from './process.js';
/** The metric catalog, registries and the per-process metric sets (see metrics.ts). */
export {
  METRIC_NAMES,
  createMetricsRegistry,
  ingressMetrics,
  workerMetrics,
  queueMetrics,
  completedOutcome,
  failedOutcome,
} from './metrics.js';
export type {
  IngressMetrics,
  WorkerMetrics,
  BreakerFlipInfo,
  GenesysRequestInfo,
  FinishedJob,
  JobOutcome,
  QueueStatsSource,
  Registry,
} from './metrics.js';
/** Bounded, parallel readiness checks for /readyz. */
export { readinessProbe, assertReady } from './readiness.js';
export type { ReadinessReport, ReadinessCheck } from './readiness.js';
