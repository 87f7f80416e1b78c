/**
 * Builds the failure event the node posts, from the node's (already CognigyScript-rendered) fields and the
 * Cognigy input. Pure: no I/O, no clock (the caller passes `now`).
 *
 * A caller is on the line while this runs, so an optional field with a bad value is dropped with a warning
 * instead of sent: the service would refuse the whole event with a 400 and the bot would be left with nowhere to
 * send the caller. Only a missing conversation id stops the node, because without it nothing can be moved.
 */
import { createHash } from 'node:crypto';

/**
 * The failure types the service names. A copy of @fallback/core's FAILURE_TYPES: the extension ships on its own
 * (Cognigy installs only its package), and a test fails if the two lists differ.
 */
export const FAILURE_TYPES = [
  'FLOW_ERROR',
  'HTTP_DEPENDENCY_ERROR',
  'LLM_ERROR',
  'STT_ERROR',
  'TTS_ERROR',
  'NO_INPUT_EXHAUSTED',
  'NO_MATCH_EXHAUSTED',
  'TRANSFER_REFER_ERROR',
  'BOT_UNREACHABLE',
  'CALL_FAILED',
  'UNKNOWN',
] as const;

/** Kinds of routing hint the service accepts (one per event). */
export const ROUTING_HINT_KINDS = ['queueName', 'queueId', 'address', 'userId'] as const;

/** One of ROUTING_HINT_KINDS. */
export type RoutingHintKind = (typeof ROUTING_HINT_KINDS)[number];

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const LANGUAGE = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;
const NAME = /^[A-Za-z0-9._-]+$/;

/** The node's fields that shape the event, as Cognigy hands them over (CognigyScript already rendered). */
export interface EventFields {
  failureType?: unknown;
  conversationId?: unknown;
  participantId?: unknown;
  routingHintType?: unknown;
  routingHintValue?: unknown;
  attributes?: unknown;
  eventId?: unknown;
  language?: unknown;
  dnis?: unknown;
  errorCode?: unknown;
  errorMessage?: unknown;
  source?: unknown;
}

/** What the node reads from Cognigy's `input` (all optional: a test chat has fewer of them than a voice call). */
export interface InputFacts {
  sessionId?: unknown;
  userId?: unknown;
  inputId?: unknown;
  execution?: unknown;
  flowName?: unknown;
  endpointType?: unknown;
}

/** The body posted to POST /v1/fallbacks (a subset of the service's event schema). */
export interface FailureEventBody {
  eventId: string;
  occurredAt: string;
  failureType: (typeof FAILURE_TYPES)[number];
  conversationId: string;
  participantId?: string;
  source?: string;
  language?: string;
  dnis?: string;
  bot?: { flowName?: string; endpoint?: string; nodeId?: string };
  error?: { code?: string; message?: string };
  routingHint?: Partial<Record<RoutingHintKind, string>>;
  attributes?: Record<string, string>;
  cognigy?: { sessionId?: string; userId?: string; inputId?: string };
}

/** A built event, or why none could be built. `warnings` lists what was dropped or changed, for the log. */
export type BuiltEvent = { body: FailureEventBody; warnings: string[] } | { problem: { code: 'missing_conversation_id'; message: string } };

/**
 * A rendered CognigyScript value, or undefined when it is empty. Cognigy renders a path that does not exist as
 * an empty string; a literal `{{…}}` (a field whose script was not rendered) and "undefined"/"null" count as
 * empty too.
 */
export function textOf(value: unknown, maxLength = Infinity): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (v === '' || v === 'undefined' || v === 'null' || /\{\{.*\}\}/.test(v)) return undefined;
  return v.length > maxLength ? v.slice(0, maxLength) : v;
}

/**
 * The event id: the field's value when set, else one derived from the session, the input and the call. Cognigy
 * gives every input (every turn) its own inputId, so the node run again for the same failure (a retry, a flow
 * that loops back, the node's own retries) sends the same id and the service answers with the first fallback
 * instead of starting a second; a failure in a later turn is a new event.
 */
export function eventIdOf(explicit: unknown, input: InputFacts, conversationId: string): string {
  const given = textOf(explicit, 200);
  if (given) return given;
  const turn = textOf(input.inputId) ?? (textOf(input.execution) ? `execution-${textOf(input.execution)}` : undefined);
  const parts = [textOf(input.sessionId) ?? '', turn ?? '', conversationId.toLowerCase()];
  return `cognigy-${createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 32)}`;
}

/** The failure type in the service's vocabulary; anything else is sent as UNKNOWN (the original kept as error.code). */
export function failureTypeOf(value: unknown): { type: (typeof FAILURE_TYPES)[number]; unknown?: string } {
  const text = textOf(value);
  if (!text) return { type: 'FLOW_ERROR' };
  const upper = text.toUpperCase().replace(/[\s-]+/g, '_');
  return (FAILURE_TYPES as readonly string[]).includes(upper) ? { type: upper as (typeof FAILURE_TYPES)[number] } : { type: 'UNKNOWN', unknown: text.slice(0, 200) };
}

