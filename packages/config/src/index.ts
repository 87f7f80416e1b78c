export { ConfigError, parseEnv, deepFreeze } from './env.js';
export type { Env, CommonConfig } from './env.js';
export { loadIngressConfig } from './ingress.js';
export type { IngressConfig } from './ingress.js';
export { loadWorkerConfig } from './worker.js';
export type { WorkerConfig } from './worker.js';
export { loadSimConfig } from './sim.js';
export type { SimConfig } from './sim.js';
export { envVarNames } from './names.js';
export { loadCtlConfig } from './ctl.js';
export type { CtlConfig } from './ctl.js';
/** `.env.example` from the schemas and the README's configuration table. */
export { envCatalog, parseConfigTable, renderEnvExample } from './env-example.js';
export type { EnvVar, DocRow } from './env-example.js';
