/**
 * The org objects behind issue 13's endpoints: emergency groups, data-table rows, callbacks, participant
 * attributes and queue wait estimates. Pure decisions (validation, whole-object PUTs, versions) and the SDK-typed
 * bodies; the engine stores the objects and the HTTP layer puts them on the wire.
 */
import type { Models } from 'purecloud-platform-client-v2';
import type { Refusal } from './errors.js';
import { SEED, type SimQueue } from './model.js';

const badRequest = (message: string): Refusal => ({ status: 400, code: 'bad.request', message });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRef = (v: unknown): v is { id: string } => isObject(v) && typeof v['id'] === 'string' && v['id'] !== '';
/** A reference as stored: id and name only (Genesys ignores whatever else a client sends in one). */
const refOf = (r: Models.DomainEntityRef): Models.DomainEntityRef => ({ id: r.id, ...(r.name !== undefined ? { name: r.name } : {}) });

// ---- emergency groups ------------------------------------------------------------------------------------

/** An emergency group as stored: the SDK model with the fields the simulator always fills. */
export type SimEmergencyGroup = Models.EmergencyGroup & Required<Pick<Models.EmergencyGroup, 'id' | 'name' | 'version' | 'enabled' | 'state' | 'division' | 'emergencyCallFlows'>>;

/** The fields a PUT writes (the rest — id, version, state, dates, who — are the server's). */
export const EMERGENCY_GROUP_WRITABLE = ['name', 'description', 'division', 'enabled', 'emergencyCallFlows'] as const;
export type EmergencyGroupFields = Pick<Models.EmergencyGroup, (typeof EMERGENCY_GROUP_WRITABLE)[number]>;

/** A new emergency group (control API, seeding): version 1, active, in the Home division unless told. */
export function newEmergencyGroup(fields: Partial<EmergencyGroupFields> & { id: string; name: string }, now: number): SimEmergencyGroup {
  const t = new Date(now).toISOString();
  return {
    id: fields.id,
    name: fields.name,
    ...(fields.description !== undefined ? { description: fields.description } : {}),
    division: fields.division ?? { ...SEED.homeDivision },
    version: 1,
    state: 'active',
    enabled: fields.enabled ?? false,
    emergencyCallFlows: fields.emergencyCallFlows ?? [],
    dateCreated: t,
    dateModified: t,
  };
}

/** `GET/PUT /api/v2/architect/emergencygroups/{id}` body (SDK `EmergencyGroup`), a copy the caller may not alter. */
export function toEmergencyGroup(g: SimEmergencyGroup): Models.EmergencyGroup {
  return { ...structuredClone(g), selfUri: `/api/v2/architect/emergencygroups/${g.id}` };
}

/** The writable fields of a group, to compare before and after a change. */
export function emergencyGroupFields(g: Models.EmergencyGroup): EmergencyGroupFields {
  return structuredClone({ name: g.name, description: g.description, division: g.division, enabled: g.enabled, emergencyCallFlows: g.emergencyCallFlows });
}

/** Checks the writable fields of a PUT body; the first problem as a 400 naming the field. */
function emergencyGroupBodyProblem(id: string, body: Record<string, unknown>): Refusal | undefined {
  if (body['id'] !== undefined && body['id'] !== id) return badRequest(`id: ${JSON.stringify(body['id'])} does not match the emergency group in the path`);
  if (typeof body['name'] !== 'string' || body['name'].trim() === '') return badRequest('name: required (a non-empty string)');
  if (body['description'] !== undefined && typeof body['description'] !== 'string') return badRequest('description: must be a string');
  if (body['enabled'] !== undefined && typeof body['enabled'] !== 'boolean') return badRequest('enabled: must be a boolean');
  if (body['division'] !== undefined && !isRef(body['division'])) return badRequest('division: must be a reference {id}');
  const flows = body['emergencyCallFlows'];
  if (flows !== undefined) {
    if (!Array.isArray(flows)) return badRequest('emergencyCallFlows: must be a list');
    for (const [i, f] of flows.entries()) {
      if (!isObject(f)) return badRequest(`emergencyCallFlows[${i}]: must be an object`);
      if (f['emergencyFlow'] !== undefined && !isRef(f['emergencyFlow'])) return badRequest(`emergencyCallFlows[${i}].emergencyFlow: must be a reference {id}`);
      if (f['ivrs'] !== undefined && (!Array.isArray(f['ivrs']) || !f['ivrs'].every(isRef))) return badRequest(`emergencyCallFlows[${i}].ivrs: must be a list of references {id}`);
    }
  }
  return undefined;
}

/**
 * A PUT of the whole group: a 400 for a body that is not a valid group, a 409 `general.conflict` for a missing
 * or stale `version` (assumption: code and message), else the group as replaced — writable fields the body left
 * out are gone (an omitted `emergencyCallFlows` empties the list: a PUT is not a PATCH), the division falls back
 * to Home, `version` goes up by one.
 */
