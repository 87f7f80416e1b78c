import type { FastifyInstance } from 'fastify';
import { badRequest, waitProblem } from './control.js';
import type { SimEngine } from './engine.js';
import type { LedgerFlip } from './ledger.js';
import { DATA_TABLE_FIELD_TYPES, rowProblems, toEmergencyGroup, type DataTableRow, type EmergencyGroupFields, type SimDataTable } from './org.js';

/** Validates a control-API emergency group (create: `name` required; edit: only the fields given). */
export function emergencyGroupProblems(body: unknown, creating: boolean): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['body: must be an object'];
  const b = body as Record<string, unknown>;
  const known = creating ? ['id', 'name', 'description', 'enabled', 'emergencyCallFlows'] : ['name', 'description', 'enabled', 'emergencyCallFlows'];
  const problems = Object.keys(b)
    .filter((k) => !known.includes(k))
    .map((k) => `${k}: unknown field (known: ${known.join(', ')})`);
  if (creating && (typeof b['name'] !== 'string' || b['name'] === '')) problems.push('name: required string');
  if (!creating && b['name'] !== undefined && (typeof b['name'] !== 'string' || b['name'] === '')) problems.push('name: must be a non-empty string');
  if (b['id'] !== undefined && (typeof b['id'] !== 'string' || b['id'] === '')) problems.push('id: must be a non-empty string');
  if (b['description'] !== undefined && typeof b['description'] !== 'string') problems.push('description: must be a string');
  if (b['enabled'] !== undefined && typeof b['enabled'] !== 'boolean') problems.push('enabled: must be a boolean');
  const flows = b['emergencyCallFlows'];
  if (flows !== undefined && (!Array.isArray(flows) || !flows.every((f) => f && typeof f === 'object' && (f.emergencyFlow === undefined || typeof f.emergencyFlow?.id === 'string'))))
    problems.push('emergencyCallFlows: must be a list of {emergencyFlow: {id, name?}, ivrs?: [{id}]}');
  return problems;
}

/** Validates a control-API data table `{id?, name, fields: {name: type}, rows?: [{key, …}]}`. */
export function dataTableProblems(body: unknown): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['body: must be an object'];
  const b = body as Record<string, unknown>;
  const problems = Object.keys(b)
    .filter((k) => !['id', 'name', 'fields', 'rows'].includes(k))
    .map((k) => `${k}: unknown field (known: id, name, fields, rows)`);
  if (b['id'] !== undefined && (typeof b['id'] !== 'string' || b['id'] === '')) problems.push('id: must be a non-empty string');
  if (typeof b['name'] !== 'string' || b['name'] === '') problems.push('name: required string');
  const fields = b['fields'];
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) problems.push(`fields: required object {name: ${DATA_TABLE_FIELD_TYPES.join('|')}}`);
  else {
    for (const [name, type] of Object.entries(fields))
      if (name === 'key') problems.push('fields.key: the key field is implicit (a string)');
      else if (!DATA_TABLE_FIELD_TYPES.includes(type as never)) problems.push(`fields.${name}: must be one of ${DATA_TABLE_FIELD_TYPES.join(', ')}`);
    const rows = b['rows'];
    if (rows !== undefined) {
      if (!Array.isArray(rows)) problems.push('rows: must be a list of rows {key, …}');
      else
        rows.forEach((r, i) => {
          if (!r || typeof r !== 'object' || Array.isArray(r) || typeof r.key !== 'string') problems.push(`rows[${i}].key: required string`);
          else problems.push(...rowProblems(fields as SimDataTable['fields'], r).map((p) => `rows[${i}].${p}`));
        });
    }
  }
  return problems;
}

/** The control API's view of a data table (rows in full). */
const tableView = (t: SimDataTable) => ({ id: t.id, name: t.name, fields: t.fields, rows: [...t.rows.values()] });

/**
 * The control API for issue 13's org objects: emergency groups and data tables (create, read, a person's edit),
 * queue wait estimates, and the ledgers of flips, callbacks and attribute patches.
 */