/**
 * Attributes as the service takes them: at most 50 string values (≤ 1024 characters) under names of letters,
 * digits, `.`, `_` and `-`. Numbers and booleans become strings, objects JSON; bad names are dropped.
 */
export function attributesOf(value: unknown, warnings: string[]): Record<string, string> | undefined {
  let raw = value;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return undefined;
    try {
      raw = JSON.parse(raw);
    } catch {
      warnings.push('attributes: not a JSON object; not sent');
      return undefined;
    }
  }
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    warnings.push('attributes: not a JSON object; not sent');
    return undefined;
  }
  const out: Record<string, string> = {};
  let count = 0;
  for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    if (!NAME.test(key) || key.length > 100) {
      warnings.push(`attributes: name "${key.slice(0, 40)}" is not letters, digits, . _ - (≤ 100); dropped`);
      continue;
    }
    if (count === 50) {
      warnings.push('attributes: more than 50; the rest dropped');
      break;
    }
    const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    out[key] = s.slice(0, 1024);
    count += 1;
  }
  return count > 0 ? out : undefined;
}

/** The non-empty texts of `values` (each cut to its length), or undefined when none is left. */
function texts<K extends string>(values: Record<K, unknown>, maxLength: number, maxLengths: Partial<Record<K, number>> = {}): Partial<Record<K, string>> | undefined {
  const out: Partial<Record<K, string>> = {};
  for (const key of Object.keys(values) as K[]) {
    const text = textOf(values[key], maxLengths[key] ?? maxLength);
    if (text !== undefined) out[key] = text;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Builds the event from the node's fields and the input. `nodeId` is the node's own id (sent as bot.nodeId). */
export function buildFailureEvent(fields: EventFields, input: InputFacts, opts: { now: number; nodeId?: string }): BuiltEvent {
  // Only an empty id is refused here (nothing could be moved, and the reason is the flow's). A malformed one is
  // sent: the service answers 400 naming /conversationId, the same answer any other sender gets.
  const conversationId = textOf(fields.conversationId, 200);
  if (!conversationId)
    return {
      problem: {
        code: 'missing_conversation_id',
        message: 'the Genesys conversation id is empty: store it in context.genesys.conversationId (from the x-inin-cnv SIP header) or set the field',
      },
    };
  const warnings: string[] = [];
  const failure = failureTypeOf(fields.failureType);
  if (failure.unknown) warnings.push(`failureType "${failure.unknown}" is not one the service names; sent as UNKNOWN`);

  const body: FailureEventBody = {
    eventId: eventIdOf(fields.eventId, input, conversationId),
    occurredAt: new Date(opts.now).toISOString(),
    failureType: failure.type,
    conversationId,
  };

  const participantId = textOf(fields.participantId);
  if (participantId && UUID.test(participantId)) body.participantId = participantId;
  else if (participantId) warnings.push('participantId is not a UUID; not sent (the service finds the bot leg itself)');

  const source = textOf(fields.source);
  if (source && NAME.test(source) && source.length <= 64) body.source = source;
  else if (source) warnings.push('source must be letters, digits, . _ - (≤ 64); not sent');

  const language = textOf(fields.language);
  if (language && LANGUAGE.test(language) && language.length <= 35) body.language = language;
  else if (language) warnings.push(`language "${language.slice(0, 40)}" is not a language tag like de-DE; not sent`);

  const dnis = textOf(fields.dnis, 256);
  if (dnis) body.dnis = dnis;

  const bot = texts({ flowName: input.flowName, endpoint: input.endpointType, nodeId: opts.nodeId }, 200);
  if (bot) body.bot = bot;

  const error = texts({ code: textOf(fields.errorCode) ?? failure.unknown, message: fields.errorMessage }, 200, { message: 2000 });
  if (error) body.error = error;

  const hintKind = textOf(fields.routingHintType);
  if (hintKind && hintKind !== 'none') {
    const value = textOf(fields.routingHintValue, 256);
    if (!(ROUTING_HINT_KINDS as readonly string[]).includes(hintKind)) warnings.push(`routing hint kind "${hintKind}" is unknown; no hint sent`);
    else if (!value) warnings.push(`routing hint ${hintKind} is empty; no hint sent`);
    else if ((hintKind === 'queueId' || hintKind === 'userId') && !UUID.test(value)) warnings.push(`routing hint ${hintKind} is not a UUID; no hint sent`);
    else body.routingHint = { [hintKind]: hintKind === 'queueName' ? value.slice(0, 200) : value };
  }

  const attributes = attributesOf(fields.attributes, warnings);
  if (attributes) body.attributes = attributes;

  const cognigy = texts({ sessionId: input.sessionId, userId: input.userId, inputId: input.inputId }, 200);
  if (cognigy) body.cognigy = cognigy;

  return { body, warnings };
}
