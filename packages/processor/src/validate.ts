/** Why job data cannot be processed, or undefined when it can. Cheap structural checks: the ingress validated the event. */
export function validateJobData(data: unknown): string | undefined {
  if (!data || typeof data !== 'object') return 'job data is not an object';
  const d = data as Record<string, unknown>;
  if (d['v'] !== 1) return `unsupported job data version ${JSON.stringify(d['v'])}`;
  if (typeof d['conversationId'] !== 'string' || d['conversationId'] === '') return 'conversationId missing';
  if (typeof d['deadline'] !== 'number' || !Number.isFinite(d['deadline'])) return 'deadline missing';
  if (d['participantId'] !== undefined && typeof d['participantId'] !== 'string') return 'participantId is not a string';
  if (d['retried'] !== undefined && !(typeof d['retried'] === 'number' && Number.isInteger(d['retried']) && d['retried'] >= 0)) return 'retried is not a count';
  const problem = targetProblem(d['target']);
  if (problem) return problem;
  if (d['chain'] !== undefined) {
    if (!Array.isArray(d['chain'])) return 'chain is not a list of targets';
    for (const t of d['chain']) {
      const p = targetProblem(t);
      if (p) return `chain: ${p}`;
    }
  }
  const cb = d['callback'] as Record<string, unknown> | undefined;
  if (cb !== undefined && (typeof cb !== 'object' || cb === null || typeof cb['aboveSeconds'] !== 'number' || typeof cb['number'] !== 'string')) return 'callback without aboveSeconds and number';
  return undefined;
}

function targetProblem(target: unknown): string | undefined {
  const t = target as Record<string, unknown> | undefined;
  if (!t || typeof t !== 'object') return 'target missing';
  switch (t['kind']) {
    case 'queue':
      return typeof t['queueId'] === 'string' || typeof t['queueName'] === 'string' ? undefined : 'queue target without queueId/queueName';
    case 'number':
      return typeof t['address'] === 'string' ? undefined : 'number target without address';
    case 'agent':
      return typeof t['userId'] === 'string' ? undefined : 'agent target without userId';
    default:
      return `unknown target kind ${JSON.stringify(t['kind'])}`;
  }
}
