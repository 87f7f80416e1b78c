import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { registerAnalyticsRoutes } from './api-analytics.js';
import { registerOrgRoutes } from './api-org.js';
import { registerGenesysRoutes } from './api.js';
import { registerOrgControlRoutes } from './control-org.js';
import { registerControlRoutes } from './control.js';
import { SimEngine } from './engine.js';
import { errorBody } from './errors.js';
import type { ActiveFault, FaultRule } from './faults.js';
import type { LedgerAttributePatch, LedgerCallback, LedgerFlip, LedgerRequest, LedgerTransfer, RequestQuery, SimStats } from './ledger.js';
import type { NewConversation, SimConversation, SimQueue } from './model.js';
import type { DataTableRow, EmergencyGroupFields, SimDataTable, SimEmergencyGroup } from './org.js';
import { applySettings, settingsProblems, type SimSettings } from './settings.js';
import { createWire } from './wire.js';

/** Simulator settings; the run-time ones can also be changed through POST /__sim/config. */
export interface SimulatorOptions extends Partial<SimSettings> {
  /** OAuth clients the org knows (id → secret). Default: sim-client/sim-secret. */
  clients?: Record<string, string>;
  /** Extra queues (the seeded Fallback IVR and Billing queues always exist). */
  queues?: SimQueue[];
  /** Seed of the fault RNG. */
  seed?: number;
  /** Fault rules installed at start (same shape as POST /__sim/faults `rules`). */
  faults?: FaultRule[];
  /** Requests kept in the ledger (older ones are dropped; counters stay exact). Default 100 000; 0 keeps none. */
  requestLedgerLimit?: number;
  /** Clock (tests may drive it): limits, Retry-After, token expiry, fault windows and timestamps read it. */
  now?: () => number;
  /** Log requests with pino (default off: the simulator is a test double). */
  logger?: boolean;
}

/** A running (or ready to run) simulator. */
export interface Simulator {
  app: FastifyInstance;
  /** Starts listening; port 0 picks a free one. Returns the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops listening, drops held connections and cancels pending lifecycle steps. */
  close(): Promise<void>;
  /** Direct access for in-process tests (the HTTP control API offers the same). */
  createConversation(opts?: NewConversation): SimConversation;
  getConversation(id: string): SimConversation | undefined;
  /** The customer of a conversation hangs up now. */
  hangup(id: string): boolean;
  /** Accepted transfers (of one conversation if given), oldest first. */
  transfers(conversationId?: string): LedgerTransfer[];
  /** Requests kept in the ledger, oldest first. */
  requests(query?: RequestQuery): LedgerRequest[];
  stats(): SimStats;
  /** Validates and installs fault rules; throws FaultRuleError (naming the field) on a bad one. */
  installFaults(rules: FaultRule[]): ActiveFault[];
  clearFaults(): void;
  /** Changes run-time settings (validated: a TypeError names each bad one and nothing changes). */
  configure(settings: Partial<SimSettings>): SimSettings;
  /** Adds an emergency group (version 1; disabled unless told). */
  createEmergencyGroup(fields: Partial<EmergencyGroupFields> & { id?: string; name: string }): SimEmergencyGroup;
  getEmergencyGroup(id: string): SimEmergencyGroup | undefined;
  /** A person edits the group in Architect: the version goes up (a PUT with the old one gets 409); recorded as a flip. */
  editEmergencyGroup(id: string, changes: Partial<EmergencyGroupFields>): SimEmergencyGroup;
  /** Adds a data table with its fields (other than `key`) and rows. */
  createDataTable(table: { id?: string; name: string; fields: SimDataTable['fields']; rows?: DataTableRow[] }): SimDataTable;
  /** Sets what a queue's estimated-wait read answers (s). */
  setEstimatedWait(queueId: string, seconds: number): void;
  /** Changes of emergency groups and rows, oldest first (of one kind if given). */
  flips(kind?: LedgerFlip['kind']): LedgerFlip[];
  /** Callbacks created (on one conversation if given). */
  callbacks(conversationId?: string): LedgerCallback[];
  /** Participant-attribute PATCHes applied (on one conversation if given). */
  attributePatches(conversationId?: string): LedgerAttributePatch[];
  /** Revokes every token (of one client if given); the next API call with one gets 401. */
  revokeTokens(clientId?: string): number;
  /** Expires every token (of one client if given) now. */
  expireTokens(clientId?: string): number;
  /** Forgets ledger, limits and faults; conversations and tokens stay. */
  reset(): void;
  /** The engine behind the HTTP surface (state, for white-box tests). */
  engine: SimEngine;
}

