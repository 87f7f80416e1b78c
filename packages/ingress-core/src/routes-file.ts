import { createHash } from 'node:crypto';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { DEFAULT_BREAKER, breakerSpecs, type BreakerDefaults, type BreakerSpec } from '@fallback/breaker';
import { ADDRESS_PATTERN, FAILURE_TYPES, UUID_PATTERN, normalizeAddress, type RouteAction, type RouteMatch, type RouteRule, type RoutingTable, type Target, type TimeWindow } from '@fallback/core';
import { isUsableWebhookSecret } from './signature.js';
import type { RateLimitSpec, SourceSpec } from './sources.js';

/** Everything the ingress decides by configuration: who may send, and where callers go. */
export interface IngressPolicy {
  sources: SourceSpec[];
  routing: RoutingTable;
  /** Where the default route came from (for the startup log). */
  defaultFrom: 'file' | 'DEFAULT_QUEUE_ID';
  /** Things that work but deserve a line in the log (e.g. a secret written into the file). */
  warnings: string[];
  /** Outage breakers: the environment's (`default`, BREAKER_*) and the file's `breakers:`; none when absent. */
  breakers?: BreakerSpec[];
}

/** What the environment contributes (INGRESS_API_KEYS, INGRESS_WEBHOOK_SECRETS, DEFAULT_QUEUE_ID, RATE_LIMIT_*). */
export interface PolicyDefaults {
  apiKeys: readonly string[];
  webhookSecrets: readonly string[];
  defaultQueueId?: string;
  referTo?: string;
  /** Applied to every source that sets none; undefined = no limit. */
  rateLimit?: RateLimitSpec;
  /** BREAKER_*: the default breaker, and what the file's breakers inherit. */
  breaker?: BreakerDefaults;
}

/** A routes file (or the environment) that cannot start the ingress; one line per problem, naming the rule. */
export class RoutesFileError extends Error {
  override readonly name = 'RoutesFileError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The name of the source INGRESS_API_KEYS / INGRESS_WEBHOOK_SECRETS define. */
export const ENV_SOURCE = 'default';
/** The name decisions carry when no rule matched. */
export const DEFAULT_ROUTE = 'default';

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const uuid = z
  .string()
  .regex(new RegExp(UUID_PATTERN), 'must be a UUID')
  .transform((s) => s.toLowerCase());
const text = z.string().trim().min(1).max(200);
// E.164-ish numbers (separators allowed, normalized away), tel: URIs, SIP URIs.
const address = z
  .string()
  .trim()
  .regex(new RegExp(ADDRESS_PATTERN), 'must be a phone number (e.g. +4930123456) or a sip:/tel: URI');
const name = z.string().regex(NAME, 'must be 1–64 letters, digits, ".", "_" or "-"');

/** A single value or a non-empty list of them. */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item).min(1, 'must list at least one value'));

const targetSchema = z
  .strictObject({ queueId: uuid.optional(), queueName: text.optional(), address: address.optional(), userId: uuid.optional() })
  .superRefine((t, ctx) => {
    const kinds = [t.queueId !== undefined || t.queueName !== undefined, t.address !== undefined, t.userId !== undefined].filter(Boolean).length;
    if (kinds !== 1)
      ctx.addIssue({ code: 'custom', message: 'must be exactly one of: a queue (queueId and/or queueName), an address (number/DID of an Architect flow), a userId (agent)' });
  })
  .transform((t): Target => {
    if (t.address !== undefined) return { kind: 'number', address: t.address };
    if (t.userId !== undefined) return { kind: 'agent', userId: t.userId };
    if (t.queueId !== undefined) return t.queueName !== undefined ? { kind: 'queue', queueId: t.queueId, queueName: t.queueName } : { kind: 'queue', queueId: t.queueId };
    return { kind: 'queue', queueName: t.queueName! };
  });

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** `mon`, `Mon`, `mon-fri`, `fri-mon` (wrapping) → day numbers; undefined when not a day or range. */
export function parseDays(token: string): number[] | undefined {
  const [a, b, ...rest] = token.trim().toLowerCase().split('-');
  const from = DAY_NAMES.indexOf(a ?? '');
  const to = b === undefined ? from : DAY_NAMES.indexOf(b);
  if (from < 0 || to < 0 || rest.length > 0) return undefined;
  const days: number[] = [];
  for (let d = from; ; d = (d + 1) % 7) {
    days.push(d);
    if (d === to) return days;
  }
}

