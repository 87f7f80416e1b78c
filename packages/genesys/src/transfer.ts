import type { Target } from '@fallback/core';

/**
 * How a transfer is requested (docs/genesys-contract.md §4). All answer 202 with an empty body: accepted, not done.
 * - `replace` (default): `/participants/{pid}/replace/queue` for a queue, `/replace/agent` for a user,
 *   `/participants/{pid}/transfer {address}` for a number/DID routed to an Architect inbound flow.
 * - `calls-replace`: the long-standing voice form `/conversations/calls/{cid}/participants/{pid}/replace`.
 * - `interactions`: the original tutorial's `POST /api/v2/interactions` batch. It does NOT exist in Genesys
 *   Cloud (it resembles Genesys Engage/GWS 8.5); only our simulator serves it. Kept for comparison runs.
 */
export const TRANSFER_STRATEGIES = ['replace', 'calls-replace', 'interactions'] as const;

/** One of TRANSFER_STRATEGIES. */
export type TransferStrategy = (typeof TRANSFER_STRATEGIES)[number];

/** A transfer call, ready to send. */
export interface TransferRequest {
  method: 'POST';
  path: string;
  body: unknown;
  /** Short endpoint label for metrics, e.g. `replace/queue`. */
  endpoint: string;
}

const enc = encodeURIComponent;

/** Builds the HTTP request for moving `participantId` of `conversationId` to `target`. Throws when the strategy cannot express the target. */
export function buildTransferRequest(
  strategy: TransferStrategy,
  conversationId: string,
  participantId: string,
  target: Target,
): TransferRequest {
  const leg = `/api/v2/conversations/${enc(conversationId)}/participants/${enc(participantId)}`;
  switch (strategy) {
    case 'replace':
      switch (target.kind) {
        case 'queue':
          return {
            method: 'POST',
            path: `${leg}/replace/queue`,
            body: target.queueId !== undefined ? { queueId: target.queueId } : { queueName: target.queueName },
            endpoint: 'replace/queue',
          };
        case 'agent':
          return { method: 'POST', path: `${leg}/replace/agent`, body: { userId: target.userId }, endpoint: 'replace/agent' };
        case 'number':
          return { method: 'POST', path: `${leg}/transfer`, body: { address: target.address }, endpoint: 'transfer' };
      }
      break;
    case 'calls-replace': {
      const path = `/api/v2/conversations/calls/${enc(conversationId)}/participants/${enc(participantId)}/replace`;
      const endpoint = 'calls/replace';
      switch (target.kind) {
        case 'queue':
          if (target.queueId === undefined) throw new TypeError('calls-replace needs a queue id, not a queue name');
          return { method: 'POST', path, body: { queueId: target.queueId }, endpoint };
        case 'agent':
          return { method: 'POST', path, body: { userId: target.userId }, endpoint };
        case 'number':
          return { method: 'POST', path, body: { address: target.address }, endpoint };
      }
      break;
    }
    case 'interactions':
      if (target.kind !== 'queue' || target.queueId === undefined)
        throw new TypeError('the interactions strategy can only target a queue id');
      return {
        method: 'POST',
        path: '/api/v2/interactions',
        body: [{ id: conversationId, action: 'update', details: { target: { id: target.queueId, type: 'routing/queues' } } }],
        endpoint: 'interactions',
      };
  }
  throw new TypeError(`unknown transfer strategy ${String(strategy)}`);
}

/** A refused item of an `interactions` batch answer: its status and a Genesys-like body to classify. */
export interface InteractionsFailure {
  status: number;
  body: { code: string; message: string };
}

/**
 * The `interactions` batch answers 200 with `[{id, action, status}]`: the item for `conversationId` decides.
 * Returns undefined when that item succeeded (2xx), a failure otherwise (a missing item or an unreadable answer
 * is a 502: we cannot tell whether it was applied, and it is retried as ambiguous).
 */
export function interactionsFailure(data: unknown, conversationId: string): InteractionsFailure | undefined {
  const items = Array.isArray(data) ? (data as Array<Record<string, unknown> | null>) : undefined;
  const item = items?.find((i) => i !== null && typeof i === 'object' && i['id'] === conversationId);
  const status = typeof item?.['status'] === 'number' ? item['status'] : undefined;
  if (status !== undefined && status >= 200 && status < 300) return undefined;
  if (status === undefined)
    return { status: 502, body: { code: 'interactions.unreadable', message: `no result for conversation ${conversationId} in the batch answer` } };
  return { status, body: { code: `interactions.item.${status}`, message: `the batch refused conversation ${conversationId} with ${status}` } };
}
