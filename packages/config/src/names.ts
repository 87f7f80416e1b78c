import { ingressSchema } from './ingress.js';
import { simSchema } from './sim.js';
import { workerSchema } from './worker.js';

/** Every environment variable each process reads (the README documents each one; a test keeps them in step). */
export function envVarNames(): { ingress: string[]; worker: string[]; sim: string[] } {
  return {
    ingress: Object.keys(ingressSchema.shape),
    worker: Object.keys(workerSchema.shape),
    sim: Object.keys(simSchema.shape),
  };
}
