/**
 * Test harness for contract tests (never exported from the package): the real client against the real
 * simulator over HTTP on port 0, both on one clock the test can move.
 */
import { SEED, createSimulator, type Simulator, type SimulatorOptions } from '@fallback/genesys-sim';
import { GenesysClient, type Admission, type ReadEndpoint, type RequestContext, type RequestGate, type RequestInfo } from '../src/client.js';
import { isGenesysApiError, type GenesysApiError } from '../src/errors.js';
import { createHttp } from '../src/http.js';
import { ClientCredentialsTokenProvider } from '../src/token.js';

/** A clock both sides read; `advance` moves it (no sleeping in tests). */
export class TestClock {
  constructor(public t = Date.parse('2026-11-24T12:00:00.000Z')) {}
  readonly now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A gate that admits everything and remembers what the client told it. */
export class RecordingGate implements RequestGate {
  acquired = 0;
  /** Admissions still held (a hold must end once, sent or not). */
  open = 0;
  contexts: RequestContext[] = [];
  ended: Array<{ sent: boolean; retryAfterMs?: number }> = [];
  blockedWith: number[] = [];
  async admit(ctx: RequestContext, only?: number): Promise<Admission> {
    this.acquired += 1;
    this.open += 1;
    this.contexts.push(ctx);
    return {
      index: only ?? 0,
      end: async (result) => {
        this.open -= 1;
        this.ended.push(result);
        if (result.retryAfterMs !== undefined) this.blockedWith.push(result.retryAfterMs);
      },
    };
  }
}

export interface ContractOptions {
  sim?: SimulatorOptions;
  /** Use a TestClock on both sides (default true); false uses real time (for latency/timeouts). */
  fakeClock?: boolean;
  readEndpoint?: ReadEndpoint;
  timeoutMs?: number;
  clientId?: string;
  clientSecret?: string;
}

export interface Contract {
  sim: Simulator;
  url: string;
  clock: TestClock;
  tokens: ClientCredentialsTokenProvider;
  client: GenesysClient;
  gate: RecordingGate;
  requests: RequestInfo[];
  /** Another client (own token provider, same simulator), e.g. for a second OAuth client. */
  newClient(opts?: { clientId?: string; clientSecret?: string; readEndpoint?: ReadEndpoint }): { tokens: ClientCredentialsTokenProvider; client: GenesysClient };
  close(): Promise<void>;
}

/** Starts a simulator (no rate limit unless asked) and a client wired to it. */
export async function startContract(opts: ContractOptions = {}): Promise<Contract> {
  const clock = new TestClock();
  const fake = opts.fakeClock ?? true;
  const now = fake ? clock.now : Date.now;
  const sim = createSimulator({ rateLimitPerMinute: 0, ...(fake ? { now } : {}), ...opts.sim });
  const url = await sim.listen(0);
  const http = createHttp({ maxSockets: 64 });
  const gate = new RecordingGate();
  const requests: RequestInfo[] = [];
  const timeoutMs = opts.timeoutMs ?? 2000;
  const newClient = (o: { clientId?: string; clientSecret?: string; readEndpoint?: ReadEndpoint } = {}) => {
    const tokens = new ClientCredentialsTokenProvider({
      http,
      loginBaseUrl: url,
      clientId: o.clientId ?? opts.clientId ?? SEED.clientId,
      clientSecret: o.clientSecret ?? opts.clientSecret ?? SEED.clientSecret,
      timeoutMs,
      now,
    });
    const client = new GenesysClient({
      apiBaseUrl: url,
      credentials: [{ clientId: o.clientId ?? opts.clientId ?? SEED.clientId, tokens }],
      http,
      timeoutMs,
      now,
      gate,
      readEndpoint: o.readEndpoint ?? opts.readEndpoint ?? 'conversations',
      onRequest: (info) => requests.push(info),
    });
    return { tokens, client };
  };
  const { tokens, client } = newClient();
  return {
    sim,
    url,
    clock,
    tokens,
    client,
    gate,
    requests,
    newClient,
    async close() {
      await sim.close();
      (http.defaults.httpAgent as { destroy(): void }).destroy();
    },
  };
}

/** The GenesysApiError a promise rejects with (fails the test if it resolves or rejects with something else). */
export async function failure(promise: Promise<unknown>): Promise<GenesysApiError> {
  try {
    await promise;
  } catch (err) {
    if (isGenesysApiError(err)) return err;
    throw new Error(`expected a GenesysApiError, got ${String(err)}`);
  }
  throw new Error('expected a GenesysApiError, but the call succeeded');
}

/** The queue target of the seeded org. */
export const FALLBACK_QUEUE = { kind: 'queue' as const, queueId: SEED.fallbackQueue.id };
