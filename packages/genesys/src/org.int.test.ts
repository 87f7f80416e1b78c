import { afterEach, describe, expect, it } from 'vitest';
import { SEED } from '@fallback/genesys-sim';
import { failure, startContract, type Contract } from '../test/contract.js';

let ctx: Contract | undefined;
afterEach(async () => {
  await ctx?.close();
  ctx = undefined;
});

const G = SEED.emergencyGroup.id;
const { id: TABLE, rowId: ROW } = SEED.datatable;

describe('emergency groups', () => {
  it('reads the whole group with its version, and a PUT of it whole replaces it (version + 1)', async () => {
    ctx = await startContract();
    const group = await ctx.client.getEmergencyGroup(G);
    expect(group).toMatchObject({ id: G, name: SEED.emergencyGroup.name, version: 1, enabled: false, emergencyCallFlows: [expect.objectContaining({ emergencyFlow: expect.objectContaining({ id: SEED.emergencyFlow.id }) })] });
    const stored = await ctx.client.putEmergencyGroup(G, { ...group, enabled: true });
    expect(stored).toMatchObject({ version: 2, enabled: true, emergencyCallFlows: group.emergencyCallFlows, division: group.division });
    expect(ctx.sim.flips('emergencyGroup')).toMatchObject([{ changed: ['enabled'], versionBefore: 1, version: 2, by: 'api' }]);
    expect(ctx.requests.map((r) => [r.method, r.endpoint, r.status])).toEqual([
      ['GET', 'emergencygroups/read', 200],
      ['PUT', 'emergencygroups/update', 200],
    ]);
  });

  it('a stale version is a 409 the caller can tell apart; a missing permission names it; an unknown group is a 404', async () => {
    ctx = await startContract();
    const group = await ctx.client.getEmergencyGroup(G);
    ctx.sim.editEmergencyGroup(G, { description: 'a supervisor was here' });
    expect(await failure(ctx.client.putEmergencyGroup(G, { ...group, enabled: true }))).toMatchObject({ status: 409, code: 'general.conflict', request: { method: 'PUT' } });
    ctx.sim.installFaults([{ endpoint: 'architect', action: { type: 'status', status: 403 }, count: 1 }]);
    expect(await failure(ctx.client.getEmergencyGroup(G))).toMatchObject({ kind: 'forbidden', missingPermissions: ['routing:emergencyGroup:view'] });
    expect(await failure(ctx.client.getEmergencyGroup('00000000-0000-4000-8000-000000000000'))).toMatchObject({ kind: 'permanent', status: 404, code: 'not.found' });
  });
});

describe('data-table rows', () => {
  it('reads the whole row (showbrief=false) and a PUT of it whole keeps the other fields', async () => {
    ctx = await startContract();
    const row = await ctx.client.getDataTableRow(TABLE, ROW);
    // Genesys' default (showbrief=true) would answer {key} alone: the other fields prove the client asked for the row.
    expect(row).toEqual({ key: ROW, enabled: false, reason: '' });
    expect(await ctx.client.putDataTableRow(TABLE, ROW, { ...row, enabled: true })).toEqual({ key: ROW, enabled: true, reason: '' });
    expect(ctx.sim.flips('datatableRow')).toMatchObject([{ before: { enabled: false, reason: '' }, after: { enabled: true, reason: '' }, changed: ['enabled'] }]);
  });

  it('a field of the wrong type is refused naming it (permanent)', async () => {
    ctx = await startContract();
    expect(await failure(ctx.client.putDataTableRow(TABLE, ROW, { key: ROW, enabled: 'yes' }))).toMatchObject({ kind: 'permanent', status: 400, message: expect.stringContaining('enabled: must be a boolean') });
  });
});
