import type { Job } from 'bullmq';
import { isJobId, type FallbackResult } from '@fallback/core';
import { statusViewOf, type ReplayedJobData } from '@fallback/queue';
import { EXIT, UsageError, defineCommand } from '../command.js';
import { formatDeadline, formatSpan, formatTarget, table } from '../format.js';

/** `fallbackctl show <id>`: one fallback, as GET /v1/fallbacks/:id shows it, plus what only an operator needs. */
export const show = defineCommand({
  name: 'show',
  summary: 'show a fallback by id: status, reason, target, deadline, attempts',
  usage: 'fallbackctl show <fallback id> [--json]',
  options: {},
  parse(_values, positionals) {
    if (positionals.length !== 1) throw new UsageError('show takes exactly one fallback id');
    const id = positionals[0]!;
    if (!isJobId(id)) throw new UsageError(`"${id}" is not a fallback id (fb- and 32 hex digits, as the ingress answered)`);
    return { id };
  },
  async run({ queue, now }, { id }) {
    // State first, then the job (the order getFallbackStatus explains).
    const state = await queue.getJobState(id);
    const job = state === 'unknown' ? undefined : ((await queue.getJob(id)) as Job<ReplayedJobData, FallbackResult> | undefined);
    if (!job) {
      const message = `no fallback ${id} (unknown, or past retention)`;
      return { exit: EXIT.nothing, json: { error: { code: 'not_found', message } }, text: message };
    }
    const view = statusViewOf(job, state);
    const data = job.data;
    const extra = {
      source: data.source,
      ...(data.eventId !== undefined ? { eventId: data.eventId } : {}),
      ...(data.participantId !== undefined ? { participantId: data.participantId } : {}),
      retried: typeof data.retried === 'number' ? data.retried : 0,
    };
    const t = now();
    const received = Date.parse(view.receivedAt);
    const rows = [
      ['conversation', view.conversationId + (extra.participantId ? ` (bot leg ${extra.participantId})` : '')],
      ['failure', `${view.failureType} from ${extra.source}${extra.eventId ? `, event ${extra.eventId}` : ''}`],
      ['received', `${view.receivedAt} (${formatSpan(t - received)} ago)`],
      ['target', `${formatTarget(view.target)} (route ${view.route})`],
      ['deadline', `${view.deadline} (${formatDeadline(Date.parse(view.deadline), t)})`],
      ['attempts', `${view.attempts} (started ${view.starts} times), replayed ${extra.retried} times`],
    ];
    if (view.finishedAt) rows.push(['finished', view.finishedAt]);
    if (view.result?.outcome === 'transferred')
      rows.push(['result', `moved leg ${view.result.participantId}${view.result.alreadyTransferred ? ' (already transferred)' : ''}, ${view.result.genesysRequests} Genesys requests`]);
    const headline = `${view.id} ${view.status}${view.reason ? ` — ${view.reason}${view.detail ? `: ${view.detail}` : ''}` : ''}`;
    return {
      exit: EXIT.ok,
      json: { ...view, ...extra },
      text: `${headline}\n${table(rows.map(([k, v]) => [`  ${k}`, v!]))}`,
    };
  },
});
