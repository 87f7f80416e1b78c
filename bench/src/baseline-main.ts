/**
 * The tutorial's approach as a process, for side-by-side runs: a tiny HTTP server whose handler calls the
 * (simulated) Genesys inline and answers 200 or 500 when done. No queue, no dedupe, no read before the post,
 * no Retry-After. Like Go's net/http, a sender that hangs up cancels the request context: the handler then
 * stops at its next outbound call (the tutorial uses NewRequestWithContext(r.Context())).
 *
 * Env: BASELINE_PORT, GENESYS_API_URL, GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET, DEFAULT_QUEUE_ID.
 */
import http from 'node:http';
import { TUTORIAL, tutorialPayload, tutorialStep } from './baseline.js';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const port = Number(env('BASELINE_PORT'));
const api = new URL(env('GENESYS_API_URL'));
const basic = Buffer.from(`${env('GENESYS_CLIENT_ID')}:${env('GENESYS_CLIENT_SECRET')}`).toString('base64');
const queueId = env('DEFAULT_QUEUE_ID');
// Go's Transport: keep-alive, no limit on connections per host.
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function call(method: string, path: string, headers: Record<string, string>, body: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: api.hostname, port: api.port, method, path, agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) }, signal }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// golang.org/x/oauth2 clientcredentials: one token, fetched on first use, refreshed when it expires.
let token: { value: string; expiresAt: number } | undefined;
let fetching: Promise<string> | undefined;
async function accessToken(): Promise<string> {
  if (token && token.expiresAt > Date.now() + 10_000) return token.value;
  fetching ??= call('POST', '/oauth/token', { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=client_credentials')
    .then(({ status, text }) => {
      if (status !== 200) throw new Error(`token endpoint answered ${status}`);
      const body = JSON.parse(text) as { access_token: string; expires_in: number };
      token = { value: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
      return token.value;
    })
    .finally(() => (fetching = undefined));
  return fetching;
}

/** ExecuteBotFallback. Resolves with an error message, or undefined on success. */
async function executeBotFallback(interactionId: string, signal: AbortSignal): Promise<string | undefined> {
  const payload = tutorialPayload(interactionId, queueId);
  for (let attempt = 0; attempt <= TUTORIAL.maxRetries; attempt += 1) {
    let status: number | 'network';
    let itemStatus: number | undefined;
    try {
      const bearer = await accessToken();
      const res = await call('POST', `${api.pathname.replace(/\/$/, '')}/api/v2/interactions`, { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json' }, payload, signal);
      status = res.status;
      if (status === 200) itemStatus = (JSON.parse(res.text) as Array<{ status: number }>)[0]?.status;
    } catch {
      status = 'network';
    }
    const step = tutorialStep(status, attempt, itemStatus);
    if (step.action === 'done') return undefined;
    if (step.action === 'fail') return step.why;
    await new Promise((r) => setTimeout(r, step.delayMs)); // time.Sleep: not interruptible
  }
  return 'fallback execution exhausted all retry attempts';
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  const controller = new AbortController();
  // The sender hung up before we answered: Go cancels r.Context().
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', async () => {
    let conversationId: string | undefined;
    try {
      conversationId = (JSON.parse(body) as { conversationId?: string }).conversationId;
    } catch {
      // fall through
    }
    if (!conversationId) {
      res.writeHead(400).end('conversationId required');
      return;
    }
    const error = await executeBotFallback(conversationId, controller.signal);
    if (res.destroyed) return;
    if (error) res.writeHead(500, { 'content-type': 'text/plain' }).end('Failed to route to IVR fallback');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('Interaction successfully routed to IVR menu');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'baseline listening', port })));
process.on('SIGTERM', () => process.exit(0));