const clock = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM from 00:00 to 24:00');
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

const windowSchema = z
  .strictObject({ days: oneOrMany(z.string()).optional(), from: clock, to: clock })
  .superRefine((w, ctx) => {
    for (const [i, d] of (w.days ?? []).entries())
      if (!parseDays(d)) ctx.addIssue({ code: 'custom', path: ['days', i], message: 'must be a day (mon … sun) or a range (mon-fri)' });
    if (w.from === w.to || (w.from === '00:00' && w.to === '00:00'))
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'equals from: the window is empty (00:00 to 24:00 is a whole day)' });
    if (w.from === '24:00') ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before 24:00' });
  })
  .transform((w): TimeWindow => ({
    days: w.days ? [...new Set(w.days.flatMap((d) => parseDays(d)!))].sort((a, b) => a - b) : [0, 1, 2, 3, 4, 5, 6],
    fromMinute: minutesOf(w.from),
    toMinute: minutesOf(w.to),
  }));

/** True when Intl knows the IANA time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
const timeZone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or America/New_York');

const matchSchema = z
  .strictObject({
    failureType: oneOrMany(z.enum(FAILURE_TYPES)).optional(),
    language: oneOrMany(z.string().regex(/^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as de or de-DE')).optional(),
    dnis: oneOrMany(z.string().regex(/^[^*]+\*?$/, 'must be a number, optionally ending in * for a prefix')).optional(),
    flowName: oneOrMany(text).optional(),
    endpoint: oneOrMany(text).optional(),
    source: oneOrMany(name).optional(),
    timeZone: timeZone.optional(),
    time: z.array(windowSchema).min(1, 'must list at least one window').optional(),
  })
  .superRefine((m, ctx) => {
    const { timeZone: _tz, ...conditions } = m;
    if (Object.values(conditions).every((v) => v === undefined))
      ctx.addIssue({ code: 'custom', message: 'has no conditions: a rule that matches everything is the `default`' });
    if (m.timeZone !== undefined && m.time === undefined) ctx.addIssue({ code: 'custom', path: ['timeZone'], message: 'is set without time windows' });
  });

const callbackSchema = z.strictObject({
  whenWaitAboveSeconds: z.number().int().min(1, 'must be ≥ 1').max(86_400, 'must be ≤ 86400'),
  queueId: uuid.optional(),
});
const actionShape = {
  target: targetSchema.optional(),
  /** A chain: the first target, then the next ones when Genesys refuses the one before for good. */
  targets: z.array(targetSchema).min(1, 'must list at least one target').max(5, 'at most 5 targets').optional(),
  allow: z.array(targetSchema).optional(),
  referTo: address.optional(),
  callback: callbackSchema.optional(),
  agentContext: z.boolean().optional(),
};
/** Exactly one of `target` (one place) and `targets` (a chain). */
const oneTarget = (a: { target?: unknown; targets?: unknown }, ctx: z.RefinementCtx) => {
  if ((a.target === undefined) === (a.targets === undefined))
    ctx.addIssue({ code: 'custom', path: ['target'], message: 'give exactly one of target (one place) or targets (a chain, tried in order)' });
};
const ruleSchema = z.strictObject({ name, match: matchSchema, ...actionShape }).superRefine(oneTarget);

/** A parsed rule or default as the routing table's action. */
function toAction(
  name: string,
  a: { target?: Target; targets?: Target[]; allow?: Target[]; referTo?: string; callback?: { whenWaitAboveSeconds: number; queueId?: string }; agentContext?: boolean },
): RouteAction {
  const [first, ...then] = a.targets ?? [a.target!];
  return {
    name,
    target: first!,
    allow: a.allow ?? [],
    ...(then.length ? { then } : {}),
    ...(a.referTo ? { referTo: a.referTo } : {}),
    ...(a.callback ? { callback: { aboveSeconds: a.callback.whenWaitAboveSeconds, ...(a.callback.queueId ? { queueId: a.callback.queueId.toLowerCase() } : {}) } } : {}),
    ...(a.agentContext ? { agentContext: true } : {}),
  };
}

