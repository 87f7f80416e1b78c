import type { FastifyInstance } from 'fastify';
import type { SimEngine } from './engine.js';
import { listEmergencyGroups, toEmergencyGroup, toEstimatedWait, toRowBody } from './org.js';
import type { Admitted, Wire } from './wire.js';

type Query = Record<string, string | string[] | undefined>;

/** A whole-number query parameter within bounds (default when absent), or the problem naming it. */
function intParam(q: Query, name: string, dflt: number, min: number, max: number): number | string {
  const raw = q[name];
  if (raw === undefined || raw === '') return dflt;
  const n = typeof raw === 'string' ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : `${name}: must be an integer ${min}-${max}`;
}

/**
 * Issue 13's Genesys endpoints: emergency groups, data-table rows and queue wait estimates. Same admission
 * (token, faults, limits, ledger) as every API request.
 */
export function registerOrgRoutes(app: FastifyInstance, engine: SimEngine, wire: Wire): void {
  const { admit, sendError, sendRefusal } = wire;
  const author = (a: Admitted) => ({ by: 'api' as const, clientId: a.token.clientId, tokenId: a.token.tokenId });

  // ---- Emergency groups (the outage switch) -----------------------------------------------------------------
  app.get<{ Querystring: Query }>('/api/v2/architect/emergencygroups', async (request, reply) => {
    if (!(await admit(request, reply, 'architect', 'emergencygroups/list'))) return reply;
    const q = request.query;
    const pageSize = intParam(q, 'pageSize', 25, 1, 500);
    const pageNumber = intParam(q, 'pageNumber', 1, 1, 1_000_000);
    for (const v of [pageSize, pageNumber]) if (typeof v === 'string') return sendError(reply, 400, { message: v });
    const name = typeof q['name'] === 'string' && q['name'] !== '' ? q['name'] : undefined;
    return reply.send(listEmergencyGroups(engine.emergencyGroups.values(), { pageSize: pageSize as number, pageNumber: pageNumber as number, ...(name ? { name } : {}) }));
  });

  app.get<{ Params: { id: string } }>('/api/v2/architect/emergencygroups/:id', async (request, reply) => {
    if (!(await admit(request, reply, 'architect', 'emergencygroups/read'))) return reply;
    const group = engine.emergencyGroups.get(request.params.id);
    return group ? reply.send(toEmergencyGroup(group)) : sendError(reply, 404, { code: 'not.found', message: `Emergency group ${request.params.id} not found` });
  });

  app.put<{ Params: { id: string }; Body: unknown }>('/api/v2/architect/emergencygroups/:id', async (request, reply) => {
    const admitted = await admit(request, reply, 'architect', 'emergencygroups/update');
    if (!admitted) return reply;
    const done = engine.putEmergencyGroup(request.params.id, request.body, author(admitted));
    return done.ok ? reply.send(toEmergencyGroup(done.group)) : sendRefusal(reply, done);
  });

  // ---- Data-table rows (a switch an inbound flow reads) -----------------------------------------------------
  type RowRoute = { Params: { datatableId: string; rowId: string }; Querystring: Query; Body: unknown };
  app.get<RowRoute>('/api/v2/flows/datatables/:datatableId/rows/:rowId', async (request, reply) => {
    if (!(await admit(request, reply, 'architect', 'datatables/rows/read'))) return reply;
    const brief = request.query['showbrief'];
    if (brief !== undefined && brief !== 'true' && brief !== 'false') return sendError(reply, 400, { message: 'showbrief: must be true or false' });
    const { datatableId, rowId } = request.params;
    const table = engine.dataTables.get(datatableId);
    if (!table) return sendError(reply, 404, { code: 'not.found', message: `Data table ${datatableId} not found` });
    const row = table.rows.get(rowId);
    if (!row) return sendError(reply, 404, { code: 'not.found', message: `Row ${rowId} not found` });
    return reply.send(toRowBody(row, brief !== 'false'));
  });

  app.put<RowRoute>('/api/v2/flows/datatables/:datatableId/rows/:rowId', async (request, reply) => {
    const admitted = await admit(request, reply, 'architect', 'datatables/rows/update');
    if (!admitted) return reply;
    const done = engine.putRow(request.params.datatableId, request.params.rowId, request.body, author(admitted));
    return done.ok ? reply.send(toRowBody(done.row, false)) : sendRefusal(reply, done);
  });

  // ---- Queue wait --------------------------------------------------------------------------------------------
  app.get<{ Params: { queueId: string } }>('/api/v2/routing/queues/:queueId/estimatedwaittime', async (request, reply) => {
    if (!(await admit(request, reply, 'routing', 'queues/estimatedwaittime'))) return reply;
    const wait = engine.estimatedWait(request.params.queueId);
    return wait.ok ? reply.send(toEstimatedWait(wait.seconds)) : sendRefusal(reply, wait);
  });
}
