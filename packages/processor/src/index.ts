export { createFallbackProcessor } from './processor.js';
export type { ProcessorDeps, ConfirmPolicy, PacingPolicy, Claims, Log } from './processor.js';
export { PacedGenesys, pacingDelay } from './paced-genesys.js';
export type { GenesysPort, CallOptions, Pacer, ClientSlot, PacedGenesysOptions } from './paced-genesys.js';
export { backoffDelay } from './backoff.js';
export type { BackoffPolicy } from './backoff.js';
export { validateJobData } from './validate.js';
