import { z } from 'zod';
import { UUID_PATTERN } from '@fallback/core';
import type { BreakerDefaults } from '@fallback/breaker';
import { int, optional } from './env.js';

const uuid = (what: string) => optional().pipe(z.string().regex(new RegExp(UUID_PATTERN), `must be the ${what}'s id (a UUID)`).optional());

/**
 * The outage breaker's variables (issue 13), read by the ingress (it counts failures) and the worker (it flips
 * the switch): both must see the same breakers. On when a switch is named.
 */
export const breakerShape = {
  BREAKER_EMERGENCY_GROUP_ID: uuid('Architect emergency group'),
  BREAKER_DATATABLE_ID: uuid('Architect data table'),
  BREAKER_DATATABLE_ROW: optional().pipe(z.string().max(256, 'must be at most 256 characters').optional()),
  BREAKER_DATATABLE_FIELD: optional().pipe(z.string().regex(/^[A-Za-z_][A-Za-z0-9 _-]{0,99}$/, 'must be the name of a boolean field of the data table').optional()),
  BREAKER_THRESHOLD: int(20, 1, 1_000_000),
  BREAKER_WINDOW_SECONDS: int(60, 1, 3600),
  BREAKER_RECOVER_SECONDS: int(300, 1, 86_400),
  BREAKER_PROBE_URL: optional().pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL that answers 2xx while the bot is healthy' }).optional()),
};

type BreakerEnv = z.infer<z.ZodObject<typeof breakerShape>>;

/** Cross-field checks: a data-table switch needs its table, row and field; one switch per breaker. */
export function checkBreaker(e: BreakerEnv, ctx: z.RefinementCtx): void {
  const table = { BREAKER_DATATABLE_ID: e.BREAKER_DATATABLE_ID, BREAKER_DATATABLE_ROW: e.BREAKER_DATATABLE_ROW, BREAKER_DATATABLE_FIELD: e.BREAKER_DATATABLE_FIELD };
  const given = Object.entries(table).filter(([, v]) => v !== undefined);
  if (given.length > 0 && given.length < 3)
    for (const [name, v] of Object.entries(table))
      if (v === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `required with ${given.map(([n]) => n).join(' and ')}: a data-table switch is a table, a row (its key) and a boolean field` });
  if (e.BREAKER_EMERGENCY_GROUP_ID && given.length > 0)
    ctx.addIssue({ code: 'custom', path: ['BREAKER_DATATABLE_ID'], message: 'set either BREAKER_EMERGENCY_GROUP_ID or BREAKER_DATATABLE_*, not both: one breaker flips one switch' });
}

/** The environment's breaker: its switch (if any) and the values named breakers in ROUTES_FILE inherit. */
export function breakerConfig(e: BreakerEnv): BreakerDefaults {
  const sw: BreakerDefaults['switch'] = e.BREAKER_EMERGENCY_GROUP_ID
    ? { kind: 'emergencyGroup', groupId: e.BREAKER_EMERGENCY_GROUP_ID.toLowerCase() }
    : e.BREAKER_DATATABLE_ID && e.BREAKER_DATATABLE_ROW && e.BREAKER_DATATABLE_FIELD
      ? { kind: 'datatableRow', datatableId: e.BREAKER_DATATABLE_ID.toLowerCase(), rowId: e.BREAKER_DATATABLE_ROW, field: e.BREAKER_DATATABLE_FIELD }
      : undefined;
  return {
    ...(sw ? { switch: sw } : {}),
    threshold: e.BREAKER_THRESHOLD,
    windowMs: e.BREAKER_WINDOW_SECONDS * 1000,
    recoverMs: e.BREAKER_RECOVER_SECONDS * 1000,
    ...(e.BREAKER_PROBE_URL ? { probeUrl: e.BREAKER_PROBE_URL } : {}),
  };
}
