/**
 * The "Genesys fallback" Flow Node: reports the bot's failure to the fallback service, which moves the live
 * Genesys Cloud call off the bot (to a queue, a number routed to an Architect flow, or an agent).
 *
 * It never throws. Cognigy turns a throwing extension node into nothing but `input.extensionError` and the flow
 * goes on as if nothing happened — dead air for a caller whose bot has just failed. Every failure, including a
 * bug here, takes the **On error** branch with a code the flow can act on.
 */
import { createNodeDescriptor, type INodeFunctionBaseParams } from '@cognigy/extension-tools';
import { buildFailureEvent, textOf, type EventFields } from '../event.js';
import { outcomeOf, type ErrorResult, type Outcome } from '../outcome.js';
import { sendWithRetries } from '../send.js';
import { signedHeaders, webhookKey } from '../sign.js';

/** Node and child types (stable: flows reference them). */
export const NODE_TYPE = 'genesysFallback';
export const ACCEPTED_TYPE = 'onFallbackAccepted';
export const ERROR_TYPE = 'onFallbackError';

/** Where the result is stored unless the node says otherwise: `context.genesysFallback`. */
export const DEFAULT_STORE_KEY = 'genesysFallback';

/** Cognigy stops an extension node after 20 s and then takes no branch: stay well inside it. */
export const MAX_BUDGET_MS = 18_000;

/** The node's configuration as Cognigy passes it (CognigyScript rendered). */
export interface GenesysFallbackConfig extends EventFields {
  authType?: 'apiKey' | 'webhook';
  apiKeyConnection?: { serviceUrl?: string; apiKey?: string };
  webhookConnection?: { serviceUrl?: string; webhookSecret?: string };
  waitSeconds?: unknown;
  timeoutSeconds?: unknown;
  storeLocation?: 'context' | 'input';
  storeKey?: unknown;
}

/** Cognigy's `api` as this node uses it (`addToInput` exists at runtime but is missing from extension-tools' types). */
interface NodeApi {
  setNextNode?: (nodeId: string) => void;
  addToContext?: (key: string, value: unknown, mode: string) => void;
  addToInput?: (key: string, value: unknown) => void;
  log?: (level: string, text: string) => void;
}

const numberIn = (value: unknown, min: number, max: number, fallback: number): number => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
};

