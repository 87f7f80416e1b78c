/**
 * Test room (never in the uploaded build): Cognigy's runtime surface as the node uses it. Cognigy is not our
 * service, so a recording stand-in is the honest way to call the node function outside Cognigy; everything
 * behind it (the ingress, Redis) is real in the tests.
 */
import type { INodeFunctionBaseParams } from '@cognigy/extension-tools';
import { ACCEPTED_TYPE, ERROR_TYPE } from '../nodes/genesys-fallback.js';

/** What the node did to Cognigy. */
export interface Recorded {
  nextNodes: string[];
  context: Record<string, unknown>;
  input: Record<string, unknown>;
  logs: { level: string; text: string }[];
}

/** The child ids Cognigy would hand the node (one per branch). */
export const CHILD_IDS = { accepted: 'child-accepted', error: 'child-error' } as const;

/** The node's params for a config and input, with an `api` that records; `throwingLog` makes api.log throw. */
export function fakeCognigy(
  config: Record<string, unknown>,
  opts: { input?: Record<string, unknown>; context?: Record<string, unknown>; throwingLog?: boolean; nodeId?: string } = {},
): { params: INodeFunctionBaseParams; recorded: Recorded } {
  const recorded: Recorded = { nextNodes: [], context: {}, input: {}, logs: [] };
  const api = {
    setNextNode: (id: string) => recorded.nextNodes.push(id),
    addToContext: (key: string, value: unknown, mode: string) => {
      if (mode !== 'simple') throw new Error(`unexpected mode ${mode}`);
      recorded.context[key] = value;
    },
    addToInput: (key: string, value: unknown) => {
      recorded.input[key] = value;
    },
    log: (level: string, text: string) => {
      if (opts.throwingLog) throw new Error('logger down');
      recorded.logs.push({ level, text });
    },
  };
  const params = {
    cognigy: {
      api,
      input: { sessionId: 'session-1', userId: 'user-1', inputId: 'input-1', flowName: 'Billing', endpointType: 'voiceGateway2', ...opts.input },
      context: opts.context ?? {},
      profile: {},
    },
    config,
    childConfigs: [
      { id: CHILD_IDS.accepted, type: ACCEPTED_TYPE, config: {} },
      { id: CHILD_IDS.error, type: ERROR_TYPE, config: {} },
    ],
    nodeId: opts.nodeId ?? 'node-1',
  } as unknown as INodeFunctionBaseParams;
  return { params, recorded };
}
