/**
 * What the service's answer means for the flow. Pure.
 *
 * **On accepted**: the service has the fallback and will move (or has moved) the call: 202, or 200 for an event
 * it already knew, while the fallback is queued, running or transferred. **On error**: it will not move this
 * call — the request failed (network, 4xx, 5xx), or, with a wait, the fallback already ended failed or expired —
 * so the flow should do something itself (a Voice Gateway transfer/REFER, an apology, a hang-up).
 */
import type { Attempt } from './send.js';

/** Where the service sends the caller (the reply's `target`). */
export interface Target {
  kind: string;
  queueId?: string;
  queueName?: string;
  address?: string;
  userId?: string;
}

/** Stored in context/input when the service took the fallback. */
export interface AcceptedResult {
  ok: true;
  httpStatus: number;
  /** The fallback's id (GET /v1/fallbacks/{id}). */
  id: string;
  /** queued, active or transferred. */
  status: string;
  /** True when the service already knew this event (a repeat): nothing new was started. */
  duplicate: boolean;
  conversationId?: string;
  target?: Target;
  route?: string;
  /** Number or SIP URI of the fallback Architect flow, for a flow that can still REFER the call itself. */
  referTo?: string;
  deadline?: string;
  statusUrl?: string;
  /** "ignored" when the service did not follow the routing hint (the matched rule's target was used). */
  routingHint?: string;
  eventId: string;
  attempts: number;
}

/** Stored in context/input when the service did not take the fallback (or it already ended unsuccessfully). */
export interface ErrorResult {
  ok: false;
  /** A stable code: the service's error code (`unauthorized`, `invalid_payload`, …) or one of the node's own. */
  code: string;
  message: string;
  /** The HTTP status, when there was an answer. */
  httpStatus?: number;
  /** The field the service named (a JSON pointer such as /conversationId). */
  field?: string;
  /** For a fallback that ended: its id, status and reason code (e.g. call.ended). */
  id?: string;
  status?: string;
  reason?: string;
  detail?: string;
  referTo?: string;
  eventId?: string;
  attempts: number;
}

/** Which child branch to take, and what to store. */
export type Outcome = { branch: 'accepted'; result: AcceptedResult } | { branch: 'error'; result: ErrorResult };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Turns the last attempt into an outcome. */
export function outcomeOf(attempt: Attempt, attempts: number, eventId: string): Outcome {
  if ('network' in attempt) {
    const { network } = attempt;
    return {
      branch: 'error',
      result: {
        ok: false,
        code: network.timedOut ? 'timeout' : 'network_error',
        message: network.timedOut ? `the fallback service did not answer in time (${network.message})` : `cannot reach the fallback service: ${network.code} ${network.message}`.trim(),
        eventId,
        attempts,
      },
    };
  }
  const { status, text } = attempt.answer;
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  if ((status === 200 || status === 202) && body && typeof body['id'] === 'string' && typeof body['status'] === 'string') {
    const fallbackStatus = body['status'];
    if (fallbackStatus === 'failed' || fallbackStatus === 'expired')
      return {
        branch: 'error',
        result: {
          ok: false,
          code: fallbackStatus === 'failed' ? 'fallback_failed' : 'fallback_expired',
          message:
            fallbackStatus === 'failed'
              ? `the fallback ended without a transfer: ${str(body['reason']) ?? 'unknown'}${str(body['detail']) ? ` (${str(body['detail'])})` : ''}`
              : 'the fallback expired before the call could be moved',
          httpStatus: status,
          id: body['id'],
          status: fallbackStatus,
          ...(str(body['reason']) ? { reason: str(body['reason']) } : {}),
          ...(str(body['detail']) ? { detail: str(body['detail']) } : {}),
          ...(str(body['referTo']) ? { referTo: str(body['referTo']) } : {}),
          eventId,
          attempts,
        },
      };
    const target = body['target'] && typeof body['target'] === 'object' ? (body['target'] as Target) : undefined;
    return {
      branch: 'accepted',
      result: {
        ok: true,
        httpStatus: status,
        id: body['id'],
        status: fallbackStatus,
        duplicate: body['duplicate'] === true,
        ...(str(body['conversationId']) ? { conversationId: str(body['conversationId']) } : {}),
        ...(target ? { target } : {}),
        ...(str(body['route']) ? { route: str(body['route']) } : {}),
        ...(str(body['referTo']) ? { referTo: str(body['referTo']) } : {}),
        ...(str(body['deadline']) ? { deadline: str(body['deadline']) } : {}),
        ...(str(body['statusUrl']) ? { statusUrl: str(body['statusUrl']) } : {}),
        ...(str(body['routingHint']) ? { routingHint: str(body['routingHint']) } : {}),
        eventId,
        attempts,
      },
    };
  }
  const error = body && body['error'] && typeof body['error'] === 'object' ? (body['error'] as Record<string, unknown>) : undefined;
  if (error && typeof error['code'] === 'string')
    return {
      branch: 'error',
      result: {
        ok: false,
        code: error['code'],
        message: str(error['message']) ?? `HTTP ${status}`,
        httpStatus: status,
        ...(str(error['field']) ? { field: str(error['field']) } : {}),
        eventId,
        attempts,
      },
    };
  return {
    branch: 'error',
    result: {
      ok: false,
      code: status >= 500 ? 'service_error' : 'invalid_response',
      message: `HTTP ${status} without the fallback service's answer (is the service URL right?)`,
      httpStatus: status,
      eventId,
      attempts,
    },
  };
}
