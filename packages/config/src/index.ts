export { ConfigError, parseEnv, deepFreeze } from './env.js';
export type { Env, CommonConfig } from './env.js';
export { loadIngressConfig } from './ingress.js';
export type { IngressConfig } from './ingress.js';
export { loadWorkerConfig } from './worker.js';
export type { WorkerConfig } from './worker.js';
export { loadSimConfig } from './sim.js';
export type { SimConfig } from './sim.js';
export { envVarNames } from './names.js';
