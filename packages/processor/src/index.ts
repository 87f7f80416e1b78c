/** The fallback job: decisions carried out against Genesys, the claim and BullMQ. */
export { createFallbackProcessor, agentContext } from './processor.js';
export type { ProcessorDeps, ConfirmPolicy, PacingPolicy, Claims, Log, Reader, TransferPort, ExtrasPort, ExtraKind, ExtraOutcome } from './processor.js';
/** The pure decisions of a job (tested as tables of scenarios). */
export { decideBeforePost, decideAfterPost, settleWait, worthWaiting, confirmPlan } from './decide.js';
export type { BeforePost, AfterPost, PostedState, LookInput, AfterPostInput, ConfirmPlan } from './decide.js';
/** The request gate: the shared Redis budget with a per-process priority queue in front of it. */
export { PacerGate, pacingDelay } from './gate.js';
export type { Pacer, PacerGateOptions } from './gate.js';
/** Conversation reads shared by many jobs (the analytics batch read), with direct reads where needed. */
export { ConversationReader } from './reader.js';
export type { ReadPort, ReaderOptions, ReaderLog } from './reader.js';
export { backoffDelay } from './backoff.js';
export type { BackoffPolicy } from './backoff.js';
export { validateJobData } from './validate.js';