const secretList = z.array(z.string());
const sourceSchema = z
  .strictObject({
    name,
    apiKeys: secretList.optional(),
    webhookSecrets: secretList.optional(),
    rateLimit: z
      .union([z.literal(false), z.strictObject({ max: z.number().int().min(1), windowSeconds: z.number().int().min(1).max(3600).default(1) })])
      .optional(),
  })
  .superRefine((s, ctx) => {
    // Messages never repeat a value: these are secrets.
    for (const [i, k] of (s.apiKeys ?? []).entries())
      if (k.length < 16) ctx.addIssue({ code: 'custom', path: ['apiKeys', i], message: 'must be at least 16 characters' });
    for (const [i, k] of (s.webhookSecrets ?? []).entries())
      if (!isUsableWebhookSecret(k)) ctx.addIssue({ code: 'custom', path: ['webhookSecrets', i], message: 'must be whsec_ + base64 of at least 16 bytes' });
    if ((s.apiKeys ?? []).length + (s.webhookSecrets ?? []).length === 0)
      ctx.addIssue({ code: 'custom', message: 'needs apiKeys or webhookSecrets: a source nobody can authenticate as is a typo' });
  });

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL that answers 2xx while the bot is healthy' });
/**
 * A breaker of one bot (issue 13): which failures count (the bot's flow, its Voice Gateway endpoint, the source),
 * the switch it flips (an emergency group, or a boolean field of a data-table row), and optionally its own
 * threshold, window, quiet time and probe (else BREAKER_*).
 */
const breakerSchema = z
  .strictObject({
    name,
    match: z
      .strictObject({ flowName: oneOrMany(text).optional(), endpoint: oneOrMany(text).optional(), source: oneOrMany(name).optional() })
      .refine((m) => m.flowName !== undefined || m.endpoint !== undefined || m.source !== undefined, 'needs flowName, endpoint or source: a breaker for every failure is BREAKER_* (the default)'),
    emergencyGroupId: uuid.optional(),
    datatable: z.strictObject({ id: uuid, row: text, field: z.string().regex(/^[A-Za-z_][A-Za-z0-9 _-]{0,99}$/, 'must be the name of a boolean field') }).optional(),
    threshold: z.number().int().min(1).max(1_000_000).optional(),
    windowSeconds: z.number().int().min(1).max(3600).optional(),
    recoverSeconds: z.number().int().min(1).max(86_400).optional(),
    probeUrl: httpUrl.optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.emergencyGroupId === undefined) === (b.datatable === undefined))
      ctx.addIssue({ code: 'custom', message: 'needs exactly one switch: emergencyGroupId, or datatable {id, row, field}' });
  });

const fileSchema = z.strictObject({
  version: z.literal(1).optional(),
  timeZone: timeZone.optional(),
  sources: z.array(sourceSchema).optional(),
  routes: z.array(ruleSchema).optional(),
  default: z.strictObject(actionShape).superRefine(oneTarget).optional(),
  breakers: z.array(breakerSchema).optional(),
});

/** What the file's breakers inherit when BREAKER_* says nothing (the schema's defaults). */
const BREAKER_FALLBACKS: BreakerDefaults = { threshold: 20, windowMs: 60_000, recoverMs: 300_000 };

/** The file's breakers as specs (names checked against each other and `default`); problems named by breaker. */
function toBreakers(raw: RawFile, list: z.infer<typeof breakerSchema>[], defaults: BreakerDefaults | undefined, problems: string[]): BreakerSpec[] {
  const d = defaults ?? BREAKER_FALLBACKS;
  const seen = new Set<string>();
  return list.map((b, i) => {
    const at = where(raw, ['breakers', i]);
    if (b.name === DEFAULT_BREAKER) problems.push(`${at}: name "${DEFAULT_BREAKER}" is reserved for the breaker of BREAKER_*`);
    else if (seen.has(b.name)) problems.push(`${at}: name is used twice`);
    seen.add(b.name);
    const match: RouteMatch = {};
    if (b.match.flowName) match.flows = b.match.flowName.map((f) => f.toLowerCase());
    if (b.match.endpoint) match.endpoints = b.match.endpoint.map((e) => e.toLowerCase());
    if (b.match.source) match.sources = b.match.source;
    const probeUrl = b.probeUrl ?? d.probeUrl;
    return {
      name: b.name,
      switch: b.emergencyGroupId !== undefined ? { kind: 'emergencyGroup', groupId: b.emergencyGroupId } : { kind: 'datatableRow', datatableId: b.datatable!.id, rowId: b.datatable!.row, field: b.datatable!.field },
      threshold: b.threshold ?? d.threshold,
      windowMs: b.windowSeconds !== undefined ? b.windowSeconds * 1000 : d.windowMs,
      recoverMs: b.recoverSeconds !== undefined ? b.recoverSeconds * 1000 : d.recoverMs,
      ...(probeUrl ? { probeUrl } : {}),
      match,
    };
  });
}