/** POST /v1/fallbacks under the service URL (which may already end in it), with `?wait=` when asked. */
export function endpointOf(serviceUrl: string | undefined, waitSeconds: number): URL | undefined {
  if (!serviceUrl) return undefined;
  let url: URL;
  try {
    url = new URL(serviceUrl.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/v1/fallbacks') ? path : `${path}/v1/fallbacks`;
  url.search = waitSeconds > 0 ? `?wait=${waitSeconds}` : '';
  url.hash = '';
  return url;
}

const configError = (code: string, message: string): Outcome => ({ branch: 'error', result: { ok: false, code, message, attempts: 0 } });

/** Reports the failure and decides the branch. May throw only on a bug; the node function catches that. */
async function report(params: INodeFunctionBaseParams, now: () => number): Promise<{ outcome: Outcome; warnings: string[] }> {
  const config = params.config as GenesysFallbackConfig;
  const webhook = config.authType === 'webhook';
  const connection = webhook ? config.webhookConnection : config.apiKeyConnection;
  const waitSeconds = numberIn(config.waitSeconds, 0, 8, 0);
  const url = endpointOf(textOf(connection?.serviceUrl), waitSeconds);
  if (!url) return { outcome: configError('invalid_connection', 'the connection has no usable service URL (https://… of the fallback service)'), warnings: [] };

  let authHeaders: (nowMs: number, body: string, eventId: string) => Record<string, string>;
  if (webhook) {
    const key = webhookKey(textOf(config.webhookConnection?.webhookSecret) ?? '');
    if (!key) return { outcome: configError('invalid_connection', 'the connection\'s webhook secret is not whsec_ + base64 of at least 16 bytes'), warnings: [] };
    authHeaders = (nowMs, body, eventId) => signedHeaders(key, eventId, nowMs, body);
  } else {
    const apiKey = textOf(config.apiKeyConnection?.apiKey);
    if (!apiKey) return { outcome: configError('invalid_connection', 'the connection has no API key'), warnings: [] };
    authHeaders = () => ({ authorization: `Bearer ${apiKey}` });
  }

  const built = buildFailureEvent(config, params.cognigy.input ?? {}, { now: now(), nodeId: params.nodeId });
  if ('problem' in built) return { outcome: configError(built.problem.code, built.problem.message), warnings: [] };
  const body = JSON.stringify(built.body);
  const { eventId } = built.body;
  const budgetMs = Math.min(MAX_BUDGET_MS, (numberIn(config.timeoutSeconds, 1, 15, 5) + waitSeconds) * 1000);
  const { attempt, attempts } = await sendWithRetries({
    url,
    body,
    budgetMs,
    now,
    headers: (nowMs) => ({
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'cognigy-genesys-fallback-extension',
      ...authHeaders(nowMs, body, eventId),
    }),
  });
  return { outcome: outcomeOf(attempt, attempts, eventId), warnings: built.warnings };
}

/** What the log says about an outcome (never a key, secret or signature; the service's messages hold none). */
function describe(outcome: Outcome): string {
  const r = outcome.result;
  if (r.ok) {
    const t = r.target;
    const where = t ? `${t.kind} ${t.queueName ?? t.queueId ?? t.address ?? t.userId ?? ''}`.trim() : 'its target';
    return `fallback ${r.id} ${r.status}${r.duplicate ? ' (already known)' : ''}, caller goes to ${where}${r.referTo ? `; referTo ${r.referTo}` : ''}`;
  }
  return `${r.code}${r.httpStatus ? ` (HTTP ${r.httpStatus})` : ''}: ${r.message}`;
}

/** The node function, with the clock injectable for tests. Never rejects. */
export async function runGenesysFallback(params: INodeFunctionBaseParams, now: () => number = Date.now): Promise<void> {
  const api = (params.cognigy?.api ?? {}) as NodeApi;
  const config = (params.config ?? {}) as GenesysFallbackConfig;
  const log = (level: string, text: string) => {
    try {
      api.log?.(level, `Genesys fallback: ${text}`);
    } catch {
      // A logger that throws must not cost the caller the fallback.
    }
  };
  let outcome: Outcome;
  try {
    const reported = await report(params, now);
    outcome = reported.outcome;
    for (const w of reported.warnings) log('warn', w);
  } catch (err) {
    const result: ErrorResult = { ok: false, code: 'internal_error', message: `the node failed: ${(err as Error)?.message ?? String(err)}`, attempts: 0 };
    outcome = { branch: 'error', result };
  }
  log(outcome.branch === 'accepted' ? 'info' : 'error', describe(outcome));

  try {
    const key = textOf(config.storeKey) ?? DEFAULT_STORE_KEY;
    if (config.storeLocation === 'input') api.addToInput?.(key, outcome.result);
    else api.addToContext?.(key, outcome.result, 'simple');
  } catch (err) {
    log('error', `could not store the result: ${(err as Error)?.message}`);
  }

  const childType = outcome.branch === 'accepted' ? ACCEPTED_TYPE : ERROR_TYPE;
  const child = (params.childConfigs ?? []).find((c) => c.type === childType);
  if (child && api.setNextNode) api.setNextNode(child.id);
  else log('error', `no "${childType === ACCEPTED_TYPE ? 'On accepted' : 'On error'}" branch under the node; the flow continues below it`);
}

const childConstraints = {
  editable: false,
  deletable: false,
  creatable: false,
  movable: false,
  placement: { predecessor: { whitelist: [] } },
};

/** The node a flow places on its error path (or in its global error handler). */
export const genesysFallbackNode = createNodeDescriptor({
  type: NODE_TYPE,
  defaultLabel: 'Genesys fallback',
  summary: 'Reports the bot failure; the fallback service moves the live Genesys Cloud call to a queue, an IVR flow or an agent',
  appearance: { color: '#ff4f1f' },
  tags: ['service'],
  preview: { key: 'failureType', type: 'text' },
  dependencies: { children: [ACCEPTED_TYPE, ERROR_TYPE] },
  fields: [
    {
      key: 'authType',
      label: 'Authentication',
      type: 'select',
      defaultValue: 'apiKey',
      description: 'How the service knows this bot: an API key (Bearer), or a Standard Webhooks secret that signs every request.',
      params: {
        required: true,
        options: [
          { label: 'API key', value: 'apiKey' },
          { label: 'Signed (Standard Webhooks secret)', value: 'webhook' },
        ],
      },
    },
    {
      key: 'apiKeyConnection',
      label: 'Fallback service',
      type: 'connection',
      params: { connectionType: 'genesysFallbackApiKey', required: true },
      condition: { key: 'authType', value: 'apiKey' },
    },
    {
      key: 'webhookConnection',
      label: 'Fallback service',
      type: 'connection',
      params: { connectionType: 'genesysFallbackWebhook', required: true },
      condition: { key: 'authType', value: 'webhook' },
    },
    {
      key: 'failureType',
      label: 'Failure type',
      type: 'cognigyText',
      defaultValue: 'FLOW_ERROR',
      description:
        'FLOW_ERROR, HTTP_DEPENDENCY_ERROR, LLM_ERROR, STT_ERROR, TTS_ERROR, NO_INPUT_EXHAUSTED, NO_MATCH_EXHAUSTED, TRANSFER_REFER_ERROR, BOT_UNREACHABLE, CALL_FAILED or UNKNOWN. Routing rules may match on it. Anything else is sent as UNKNOWN.',
      params: { required: true },
    },
    {
      key: 'conversationId',
      label: 'Genesys conversation id',
      type: 'cognigyText',
      defaultValue: '{{context.genesys.conversationId}}',
      description: 'The Genesys Cloud conversation (the x-inin-cnv SIP header of the call). The flow copies it into context.genesys.conversationId on its first turn.',
      params: { required: true },
    },
    {
      key: 'participantId',
      label: 'Genesys participant id of the bot leg (optional)',
      type: 'cognigyText',
      defaultValue: '{{context.genesys.participantId}}',
      description: 'Saves the service one Genesys request when known. Empty: the service finds the bot leg itself.',
    },
    {
      key: 'routingHintType',
      label: 'Routing hint',
      type: 'select',
      defaultValue: 'none',
      description: "Asks for a target. The service follows it only when the matching routing rule allows it; otherwise it uses the rule's own target.",
      params: {
        options: [
          { label: 'None (the routing rules decide)', value: 'none' },
          { label: 'Queue name', value: 'queueName' },
          { label: 'Queue id', value: 'queueId' },
          { label: 'Number (Architect inbound flow)', value: 'address' },
          { label: 'Agent (user id)', value: 'userId' },
        ],
      },
    },
    {
      key: 'routingHintValue',
      label: 'Routing hint value',
      type: 'cognigyText',
      defaultValue: '',
      condition: { key: 'routingHintType', value: 'none', negate: true },
    },
    {
      key: 'attributes',
      label: 'Attributes (optional)',
      type: 'json',
      defaultValue: '{}',
      description: 'Non-personal key/values carried with the fallback (string values, at most 50). Numbers and booleans are sent as text.',
    },
    {
      key: 'waitSeconds',
      label: 'Wait for the transfer (seconds)',
      type: 'slider',
      defaultValue: 0,
      description: 'Up to 8 s. 0: answer as soon as the service has the fallback. More: On accepted only once the call was moved, On error if it could not be.',
      params: { min: 0, max: 8, step: 1 },
    },
    {
      key: 'eventId',
      label: 'Event id (optional)',
      type: 'cognigyText',
      defaultValue: '',
      description: 'Empty: derived from the session, the input and the conversation, so the node run again for the same failure is recognised as a repeat.',
    },
    {
      key: 'language',
      label: 'Language',
      type: 'cognigyText',
      defaultValue: '{{input.language}}',
      description: 'A language tag such as de-DE; routing rules may match on it. Dropped when it is not one.',
    },
    { key: 'dnis', label: 'Dialled number (optional)', type: 'cognigyText', defaultValue: '', description: 'Routing rules may match on it.' },
    { key: 'errorCode', label: 'Error code (optional)', type: 'cognigyText', defaultValue: '', description: 'What failed, for the record and the IVR.' },
    { key: 'errorMessage', label: 'Error message (optional)', type: 'cognigyText', defaultValue: '' },
    {
      key: 'source',
      label: 'Source (optional)',
      type: 'cognigyText',
      defaultValue: '',
      description: "The sender's name, when the service's routes file expects it. Empty: the service knows the sender by its credentials.",
    },
    {
      key: 'timeoutSeconds',
      label: 'Timeout (seconds)',
      type: 'number',
      defaultValue: 5,
      description: 'Time for the service to answer, retries included (plus the wait). At most 15; Cognigy stops a node after 20 s.',
    },
    {
      key: 'storeLocation',
      label: 'Store the result in',
      type: 'select',
      defaultValue: 'context',
      params: {
        required: true,
        options: [
          { label: 'Context', value: 'context' },
          { label: 'Input', value: 'input' },
        ],
      },
    },
    { key: 'storeKey', label: 'Key', type: 'cognigyText', defaultValue: DEFAULT_STORE_KEY },
  ],
  sections: [
    { key: 'routing', label: 'Routing', defaultCollapsed: true, fields: ['routingHintType', 'routingHintValue', 'attributes', 'waitSeconds'] },
    { key: 'advanced', label: 'Advanced', defaultCollapsed: true, fields: ['eventId', 'language', 'dnis', 'errorCode', 'errorMessage', 'source', 'timeoutSeconds'] },
    { key: 'storage', label: 'Storage', defaultCollapsed: true, fields: ['storeLocation', 'storeKey'] },
  ],
  form: [
    { type: 'field', key: 'authType' },
    { type: 'field', key: 'apiKeyConnection' },
    { type: 'field', key: 'webhookConnection' },
    { type: 'field', key: 'failureType' },
    { type: 'field', key: 'conversationId' },
    { type: 'field', key: 'participantId' },
    { type: 'section', key: 'routing' },
    { type: 'section', key: 'advanced' },
    { type: 'section', key: 'storage' },
  ],
  function: (params: INodeFunctionBaseParams) => runGenesysFallback(params),
});

/** Taken when the service has the fallback (queued, running, or already transferred). */
export const onFallbackAccepted = createNodeDescriptor({
  type: ACCEPTED_TYPE,
  parentType: NODE_TYPE,
  defaultLabel: 'On accepted',
  constraints: childConstraints,
  appearance: { color: '#61d188', textColor: 'white', variant: 'mini' },
});

/** Taken when it does not, or the fallback already ended without a transfer: the flow acts itself. */
export const onFallbackError = createNodeDescriptor({
  type: ERROR_TYPE,
  parentType: NODE_TYPE,
  defaultLabel: 'On error',
  constraints: childConstraints,
  appearance: { color: '#e0382d', textColor: 'white', variant: 'mini' },
});
