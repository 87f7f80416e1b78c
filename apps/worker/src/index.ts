export { createFallbackWorker } from './worker.js';
export type { WorkerDeps, FallbackWorker } from './worker.js';
export { buildGenesys } from './genesys.js';
export type { GenesysHooks } from './genesys.js';
export { loadBreakers, startBreakerEvaluator } from './breaker.js';