/**
 * The breakers of a routes file and the environment, for the worker: it flips what the ingress counts, so it reads
 * the same `breakers:` (and nothing else of the file: sources and routes are the ingress's, and their secrets need
 * not be in the worker's environment). Problems are reported like the ingress's, naming the breaker.
 */
export function readBreakers(textIn: string | undefined, opts: { fileName: string; defaults: BreakerDefaults }): BreakerSpec[] {
  if (textIn === undefined) return breakerSpecs(opts.defaults);
  const problems: string[] = [];
  const doc = readDocument(textIn, opts.fileName, problems);
  if (problems.length) throw new RoutesFileError(opts.fileName, problems);
  const raw = (doc && typeof doc === 'object' && !Array.isArray(doc) ? doc : {}) as RawFile;
  const parsed = z.looseObject({ breakers: z.array(breakerSchema).optional() }).safeParse(raw);
  if (!parsed.success) throw new RoutesFileError(opts.fileName, parsed.error.issues.map((issue) => `${where(raw, issue.path)}: ${issue.message}`));
  const named = toBreakers(raw, parsed.data.breakers ?? [], opts.defaults, problems);
  if (problems.length) throw new RoutesFileError(opts.fileName, problems);
  return breakerSpecs(opts.defaults, named);
}

type RawFile = Record<string, unknown>;

/** `routes[2] "night": match.time[0].from` for an issue path, naming the rule or source it is in. */
function where(raw: RawFile, path: readonly PropertyKey[]): string {
  const [head, index, ...rest] = path;
  let label = String(head ?? '(file)');
  let tail = path.slice(1);
  if ((head === 'routes' || head === 'sources' || head === 'breakers') && typeof index === 'number') {
    const entry = (raw[head] as unknown[] | undefined)?.[index] as Record<string, unknown> | undefined;
    label = `${head}[${index}]${typeof entry?.['name'] === 'string' ? ` "${entry['name']}"` : ''}`;
    tail = rest;
  }
  const sub = tail.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return sub ? `${label}: ${sub}` : label;
}

const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * Replaces `${VAR}` entries of sources' apiKeys/webhookSecrets with the variable's comma-separated values, so
 * secrets stay in the environment (or a secret store feeding it) and the file can be committed.
 */