export function updateEmergencyGroup(current: SimEmergencyGroup, body: unknown, now: number, clientId: string | undefined): { ok: true; group: SimEmergencyGroup } | ({ ok: false } & Refusal) {
  if (!isObject(body)) return { ok: false, ...badRequest('body: must be an EmergencyGroup object') };
  const problem = emergencyGroupBodyProblem(current.id, body);
  if (problem) return { ok: false, ...problem };
  const version = body['version'];
  if (version !== current.version)
    return {
      ok: false,
      status: 409,
      code: 'general.conflict',
      message:
        version === undefined
          ? `A version is required to update emergency group ${current.id} (current version [${current.version}]).`
          : `Version [${String(version)}] does not match the current version [${current.version}] of emergency group ${current.id}.`,
    };
  const b = body as unknown as Models.EmergencyGroup;
  const group: SimEmergencyGroup = {
    id: current.id,
    name: b.name,
    ...(b.description !== undefined ? { description: b.description } : {}),
    division: b.division ? refOf(b.division) : { ...SEED.homeDivision },
    version: current.version + 1,
    state: current.state,
    enabled: b.enabled ?? false,
    emergencyCallFlows: (b.emergencyCallFlows ?? []).map((f) => ({
      ...(f.emergencyFlow ? { emergencyFlow: refOf(f.emergencyFlow) } : {}),
      ivrs: (f.ivrs ?? []).map(refOf),
    })),
    ...(current.dateCreated ? { dateCreated: current.dateCreated } : {}),
    dateModified: new Date(now).toISOString(),
    ...(current.createdByApp ? { createdByApp: current.createdByApp } : {}),
    ...(clientId ? { modifiedByApp: clientId } : {}),
  };
  return { ok: true, group };
}

/**
 * `GET /api/v2/architect/emergencygroups` (SDK `EmergencyGroupListing`): sorted by name; `name` filters by a
 * case-insensitive substring (assumption: a client must still pick the exact name from the page).
 */
export function listEmergencyGroups(groups: Iterable<SimEmergencyGroup>, q: { name?: string; pageNumber: number; pageSize: number }): Models.EmergencyGroupListing {
  const needle = q.name?.toLowerCase();
  const all = [...groups].filter((g) => needle === undefined || g.name.toLowerCase().includes(needle)).sort((a, b) => a.name.localeCompare(b.name));
  const pageCount = Math.max(1, Math.ceil(all.length / q.pageSize));
  const uri = (page: number) => `/api/v2/architect/emergencygroups?pageSize=${q.pageSize}&pageNumber=${page}${q.name !== undefined ? `&name=${encodeURIComponent(q.name)}` : ''}`;
  return {
    entities: all.slice((q.pageNumber - 1) * q.pageSize, q.pageNumber * q.pageSize).map(toEmergencyGroup),
    pageSize: q.pageSize,
    pageNumber: q.pageNumber,
    total: all.length,
    firstUri: uri(1),
    lastUri: uri(pageCount),
    selfUri: uri(q.pageNumber),
    ...(q.pageNumber < pageCount ? { nextUri: uri(q.pageNumber + 1) } : {}),
    ...(q.pageNumber > 1 ? { previousUri: uri(q.pageNumber - 1) } : {}),
    pageCount,
  };
}

// ---- data tables -----------------------------------------------------------------------------------------

/** Types a data-table field may have (Architect: string, boolean, integer, decimal). */
export type DataTableFieldType = 'string' | 'boolean' | 'integer' | 'number';
export const DATA_TABLE_FIELD_TYPES: readonly DataTableFieldType[] = ['string', 'boolean', 'integer', 'number'];
export type DataTableValue = string | number | boolean;
/**
 * A row: the key (field `key`, as Architect names a table's key column) and its other fields. The SDK types a
 * row loosely as `{[key: string]: object}`, which cannot hold a boolean: rows are typed here instead.
 */
export type DataTableRow = Record<string, DataTableValue> & { key: string };

/** A data table as stored: its fields (other than `key`) with their types, and rows by key. */
export interface SimDataTable {
  id: string;
  name: string;
  fields: Record<string, DataTableFieldType>;
  rows: Map<string, DataTableRow>;
}

const fitsType = (type: DataTableFieldType, v: unknown) =>
  type === 'string' ? typeof v === 'string' : type === 'boolean' ? typeof v === 'boolean' : type === 'integer' ? Number.isInteger(v) : typeof v === 'number' && Number.isFinite(v);

/** Why `row` does not fit the table's fields (one line per problem, naming the field); empty when it fits. */
export function rowProblems(fields: Record<string, DataTableFieldType>, row: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(row)) {
    if (name === 'key') {
      if (typeof value !== 'string' || value === '') problems.push('key: must be a non-empty string');
      continue;
    }
    const type = fields[name];
    if (!type) problems.push(`${name}: not a field of this data table (fields: key, ${Object.keys(fields).join(', ')})`);
    else if (!fitsType(type, value)) problems.push(`${name}: must be ${type === 'integer' ? 'an integer' : `a ${type}`}`);
  }
  return problems;
}

