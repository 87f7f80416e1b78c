import { ctlSchema } from './ctl.js';
import { ingressSchema } from './ingress.js';
import { simSchema } from './sim.js';
import { workerSchema } from './worker.js';

/** The schema of each process that reads the environment, by the name the docs use for it. */
export const PROCESS_SCHEMAS = { ingress: ingressSchema, worker: workerSchema, simulator: simSchema, fallbackctl: ctlSchema } as const;

/** Every environment variable each process reads (the README documents each one; a test keeps them in step). */
export function envVarNames(): { ingress: string[]; worker: string[]; sim: string[]; ctl: string[] } {
  return {
    ingress: Object.keys(ingressSchema.shape),
    worker: Object.keys(workerSchema.shape),
    sim: Object.keys(simSchema.shape),
    ctl: Object.keys(ctlSchema.shape),
  };
}
