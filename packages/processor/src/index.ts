export { createFallbackProcessor } from './processor.js';
export type { ProcessorDeps, ConfirmPolicy, Log } from './processor.js';
export { backoffDelay } from './backoff.js';
export type { BackoffPolicy } from './backoff.js';
export { validateJobData } from './validate.js';
