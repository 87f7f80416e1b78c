/**
 * The org objects an outage switch lives in (genesys-cloud.md §6c): an Architect emergency group, or a row of an
 * Architect data table that inbound flows read. Typed with the official SDK's models (types only: nothing of the
 * SDK is loaded at run time).
 */
import type { Models } from 'purecloud-platform-client-v2';

/** `EmergencyGroup` as Genesys answers it (SDK model). A PUT sends it back whole: Genesys replaces the group. */
export type EmergencyGroup = Models.EmergencyGroup;

/** A value of a data-table field (Architect: string, boolean, integer, decimal). */
export type DataTableValue = string | number | boolean;

/**
 * A data-table row: its key (field `key`) and its other fields. The SDK types a row as `{[key]: object}`, which
 * cannot hold the booleans and numbers Genesys sends; this is the shape on the wire.
 */
export type DataTableRow = { key: string } & Record<string, DataTableValue>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The answer of `GET /api/v2/architect/emergencygroups/{id}`; throws naming what is missing. */
export function parseEmergencyGroup(json: unknown): EmergencyGroup {
  if (!isObject(json)) throw new Error('not an object');
  if (typeof json['name'] !== 'string') throw new Error('no name');
  // The version is what makes the PUT safe (a stale one is refused with 409): a group without one cannot be flipped.
  if (typeof json['version'] !== 'number') throw new Error('no version');
  if (json['enabled'] !== undefined && typeof json['enabled'] !== 'boolean') throw new Error('enabled is not a boolean');
  return json as unknown as EmergencyGroup;
}

/** The answer of `GET /api/v2/flows/datatables/{id}/rows/{rowId}?showbrief=false`; throws naming what is wrong. */
export function parseDataTableRow(json: unknown): DataTableRow {
  if (!isObject(json)) throw new Error('not an object');
  if (typeof json['key'] !== 'string') throw new Error('no key');
  for (const [k, v] of Object.entries(json))
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`field ${k} is not a string, number or boolean`);
  return json as DataTableRow;
}