export function registerOrgControlRoutes(app: FastifyInstance, engine: SimEngine): void {
  // What GET /api/v2/routing/queues/{id}/estimatedwaittime answers for this queue.
  app.post<{ Params: { id: string }; Body: { estimatedWaitTimeSeconds?: unknown } | undefined }>('/__sim/queues/:id/estimatedwaittime', async (request, reply) => {
    const queue = engine.queues.get(request.params.id);
    if (!queue) return reply.code(404).send({ error: 'queue not found' });
    const seconds = request.body?.estimatedWaitTimeSeconds;
    const problems = seconds === undefined ? ['estimatedWaitTimeSeconds: required number ≥ 0'] : waitProblem(seconds);
    if (problems.length) return badRequest(reply, problems);
    queue.estimatedWaitTimeSeconds = seconds as number;
    return reply.send({ queue });
  });

  // Emergency groups and data tables (issue 13) ------------------------------------------------------------
  app.get('/__sim/emergencygroups', async () => ({ emergencyGroups: [...engine.emergencyGroups.values()].map(toEmergencyGroup) }));
  app.post('/__sim/emergencygroups', async (request, reply) => {
    const problems = emergencyGroupProblems(request.body, true);
    if (problems.length) return badRequest(reply, problems);
    const body = request.body as Partial<EmergencyGroupFields> & { id?: string; name: string };
    if (body.id && engine.emergencyGroups.has(body.id)) return reply.code(409).send({ error: `emergency group ${body.id} exists` });
    return reply.code(201).send({ emergencyGroup: toEmergencyGroup(engine.createEmergencyGroup(body)) });
  });
  app.get<{ Params: { id: string } }>('/__sim/emergencygroups/:id', async (request, reply) => {
    const group = engine.emergencyGroups.get(request.params.id);
    return group ? reply.send({ emergencyGroup: toEmergencyGroup(group) }) : reply.code(404).send({ error: 'emergency group not found' });
  });
  // A person edits the group in Architect: the fields given change, the version goes up, a flip is recorded.
  app.patch<{ Params: { id: string } }>('/__sim/emergencygroups/:id', async (request, reply) => {
    if (!engine.emergencyGroups.has(request.params.id)) return reply.code(404).send({ error: 'emergency group not found' });
    const problems = emergencyGroupProblems(request.body, false);
    if (problems.length) return badRequest(reply, problems);
    const done = engine.editEmergencyGroup(request.params.id, request.body as Partial<EmergencyGroupFields>);
    return done.ok ? reply.send({ emergencyGroup: toEmergencyGroup(done.group) }) : badRequest(reply, [done.message]);
  });
  app.get('/__sim/datatables', async () => ({ datatables: [...engine.dataTables.values()].map(tableView) }));
  app.post('/__sim/datatables', async (request, reply) => {
    const problems = dataTableProblems(request.body);
    if (problems.length) return badRequest(reply, problems);
    const body = request.body as { id?: string; name: string; fields: SimDataTable['fields']; rows?: DataTableRow[] };
    if (body.id && engine.dataTables.has(body.id)) return reply.code(409).send({ error: `data table ${body.id} exists` });
    return reply.code(201).send({ datatable: tableView(engine.createDataTable(body)) });
  });
  app.get<{ Params: { id: string } }>('/__sim/datatables/:id', async (request, reply) => {
    const table = engine.dataTables.get(request.params.id);
    return table ? reply.send({ datatable: tableView(table) }) : reply.code(404).send({ error: 'data table not found' });
  });
  // Adds a row, or (a person edits it) replaces it whole and records the flip.
  app.put<{ Params: { id: string; rowId: string } }>('/__sim/datatables/:id/rows/:rowId', async (request, reply) => {
    const table = engine.dataTables.get(request.params.id);
    if (!table) return reply.code(404).send({ error: 'data table not found' });
    const row = { key: request.params.rowId, ...(request.body as object | undefined) } as Record<string, unknown>;
    const problems = row['key'] !== request.params.rowId ? ['key: must equal the row id in the path'] : rowProblems(table.fields, row);
    if (problems.length) return badRequest(reply, problems);
    if (!table.rows.has(request.params.rowId)) {
      table.rows.set(request.params.rowId, row as DataTableRow);
      return reply.code(201).send({ row });
    }
    const done = engine.putRow(table.id, request.params.rowId, row, { by: 'control' });
    return done.ok ? reply.send({ row: done.row }) : badRequest(reply, [done.message]);
  });

  app.get<{ Querystring: { kind?: string } }>('/__sim/flips', async (request, reply) => {
    const kind = request.query.kind || undefined;
    if (kind !== undefined && kind !== 'emergencyGroup' && kind !== 'datatableRow') return badRequest(reply, ['kind: must be emergencyGroup or datatableRow']);
    return { flips: engine.ledger.flips(kind as LedgerFlip['kind'] | undefined) };
  });
  app.get<{ Querystring: { conversationId?: string } }>('/__sim/callbacks', async (request) => ({
    callbacks: engine.ledger.callbacks(request.query.conversationId || undefined),
  }));
  app.get<{ Querystring: { conversationId?: string } }>('/__sim/attributes', async (request) => ({
    attributePatches: engine.ledger.attributePatches(request.query.conversationId || undefined),
  }));
}