function resolveSecrets(raw: RawFile, env: Record<string, string | undefined>, problems: string[], warnings: string[]): void {
  const sources = raw['sources'];
  if (!Array.isArray(sources)) return;
  sources.forEach((source: unknown, i) => {
    if (!source || typeof source !== 'object') return;
    const s = source as Record<string, unknown>;
    for (const field of ['apiKeys', 'webhookSecrets'] as const) {
      const list = s[field];
      if (list === undefined) continue;
      if (!Array.isArray(list)) continue; // the schema reports it
      const resolved: unknown[] = [];
      list.forEach((entry: unknown, j) => {
        if (typeof entry !== 'string') return void resolved.push(entry);
        const ref = ENV_REF.exec(entry);
        if (ref) {
          const value = env[ref[1]!];
          const values = (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
          if (values.length === 0) problems.push(`${where(raw, ['sources', i, field, j])}: environment variable ${ref[1]} is not set`);
          resolved.push(...values);
        } else if (entry.includes('${')) {
          problems.push(`${where(raw, ['sources', i, field, j])}: write a reference as the whole value, "\${NAME}"`);
        } else {
          warnings.push(`${where(raw, ['sources', i, field])}: a secret is written in the routes file; prefer "\${ENV_VAR}" references`);
          resolved.push(entry);
        }
      });
      s[field] = resolved;
    }
  });
}

/** Reads YAML or JSON text (by file extension; YAML otherwise), reporting every syntax error with its line. */
function readDocument(textIn: string, fileName: string, problems: string[]): unknown {
  if (/\.json$/i.test(fileName)) {
    try {
      return JSON.parse(textIn);
    } catch (err) {
      problems.push(`not valid JSON: ${(err as Error).message}`);
      return undefined;
    }
  }
  const lineCounter = new LineCounter();
  // prettyErrors off: a pretty message quotes the offending line of the file, which may hold a secret.
  const doc = parseDocument(textIn, { uniqueKeys: true, prettyErrors: false, lineCounter });
  for (const e of doc.errors) problems.push(`not valid YAML at line ${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
  return problems.length ? undefined : doc.toJS({ maxAliasCount: 100 });
}

const digest = (v: string) => createHash('sha256').update(v).digest('hex');

/** The source INGRESS_API_KEYS / INGRESS_WEBHOOK_SECRETS describe, when either is set. */
function envSource(defaults: PolicyDefaults): SourceSpec | undefined {
  if (defaults.apiKeys.length + defaults.webhookSecrets.length === 0) return undefined;
  const spec: SourceSpec = { name: ENV_SOURCE, apiKeys: [...defaults.apiKeys], webhookSecrets: [...defaults.webhookSecrets], openSourceName: true };
  if (defaults.rateLimit) spec.rateLimit = defaults.rateLimit;
  return spec;
}

function envDefault(defaults: PolicyDefaults): RouteAction | undefined {
  if (defaults.defaultQueueId === undefined) return undefined;
  const action: RouteAction = { name: DEFAULT_ROUTE, target: { kind: 'queue', queueId: defaults.defaultQueueId.toLowerCase() }, allow: [] };
  if (defaults.referTo !== undefined) action.referTo = defaults.referTo;
  return action;
}

/** The policy of the quick start: the environment's source and DEFAULT_QUEUE_ID for every failure. */
export function policyFromEnv(defaults: PolicyDefaults): IngressPolicy {
  const problems: string[] = [];
  const source = envSource(defaults);
  const fallback = envDefault(defaults);
  if (!source) problems.push('no source can authenticate: set INGRESS_API_KEYS or INGRESS_WEBHOOK_SECRETS, or declare sources in ROUTES_FILE');
  if (!fallback) problems.push('no default route: set DEFAULT_QUEUE_ID or ROUTES_FILE');
  if (problems.length) throw new RoutesFileError('the environment', problems);
  return { sources: [source!], routing: { rules: [], fallback: fallback! }, defaultFrom: 'DEFAULT_QUEUE_ID', warnings: [], breakers: defaults.breaker ? breakerSpecs(defaults.breaker) : [] };
}

/**
 * Parses and checks a routes file (YAML or JSON) against the environment's defaults. Every problem is reported
 * at once, each naming the rule or source it is in; secret values are never repeated.
 */
export function parseRoutesFile(textIn: string, opts: { fileName: string; env: Record<string, string | undefined>; defaults: PolicyDefaults }): IngressPolicy {
  const problems: string[] = [];
  const warnings: string[] = [];
  const fail = () => new RoutesFileError(opts.fileName, problems);
  const doc = readDocument(textIn, opts.fileName, problems);
  if (problems.length) throw fail();
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push('must be a mapping with `routes`, `default` and optionally `sources` and `timeZone`');
    throw fail();
  }
  const raw = doc as RawFile;
  resolveSecrets(raw, opts.env, problems, warnings);
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${where(raw, issue.path)}: ${issue.message}`);
    throw fail();
  }
  const file = parsed.data;

  // Sources: either the environment's (single tenant: the body's `source` is a trusted label) or the declared ones
  // (tenants, each pinned to its name), never both. An environment key beside declared tenants would be a tenant
  // nobody named; trusting its body label would let it reach any tenant's rules, pinning it would hide a
  // `default` tenant in the environment. Declaring it takes one line, so the mix is refused.
  const sources: SourceSpec[] = [];
  const env = envSource(opts.defaults);
  if (env && (file.sources ?? []).length > 0) {
    const vars = [opts.defaults.apiKeys.length > 0 ? 'INGRESS_API_KEYS' : '', opts.defaults.webhookSecrets.length > 0 ? 'INGRESS_WEBHOOK_SECRETS' : ''].filter(Boolean).join(' and ');
    problems.push(
      `${vars}: must be unset when ROUTES_FILE declares sources (their holder would be an undeclared tenant): declare it as a source in the file, e.g. { name: legacy, apiKeys: ["\${LEGACY_API_KEYS}"] }, and unset ${vars}`,
    );
  }
  if (env) sources.push(env);
  const owners = new Map<string, string>();
  const claim = (secret: string, owner: string, at: string) => {
    const d = digest(secret);
    const other = owners.get(d);
    if (other !== undefined && other !== owner) problems.push(`${at}: the same credential is configured for source "${other}"`);
    owners.set(d, owner);
  };
  for (const [i, s] of (file.sources ?? []).entries()) {
    const at = where(raw, ['sources', i]);
    if (s.name === ENV_SOURCE) problems.push(`${at}: name "${ENV_SOURCE}" is reserved for INGRESS_API_KEYS/INGRESS_WEBHOOK_SECRETS`);
    if (sources.some((o) => o.name === s.name)) problems.push(`${at}: name is used twice`);
    for (const [j, k] of (s.apiKeys ?? []).entries()) claim(k, s.name, `${at}: apiKeys[${j}]`);
    for (const [j, k] of (s.webhookSecrets ?? []).entries()) claim(k, s.name, `${at}: webhookSecrets[${j}]`);
    const spec: SourceSpec = { name: s.name, apiKeys: s.apiKeys ?? [], webhookSecrets: s.webhookSecrets ?? [], openSourceName: false };
    const limit = s.rateLimit === undefined ? opts.defaults.rateLimit : s.rateLimit === false ? undefined : { max: s.rateLimit.max, windowMs: s.rateLimit.windowSeconds * 1000 };
    if (limit) spec.rateLimit = limit;
    sources.push(spec);
  }
  if (sources.length === 0) problems.push('sources: none declared and neither INGRESS_API_KEYS nor INGRESS_WEBHOOK_SECRETS is set: nobody could send an event');

  // Rules: unique names; `source` conditions must name a source that exists (unless the open env source, which
  // trusts the body's `source`, could produce any name).
  const names = new Set<string>([DEFAULT_ROUTE]);
  const rules: RouteRule[] = [];
  for (const [i, r] of (file.routes ?? []).entries()) {
    const at = where(raw, ['routes', i]);
    if (names.has(r.name)) problems.push(`${at}: name ${r.name === DEFAULT_ROUTE ? 'is reserved for the default route' : 'is used twice'}`);
    names.add(r.name);
    if (!env)
      for (const s of r.match.source ?? [])
        if (!sources.some((o) => o.name === s)) problems.push(`${at}: match.source names "${s}", which is not a declared source`);
    rules.push({ ...toAction(r.name, r), match: toMatch(r.match, file.timeZone) });
  }

  let fallback: RouteAction | undefined;
  let defaultFrom: IngressPolicy['defaultFrom'] = 'file';
  if (file.default) {
    fallback = toAction(DEFAULT_ROUTE, file.default);
  } else {
    fallback = envDefault(opts.defaults);
    defaultFrom = 'DEFAULT_QUEUE_ID';
    if (!fallback) problems.push('default: required (where a failure goes when no rule matches), or set DEFAULT_QUEUE_ID');
  }
  const named = toBreakers(raw, file.breakers ?? [], opts.defaults.breaker, problems);
  if (!env)
    for (const [i, b] of named.entries())
      for (const s of b.match?.sources ?? [])
        if (!sources.some((o) => o.name === s)) problems.push(`${where(raw, ['breakers', i])}: match.source names "${s}", which is not a declared source`);
  if (problems.length) throw fail();
  const breakers = opts.defaults.breaker ? breakerSpecs(opts.defaults.breaker, named) : named;
  return { sources, routing: { rules, fallback: fallback! }, defaultFrom, warnings: [...new Set(warnings)], breakers };
}

/** A parsed `match` in the normalized form the pure router compares against. */
function toMatch(m: z.infer<typeof matchSchema>, fileZone: string | undefined): RouteMatch {
  const match: RouteMatch = {};
  if (m.failureType) match.failureTypes = m.failureType;
  if (m.language) match.languages = m.language.map((l) => l.toLowerCase());
  if (m.dnis) match.dnis = m.dnis.map((d) => (d.endsWith('*') ? `${normalizeAddress(d.slice(0, -1))}*` : normalizeAddress(d)));
  if (m.flowName) match.flows = m.flowName.map((f) => f.toLowerCase());
  if (m.endpoint) match.endpoints = m.endpoint.map((e) => e.toLowerCase());
  if (m.source) match.sources = m.source;
  if (m.time) match.time = { timeZone: m.timeZone ?? fileZone ?? 'UTC', windows: m.time };
  return match;
}
