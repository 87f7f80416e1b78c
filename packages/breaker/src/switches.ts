import { isGenesysApiError, type DataTableRow, type EmergencyGroup, type RequestContext } from '@fallback/genesys';
import type { BreakerSwitch } from './spec.js';

/** The Genesys calls a switch needs (GenesysClient has them; its gate spends the same budget as the transfers). */
export interface SwitchPort {
  getEmergencyGroup(groupId: string, ctx: RequestContext): Promise<EmergencyGroup>;
  putEmergencyGroup(groupId: string, group: EmergencyGroup, ctx: RequestContext): Promise<EmergencyGroup>;
  getDataTableRow(datatableId: string, rowId: string, ctx: RequestContext): Promise<DataTableRow>;
  putDataTableRow(datatableId: string, rowId: string, row: DataTableRow, ctx: RequestContext): Promise<DataTableRow>;
}

/** What setting a switch did. */
export interface SwitchResult {
  /** False when Genesys already showed the wanted value (nothing was written). */
  changed: boolean;
  /** The group's version as read before the write, and as stored after it (emergency groups only). */
  versionBefore?: number;
  version?: number;
  /** 409s met on the way (each followed by a fresh read). */
  conflicts: number;
}

/** A row whose switch field is not a boolean: a configuration mistake, never "fixed" by writing over it. */
export class SwitchFieldError extends Error {
  override readonly name = 'SwitchFieldError';
}

/** Most 409s in one attempt: each means someone else changed the object between our read and write. */
export const MAX_CONFLICTS = 3;

const isConflict = (err: unknown) => isGenesysApiError(err) && err.status === 409;

/**
 * Sets a switch on or off: read it whole, and if it is not already so, write it back whole with only the switch
 * changed (an emergency group with the version it was read at). A 409 (someone changed it meanwhile, e.g. a
 * supervisor in Architect) is answered by reading again and writing what was read then, at most MAX_CONFLICTS
 * times; every other error is the caller's to retry. Reading first also makes the write idempotent: a second
 * evaluator, or a retry after a lost answer, finds the switch set and writes nothing.
 */
export async function setSwitch(port: SwitchPort, sw: BreakerSwitch, on: boolean, ctx: RequestContext): Promise<SwitchResult> {
  for (let conflicts = 0; ; conflicts += 1) {
    try {
      if (sw.kind === 'emergencyGroup') {
        const group = await port.getEmergencyGroup(sw.groupId, ctx);
        if ((group.enabled ?? false) === on) return { changed: false, ...(group.version !== undefined ? { version: group.version } : {}), conflicts };
        // The whole group as read (name, division, description, state, emergencyCallFlows, version): a PUT replaces it.
        const stored = await port.putEmergencyGroup(sw.groupId, { ...group, enabled: on }, ctx);
        return { changed: true, ...(group.version !== undefined ? { versionBefore: group.version } : {}), ...(stored.version !== undefined ? { version: stored.version } : {}), conflicts };
      }
      const row = await port.getDataTableRow(sw.datatableId, sw.rowId, ctx);
      const value = row[sw.field];
      if (value !== undefined && typeof value !== 'boolean')
        throw new SwitchFieldError(`data table ${sw.datatableId} row ${sw.rowId}: field ${sw.field} is a ${typeof value}, not a boolean (BREAKER_DATATABLE_FIELD names the wrong field?)`);
      if ((value ?? false) === on) return { changed: false, conflicts };
      await port.putDataTableRow(sw.datatableId, sw.rowId, { ...row, [sw.field]: on }, ctx);
      return { changed: true, conflicts };
    } catch (err) {
      if (!isConflict(err) || conflicts >= MAX_CONFLICTS) throw err;
    }
  }
}