/**
 * A PUT of a whole row: the body must carry `key` equal to the row id in the path (assumption) and only the
 * table's fields with their types; fields it leaves out are gone from the row.
 */
export function updateRow(table: SimDataTable, rowId: string, body: unknown): { ok: true; row: DataTableRow } | ({ ok: false } & Refusal) {
  if (!isObject(body)) return { ok: false, ...badRequest('body: must be a data-table row object {key, field: value, …}') };
  if (body['key'] === undefined) return { ok: false, ...badRequest(`key: required (the row's key, ${JSON.stringify(rowId)})`) };
  if (body['key'] !== rowId) return { ok: false, ...badRequest(`key: ${JSON.stringify(body['key'])} does not match the row ${JSON.stringify(rowId)} in the path`) };
  const problems = rowProblems(table.fields, body);
  if (problems.length) return { ok: false, ...badRequest(problems.join('; ')) };
  return { ok: true, row: { ...(body as DataTableRow) } };
}

/** `GET …/rows/{rowId}`: Genesys' `showbrief` defaults to true (SDK doc), which answers the key field only. */
export function toRowBody(row: DataTableRow, showbrief: boolean): Record<string, DataTableValue> {
  return showbrief ? { key: row.key } : { ...row };
}

// ---- callbacks, attributes, queue wait ---------------------------------------------------------------------

/**
 * Validates `CreateCallbackOnConversationCommand`: callbackNumbers (non-empty list of strings), a queue
 * (`queueId` or `routingData.queueId`, one the org has), an ISO `callbackScheduledTime`, string-valued `data`.
 * Other fields are taken as they come, as Genesys ignores what it does not know.
 */
export function checkCallback(body: unknown, queues: ReadonlyMap<string, SimQueue>): { ok: true; command: Models.CreateCallbackOnConversationCommand } | ({ ok: false } & Refusal) {
  if (!isObject(body)) return { ok: false, ...badRequest('body: must be a CreateCallbackOnConversationCommand object') };
  const numbers = body['callbackNumbers'];
  if (!Array.isArray(numbers) || numbers.length === 0 || !numbers.every((n) => typeof n === 'string' && n.trim() !== ''))
    return { ok: false, ...badRequest('callbackNumbers: required (a non-empty list of phone numbers)') };
  const routing = body['routingData'];
  if (routing !== undefined && !isObject(routing)) return { ok: false, ...badRequest('routingData: must be an object') };
  const queueId = body['queueId'] ?? (routing as Record<string, unknown> | undefined)?.['queueId'];
  if (typeof queueId !== 'string' || queueId === '') return { ok: false, ...badRequest('queueId: required (or routingData.queueId)') };
  if (!queues.has(queueId)) return { ok: false, status: 400, code: 'conversations.error.queue.not.found', message: 'The specified queue was not found.' };
  const when = body['callbackScheduledTime'];
  if (when !== undefined && (typeof when !== 'string' || Number.isNaN(Date.parse(when)))) return { ok: false, ...badRequest('callbackScheduledTime: must be an ISO-8601 date-time') };
  const data = body['data'];
  if (data !== undefined && (!isObject(data) || !Object.values(data).every((v) => typeof v === 'string'))) return { ok: false, ...badRequest('data: must be an object of string values') };
  return { ok: true, command: structuredClone(body) as unknown as Models.CreateCallbackOnConversationCommand };
}

/** Validates `ParticipantAttributes {attributes: {k: v}}` (string values, as the SDK types them). */
export function checkAttributes(body: unknown): { ok: true; attributes: Record<string, string> } | ({ ok: false } & Refusal) {
  const attributes = isObject(body) ? body['attributes'] : undefined;
  if (!isObject(attributes)) return { ok: false, ...badRequest('attributes: required (an object of string values)') };
  for (const [k, v] of Object.entries(attributes)) if (typeof v !== 'string') return { ok: false, ...badRequest(`attributes.${k}: must be a string`) };
  return { ok: true, attributes: { ...(attributes as Record<string, string>) } };
}

/** `PATCH …/attributes` answer (SDK `ParticipantAttributes`): the participant's attributes after the merge. */
export function toParticipantAttributes(attributes: Record<string, string>): Models.ParticipantAttributes {
  return { attributes: { ...attributes } };
}

/**
 * `GET /api/v2/routing/queues/{id}/estimatedwaittime` (SDK `EstimatedWaitTimePredictions`). One result;
 * `intent` and `formula` values are assumptions.
 */
export function toEstimatedWait(seconds: number): Models.EstimatedWaitTimePredictions {
  return { results: [{ intent: 'ALL', formula: 'Best', estimatedWaitTimeSeconds: seconds }] };
}
