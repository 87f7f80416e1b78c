/** The answer of a readiness probe: ready only when every check passed. */
export interface ReadinessReport {
  ready: boolean;
  /** `ok`, or why the check failed (one line, never a secret: checks throw their own messages). */
  checks: Record<string, string>;
}

/** A named readiness check; it throws (or rejects) when the dependency is not usable. */
export type ReadinessCheck = () => Promise<unknown> | unknown;

/**
 * Runs every check in parallel, each bounded by `timeoutMs`: a Redis that accepts the TCP connection but
 * never answers must make /readyz say "not ready" quickly, not hang the probe until the orchestrator gives up.
 */
export function readinessProbe(checks: Record<string, ReadinessCheck>, timeoutMs = 1000): () => Promise<ReadinessReport> {
  return async () => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]): Promise<[string, string]> => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            Promise.resolve().then(check),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          return [name, 'ok'];
        } catch (err) {
          return [name, (err as Error)?.message || String(err)];
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const report = Object.fromEntries(entries);
    return { ready: entries.every(([, v]) => v === 'ok'), checks: report };
  };
}

/** Throws a one-line error naming the failed checks, for callers that want readiness as a rejecting promise. */
export async function assertReady(probe: () => Promise<ReadinessReport>): Promise<void> {
  const report = await probe();
  if (report.ready) return;
  const failed = Object.entries(report.checks)
    .filter(([, v]) => v !== 'ok')
    .map(([k, v]) => `${k}: ${v}`);
  throw new Error(failed.join('; '));
}
