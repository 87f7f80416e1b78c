import type { Job, Queue } from 'bullmq';
import { UUID_PATTERN, failureEventSchema, isJobId, type FallbackResult } from '@fallback/core';
import { CONVERSATION_INDEX_LIMIT, conversationIndexKey, statusViewOf, type FallbackStatusView, type ReplayedJobData } from '@fallback/queue';
import { EXIT, UsageError, defineCommand, type CommandContext, type CommandResult } from '../command.js';
import { formatDeadline, formatSpan, formatTarget, table } from '../format.js';

const UUID = new RegExp(UUID_PATTERN);
const SOURCE_NAME = new RegExp(failureEventSchema.properties.source.pattern);

/** What `show` prints of a fallback: the view GET /v1/fallbacks/:id answers, plus what only an operator needs. */
type Shown = FallbackStatusView & { source: string; eventId?: string; participantId?: string; retried: number };

/** One fallback with its operator fields, or undefined when it is unknown or past retention. */
async function readFallback(queue: Queue<ReplayedJobData, FallbackResult>, id: string): Promise<Shown | undefined> {
  // State first, then the job (the order getFallbackStatus explains).
  const state = await queue.getJobState(id);
  const job = state === 'unknown' ? undefined : ((await queue.getJob(id)) as Job<ReplayedJobData, FallbackResult> | undefined);
  if (!job) return undefined;
  const data = job.data;
  return {
    ...statusViewOf(job, state),
    source: data.source,
    ...(data.eventId !== undefined ? { eventId: data.eventId } : {}),
    ...(data.participantId !== undefined ? { participantId: data.participantId } : {}),
    retried: typeof data.retried === 'number' ? data.retried : 0,
  };
}

/** A status line: `fb-… failed — genesys.forbidden: missing permission …`. */
const headline = (f: Shown) => `${f.id} ${f.status}${f.reason ? ` — ${f.reason}${f.detail ? `: ${f.detail}` : ''}` : ''}`;

function showOne(f: Shown, t: number): CommandResult {
  const received = Date.parse(f.receivedAt);
  const rows = [
    ['conversation', f.conversationId + (f.participantId ? ` (bot leg ${f.participantId})` : '')],
    ['failure', `${f.failureType} from ${f.source}${f.eventId ? `, event ${f.eventId}` : ''}`],
    ['received', `${f.receivedAt} (${formatSpan(t - received)} ago)`],
    ['target', `${formatTarget(f.target)} (route ${f.route})`],
    ['deadline', `${f.deadline} (${formatDeadline(Date.parse(f.deadline), t)})`],
    ['attempts', `${f.attempts} (started ${f.starts} times), replayed ${f.retried} times`],
  ];
  if (f.finishedAt) rows.push(['finished', f.finishedAt]);
  if (f.result?.outcome === 'transferred')
    rows.push(['result', `moved leg ${f.result.participantId}${f.result.alreadyTransferred ? ' (already transferred)' : ''}, ${f.result.genesysRequests} Genesys requests`]);
  return { exit: EXIT.ok, json: f, text: `${headline(f)}\n${table(rows.map(([k, v]) => [`  ${k}`, v!]))}` };
}

/**
 * A conversation's fallbacks, newest first, from the index the ingress writes with each claim. Without a source:
 * the index of single-tenant mode (and of the environment's source beside declared ones). With one: also that
 * source's own index when it is a declared source, and only fallbacks it sent (in single-tenant mode `source` is
 * the body's label, recorded on the job). Another source's index is never scanned for: SCAN walks the whole
 * keyspace, which an operator's look-up must not cost a production Redis.
 */
async function showConversation({ queue, redis, prefix, now }: CommandContext, conversationId: string, source: string | undefined): Promise<CommandResult> {
  // The connection has no offline queue: a read sent before it is up fails instead of waiting (the queue's calls wait).
  await queue.waitUntilReady();
  const keys = [conversationIndexKey(prefix, conversationId), ...(source === undefined ? [] : [conversationIndexKey(prefix, conversationId, source)])];
  const ids = new Set((await Promise.all(keys.map((k) => redis.zrevrange(k, 0, CONVERSATION_INDEX_LIMIT - 1)))).flat());
  const found = (await Promise.all([...ids].map((id) => readFallback(queue, id)))).filter((f): f is Shown => f !== undefined);
  const fallbacks = found
    .filter((f) => source === undefined || f.source === source)
    .sort((a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt) || (a.id < b.id ? -1 : 1));
  const json = { conversationId, ...(source !== undefined ? { source } : {}), fallbacks };
  const of = `conversation ${conversationId}${source !== undefined ? ` from source ${source}` : ''}`;
  if (fallbacks.length === 0) {
    const hint = source === undefined ? ' (with sources declared in ROUTES_FILE, name one: --source <name>)' : '';
    return { exit: EXIT.nothing, json, text: `no fallbacks of ${of}, or all past retention${hint}` };
  }
  const t = now();
  const text = [
    `${fallbacks.length} fallback${fallbacks.length === 1 ? '' : 's'} of ${of}, newest first`,
    table([
      ['RECEIVED', 'ID', 'STATUS', 'REASON', 'TARGET', 'SOURCE'],
      ...fallbacks.map((f) => [`${formatSpan(t - Date.parse(f.receivedAt))} ago`, f.id, f.status, f.reason ?? '', formatTarget(f.target), f.source]),
    ]),
  ].join('\n');
  return { exit: EXIT.ok, json, text };
}

/** `fallbackctl show`: one fallback by id, or a conversation's, as the HTTP API shows them plus operator fields. */
export const show = defineCommand({
  name: 'show',
  summary: "show a fallback by id (status, reason, target, deadline, attempts), or a conversation's fallbacks",
  usage: 'fallbackctl show <fallback id> [--json]\n       fallbackctl show --conversation <Genesys conversation id> [--source <name>] [--json]',
  options: { conversation: { type: 'string' }, source: { type: 'string' } },
  parse(values, positionals) {
    const conversation = values['conversation'];
    const source = values['source'];
    if (typeof source === 'string' && !(SOURCE_NAME.test(source) && source.length <= 64))
      throw new UsageError(`--source "${source}" is not a source name (letters, digits, ".", "_" or "-")`);
    if (typeof conversation === 'string') {
      if (positionals.length) throw new UsageError('give a fallback id or --conversation, not both');
      if (!UUID.test(conversation)) throw new UsageError(`--conversation "${conversation}" is not a Genesys conversation id (a UUID)`);
      // Job data and the index keep conversation ids lower-cased.
      return { conversationId: conversation.toLowerCase(), ...(typeof source === 'string' ? { source } : {}) };
    }
    if (source !== undefined) throw new UsageError('--source goes with --conversation');
    if (positionals.length !== 1) throw new UsageError('show takes exactly one fallback id (or --conversation <id>)');
    const id = positionals[0]!;
    if (!isJobId(id)) throw new UsageError(`"${id}" is not a fallback id (fb- and 32 hex digits, as the ingress answered)`);
    return { id };
  },
  async run(ctx, input: { id: string } | { conversationId: string; source?: string }) {
    if ('conversationId' in input) return showConversation(ctx, input.conversationId, input.source);
    const found = await readFallback(ctx.queue, input.id);
    if (found) return showOne(found, ctx.now());
    const message = `no fallback ${input.id} (unknown, or past retention)`;
    return { exit: EXIT.nothing, json: { error: { code: 'not_found', message } }, text: message };
  },
});