/** Builds a simulator of the Genesys Cloud endpoints the fallback uses. Listen on port 0 in tests. */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const { clients, queues, seed, faults, requestLedgerLimit, now, logger, ...settings } = options;
  const problems = settingsProblems(settings, false);
  if (problems.length) throw new TypeError(`simulator settings: ${problems.join('; ')}`);
  const engine = new SimEngine({
    settings: Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
    ...(clients ? { clients } : {}),
    ...(queues ? { queues } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(now ? { now } : {}),
    ...(requestLedgerLimit !== undefined ? { requestLedgerLimit } : {}),
  });
  if (faults) engine.faults.install(faults, engine.now());

  const app = Fastify({
    logger: logger ?? false,
    keepAliveTimeout: 65_000,
    bodyLimit: 1_048_576,
    // Held sockets (timeout faults) must not keep close() waiting: a test double closes at once.
    forceCloseConnections: true,
  });

  // Genesys puts a correlation id on every response (same value as an error body's contextId).
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('inin-correlation-id', randomUUID());
    done();
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // Errors Fastify raises itself (malformed JSON, wrong content type, body too large) answer Genesys' ErrorBody.
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const message = status < 500 ? err.message : undefined;
    return reply.code(status).send(errorBody(status, reply.getHeader('inin-correlation-id') as string, message ? { message } : {}));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(404, reply.getHeader('inin-correlation-id') as string, { message: `HTTP 404 Not Found: ${request.method} ${request.url.split('?')[0]}` })),
  );

  const wire = createWire(engine);
  registerGenesysRoutes(app, engine, wire);
  registerAnalyticsRoutes(app, engine, wire);
  registerOrgRoutes(app, engine, wire);
  registerControlRoutes(app, engine);
  registerOrgControlRoutes(app, engine);
  app.addHook('preClose', (done) => {
    engine.stop();
    done();
  });

  return {
    app,
    engine,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      return `http://${host}:${actual}`;
    },
    close: async () => {
      engine.stop();
      await app.close();
    },
    createConversation: (opts) => engine.createConversation(opts),
    getConversation: (id) => engine.conversations.get(id),
    hangup(id) {
      const conv = engine.conversations.get(id);
      if (conv) engine.hangup(conv);
      return conv !== undefined;
    },
    transfers: (conversationId) => engine.ledger.transfers(conversationId),
    requests: (query) => engine.ledger.requests(query),
    stats: () => engine.ledger.stats({ tokensIssued: engine.tokensIssued, conversations: engine.conversations.size }),
    installFaults: (rules) => engine.faults.install(rules, engine.now()),
    clearFaults: () => engine.faults.clear(),
    configure(changes) {
      const bad = settingsProblems(changes, false);
      if (bad.length) throw new TypeError(bad.join('; '));
      return applySettings(engine.settings, changes);
    },
    createEmergencyGroup: (fields) => engine.createEmergencyGroup(fields),
    getEmergencyGroup: (id) => engine.emergencyGroups.get(id),
    editEmergencyGroup(id, changes) {
      const done = engine.editEmergencyGroup(id, changes);
      if (!done.ok) throw new TypeError(done.message);
      return done.group;
    },
    createDataTable: (table) => engine.createDataTable(table),
    setEstimatedWait(queueId, seconds) {
      const queue = engine.queues.get(queueId);
      if (!queue) throw new TypeError(`no queue ${queueId}`);
      queue.estimatedWaitTimeSeconds = seconds;
    },
    flips: (kind) => engine.ledger.flips(kind),
    callbacks: (conversationId) => engine.ledger.callbacks(conversationId),
    attributePatches: (conversationId) => engine.ledger.attributePatches(conversationId),
    revokeTokens: (clientId) => engine.tokens.revokeAll(clientId),
    expireTokens: (clientId) => engine.tokens.expireAll(engine.now(), clientId),
    reset: () => engine.reset(),
  };
}
