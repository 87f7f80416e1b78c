import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';

/** One axios instance with keep-alive agents: a TLS handshake per Genesys call would cost more than the call. */
export function createHttp(opts: { maxSockets?: number } = {}): AxiosInstance {
  const maxSockets = opts.maxSockets ?? 256;
  // Keep as many idle sockets as may be busy: with Node's default (256 free), a worker running more requests at
  // once than that closed the surplus after each burst and opened new connections for the next (2,544 new TCP
  // connections for 4,000 jobs at concurrency 500, measured by the bench).
  const agentOpts = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
  return axios.create({
    httpAgent: new http.Agent(agentOpts),
    httpsAgent: new https.Agent(agentOpts),
    // Every status is returned, not thrown: classification happens in one place (errors.ts).
    validateStatus: () => true,
    // Transfers answer 202 with an empty body; never let axios guess at JSON it cannot parse.
    transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: true },
    maxRedirects: 0,
  });
}

/** The network error code of an axios/Node failure (ETIMEDOUT for axios timeouts), or ENETWORK. */
export function networkCodeOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'ETIMEDOUT';
  return typeof code === 'string' ? code : 'ENETWORK';
}
