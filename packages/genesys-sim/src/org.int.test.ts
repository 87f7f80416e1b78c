import { describe, expect, it } from 'vitest';
import { harnessPerTest } from './internal/harness.js';
import { SEED } from './model.js';
import type { SimulatorOptions } from './server.js';

const startHarnessPerTest = harnessPerTest();
const start = async (opts: SimulatorOptions = {}) => {
  const h = await startHarnessPerTest(opts);
  return { ...h, t: await h.token() };
};
const G = SEED.emergencyGroup.id;
const groupPath = (id: string = G) => `/api/v2/architect/emergencygroups/${id}`;
const rowPath = (rowId: string = SEED.datatable.rowId, table: string = SEED.datatable.id) => `/api/v2/flows/datatables/${table}/rows/${rowId}`;

describe('emergency groups over HTTP', () => {
  it('GET, flip with the whole group and its version, and the flip in the ledger and stats', async () => {
    const { call, t, sim } = await start();
    const read = await call('GET', groupPath(), { token: t });
    expect(read.body).toMatchObject({ id: G, name: SEED.emergencyGroup.name, version: 1, enabled: false, state: 'active', selfUri: groupPath() });
    const put = await call('PUT', groupPath(), { token: t, body: { ...read.body, enabled: true } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 2, enabled: true, emergencyCallFlows: read.body.emergencyCallFlows, modifiedByApp: SEED.clientId });
    expect((await call('GET', groupPath(), { token: t })).body).toMatchObject({ version: 2, enabled: true });
    const flips = (await call('GET', '/__sim/flips')).body.flips;
    expect(flips).toEqual([
      {
        at: expect.any(Number),
        kind: 'emergencyGroup',
        id: G,
        name: SEED.emergencyGroup.name,
        before: expect.objectContaining({ enabled: false }),
        after: expect.objectContaining({ enabled: true, emergencyCallFlows: read.body.emergencyCallFlows }),
        changed: ['enabled'],
        versionBefore: 1,
        version: 2,
        by: 'api',
        clientId: SEED.clientId,
        tokenId: 'tok-1',
      },
    ]);
    expect(sim.stats()).toMatchObject({ emergencyGroupFlips: 1, byEndpoint: { 'emergencygroups/read': 2, 'emergencygroups/update': 1 } });
  });

  it('version conflicts: a stale or missing version → 409 and nothing changes; after a re-read the PUT goes through', async () => {
    const { call, t, sim } = await start();
    const read = (await call('GET', groupPath(), { token: t })).body;
    // Someone flips it in Architect meanwhile (control API): the version moves on.
    const edited = await call('PATCH', `/__sim/emergencygroups/${G}`, { body: { description: 'edited by a supervisor' } });
    expect(edited.body.emergencyGroup).toMatchObject({ version: 2, description: 'edited by a supervisor' });
    const stale = await call('PUT', groupPath(), { token: t, body: { ...read, enabled: true } });
    expect(stale.body).toMatchObject({ status: 409, code: 'general.conflict', message: expect.stringContaining('Version [1] does not match the current version [2]') });
    const { version: _v, ...noVersion } = read;
    expect((await call('PUT', groupPath(), { token: t, body: { ...noVersion, enabled: true } })).body).toMatchObject({ status: 409, code: 'general.conflict' });
    expect(sim.getEmergencyGroup(G)).toMatchObject({ version: 2, enabled: false });
    const again = (await call('GET', groupPath(), { token: t })).body;
    expect((await call('PUT', groupPath(), { token: t, body: { ...again, enabled: true } })).body).toMatchObject({ version: 3, enabled: true, description: 'edited by a supervisor' });
    expect(sim.flips('emergencyGroup').map((f) => [f.by, f.changed, f.version])).toEqual([
      ['control', ['description'], 2],
      ['api', ['enabled'], 3],
    ]);
  });

  it('a PUT missing required fields → 400 naming them; unknown group → 404 not.found', async () => {
    const { call, t } = await start();
    expect((await call('PUT', groupPath(), { token: t, body: { enabled: true, version: 1 } })).body).toMatchObject({ status: 400, code: 'bad.request', message: expect.stringContaining('name: required') });
    expect((await call('GET', groupPath('nope'), { token: t })).body).toMatchObject({ status: 404, code: 'not.found' });
    expect((await call('PUT', groupPath('nope'), { token: t, body: { name: 'x', version: 1 } })).body).toMatchObject({ status: 404, code: 'not.found' });
  });

  it('lists by name (entity listing), and control-API groups show up', async () => {
    const { call, t } = await start();
    const created = await call('POST', '/__sim/emergencygroups', { body: { name: 'Billing bot outage', enabled: true } });
    expect(created).toMatchObject({ status: 201, body: { emergencyGroup: { version: 1, enabled: true } } });
    expect((await call('POST', '/__sim/emergencygroups', { body: { name: '', colour: 'red' } })).body.problems).toEqual([
      expect.stringContaining('colour: unknown field'),
      'name: required string',
    ]);
    const listed = await call('GET', '/api/v2/architect/emergencygroups?name=bot%20outage', { token: t });
    expect(listed.body).toMatchObject({ total: 2, pageNumber: 1, pageSize: 25 });
    expect(listed.body.entities.map((g: any) => g.name)).toEqual(['Billing bot outage', 'Cognigy bot outage']);
    expect((await call('GET', '/api/v2/architect/emergencygroups?pageSize=0', { token: t })).body).toMatchObject({ status: 400, message: 'pageSize: must be an integer 1-500' });
  });

  it('permissions and faults: the architect group; 403 names routing:emergencyGroup:view/edit', async () => {
    const { call, t } = await start({
      faults: [
        { endpoint: 'architect', action: { type: 'status', status: 403 }, count: 2 },
        { endpoint: 'architect', action: { type: 'status', status: 409 }, count: 1 },
      ],
    });
    expect((await call('GET', groupPath(), { token: t })).body.messageParams).toEqual({ permissions: '[routing:emergencyGroup:view]' });
    expect((await call('PUT', groupPath(), { token: t, body: {} })).body.messageParams).toEqual({ permissions: '[routing:emergencyGroup:edit]' });
    expect((await call('GET', groupPath(), { token: t })).body).toMatchObject({ status: 409, code: 'general.conflict' });
  });
});

describe('data-table rows over HTTP', () => {
  it('GET shows the key only by default (showbrief), the row with showbrief=false; PUT replaces it whole and records the flip', async () => {
    const { call, t, sim } = await start();
    expect((await call('GET', rowPath(), { token: t })).body).toEqual({ key: SEED.datatable.rowId });
    const full = await call('GET', `${rowPath()}?showbrief=false`, { token: t });
    expect(full.body).toEqual({ key: SEED.datatable.rowId, enabled: false, reason: '' });
    const put = await call('PUT', rowPath(), { token: t, body: { ...full.body, enabled: true, reason: 'bot outage' } });
    expect(put).toMatchObject({ status: 200, body: { key: SEED.datatable.rowId, enabled: true, reason: 'bot outage' } });
    expect(sim.flips('datatableRow')).toEqual([
      {
        at: expect.any(Number),
        kind: 'datatableRow',
        id: SEED.datatable.rowId,
        datatableId: SEED.datatable.id,
        name: SEED.datatable.name,
        before: { key: SEED.datatable.rowId, enabled: false, reason: '' },
        after: { key: SEED.datatable.rowId, enabled: true, reason: 'bot outage' },
        changed: ['enabled', 'reason'],
        by: 'api',
        clientId: SEED.clientId,
        tokenId: 'tok-1',
      },
    ]);
    expect(sim.stats()).toMatchObject({ datatableRowFlips: 1 });
  });

  it('refuses bad rows (400 naming the field) and unknown tables or rows (404)', async () => {
    const { call, t } = await start();
    expect((await call('PUT', rowPath(), { token: t, body: { key: SEED.datatable.rowId, enabled: 'yes' } })).body).toMatchObject({ status: 400, message: 'enabled: must be a boolean' });
    expect((await call('PUT', rowPath(), { token: t, body: { enabled: true } })).body).toMatchObject({ status: 400, message: expect.stringContaining('key: required') });
    expect((await call('GET', rowPath('nope'), { token: t })).body).toMatchObject({ status: 404, code: 'not.found' });
    expect((await call('GET', rowPath('x', 'no-table'), { token: t })).body).toMatchObject({ status: 404, code: 'not.found' });
    expect((await call('GET', `${rowPath()}?showbrief=maybe`, { token: t })).body).toMatchObject({ status: 400, message: 'showbrief: must be true or false' });
  });

  it('control API: create a table with rows, edit a row (a person: flip by control)', async () => {
    const { call, t } = await start();
    const bad = await call('POST', '/__sim/datatables', { body: { name: 'T', fields: { on: 'bool' }, rows: [{ key: 'a', off: 1 }] } });
    expect(bad.body.problems).toEqual(['fields.on: must be one of string, boolean, integer, number', 'rows[0].off: not a field of this data table (fields: key, on)']);
    const made = await call('POST', '/__sim/datatables', { body: { id: 'tbl', name: 'T', fields: { on: 'boolean' }, rows: [{ key: 'a', on: false }] } });
    expect(made).toMatchObject({ status: 201, body: { datatable: { id: 'tbl', rows: [{ key: 'a', on: false }] } } });
    expect((await call('PUT', '/__sim/datatables/tbl/rows/b', { body: { on: true } })).status).toBe(201);
    expect((await call('PUT', '/__sim/datatables/tbl/rows/a', { body: { on: true } })).status).toBe(200);
    expect((await call('GET', `${rowPath('b', 'tbl')}?showbrief=false`, { token: t })).body).toEqual({ key: 'b', on: true });
    expect((await call('GET', '/__sim/flips?kind=datatableRow')).body.flips.map((f: any) => [f.id, f.by, f.changed])).toEqual([['a', 'control', ['on']]]);
  });
});

describe('participant attributes and callbacks over HTTP', () => {
  it('PATCH attributes: 202 with the merged ParticipantAttributes, shown in both reads, in the ledger and stats', async () => {
    const { call, t, sim } = await start();
    const conv = sim.createConversation();
    const path = `/api/v2/conversations/calls/${conv.id}/participants/${conv.roles.customer}/attributes`;
    expect(await call('PATCH', path, { token: t, body: { attributes: { fallbackReason: 'FLOW_ERROR', botFlow: 'main' } } })).toMatchObject({
      status: 202,
      body: { attributes: { fallbackReason: 'FLOW_ERROR', botFlow: 'main' } },
    });
    const second = await call('PATCH', path, { token: t, body: { attributes: { failureType: 'DEPENDENCY_TIMEOUT' } } });
    expect(second.body.attributes).toEqual({ fallbackReason: 'FLOW_ERROR', botFlow: 'main', failureType: 'DEPENDENCY_TIMEOUT' });
    const generic = (await call('GET', `/api/v2/conversations/${conv.id}`, { token: t })).body;
    const calls = (await call('GET', `/api/v2/conversations/calls/${conv.id}`, { token: t })).body;
    expect(generic.participants[0].attributes).toEqual(second.body.attributes);
    expect(calls.participants[0].attributes).toEqual(second.body.attributes);
    expect(calls.participants[1].attributes).toEqual({});
    expect((await call('GET', `/__sim/attributes?conversationId=${conv.id}`)).body.attributePatches.map((p: any) => [p.participantId, p.attributes, p.clientId])).toEqual([
      [conv.roles.customer, { fallbackReason: 'FLOW_ERROR', botFlow: 'main' }, SEED.clientId],
      [conv.roles.customer, { failureType: 'DEPENDENCY_TIMEOUT' }, SEED.clientId],
    ]);
    expect(sim.stats()).toMatchObject({ attributePatches: 2, byEndpoint: { 'calls/attributes': 2 } });
    expect((await call('PATCH', path, { token: t, body: { attributes: { n: 1 } } })).body).toMatchObject({ status: 400, message: 'attributes.n: must be a string' });
    expect((await call('PATCH', `/api/v2/conversations/calls/${conv.id}/participants/nobody/attributes`, { token: t, body: { attributes: {} } })).body).toMatchObject({ status: 404, code: 'not.found' });
  });

  it('POST callbacks: 202, the CreateCallbackOnConversationCommand in the ledger; refusals name the field', async () => {
    const { call, t, sim } = await start();
    const conv = sim.createConversation();
    const path = `/api/v2/conversations/${conv.id}/participants/${conv.roles.customer}/callbacks`;
    const command = { queueId: SEED.fallbackQueue.id, callbackNumbers: ['+14155550123'], data: { fallbackReason: 'FLOW_ERROR' } };
    const res = await call('POST', path, { token: t, body: command });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    expect(sim.callbacks(conv.id)).toEqual([{ at: expect.any(Number), conversationId: conv.id, participantId: conv.roles.customer, body: command, clientId: SEED.clientId, tokenId: 'tok-1' }]);
    expect((await call('GET', '/__sim/callbacks')).body.callbacks).toHaveLength(1);
    expect(sim.stats().callbacks).toBe(1);
    expect((await call('POST', path, { token: t, body: { queueId: SEED.fallbackQueue.id } })).body).toMatchObject({ status: 400, message: expect.stringContaining('callbackNumbers') });
    expect((await call('POST', path, { token: t, body: { ...command, queueId: 'nope' } })).body).toMatchObject({ status: 400, code: 'conversations.error.queue.not.found' });
    expect((await call('POST', `/api/v2/conversations/nope/participants/x/callbacks`, { token: t, body: command })).body).toMatchObject({ status: 404, code: 'not.found' });
    expect(sim.stats().callbacks).toBe(1);
  });

  it('faults reach them through the attributes and callbacks groups', async () => {
    const { call, t, sim } = await start({
      faults: [
        { endpoint: 'attributes', action: { type: 'status', status: 503 }, count: 1 },
        { endpoint: 'callbacks', action: { type: 'status', status: 403 }, count: 1 },
      ],
    });
    const conv = sim.createConversation();
    expect((await call('PATCH', `/api/v2/conversations/calls/${conv.id}/participants/${conv.roles.customer}/attributes`, { token: t, body: { attributes: {} } })).status).toBe(503);
    const denied = await call('POST', `/api/v2/conversations/${conv.id}/participants/${conv.roles.customer}/callbacks`, { token: t, body: {} });
    expect(denied.body.messageParams).toEqual({ permissions: '[conversation:callback:create]' });
  });
});

describe('queue wait over HTTP', () => {
  it('answers the per-queue setting as EstimatedWaitTimePredictions; unknown queue → 404; routing faults apply', async () => {
    const { call, t, sim } = await start();
    const path = `/api/v2/routing/queues/${SEED.fallbackQueue.id}/estimatedwaittime`;
    expect((await call('GET', path, { token: t })).body).toEqual({ results: [{ intent: 'ALL', formula: 'Best', estimatedWaitTimeSeconds: 0 }] });
    expect((await call('POST', `/__sim/queues/${SEED.fallbackQueue.id}/estimatedwaittime`, { body: { estimatedWaitTimeSeconds: 900 } })).status).toBe(200);
    expect((await call('GET', path, { token: t })).body.results[0].estimatedWaitTimeSeconds).toBe(900);
    expect((await call('POST', `/__sim/queues/${SEED.fallbackQueue.id}/estimatedwaittime`, { body: { estimatedWaitTimeSeconds: -1 } })).body.problems).toEqual([
      'estimatedWaitTimeSeconds: must be a number ≥ 0',
    ]);
    expect((await call('POST', '/__sim/queues', { body: { id: 'q2', name: 'Slow', estimatedWaitTimeSeconds: 3600 } })).status).toBe(201);
    expect((await call('GET', '/api/v2/routing/queues/q2/estimatedwaittime', { token: t })).body.results[0].estimatedWaitTimeSeconds).toBe(3600);
    expect((await call('GET', '/api/v2/routing/queues/nope/estimatedwaittime', { token: t })).body).toMatchObject({ status: 404, code: 'not.found' });
    sim.installFaults([{ endpoint: 'routing', action: { type: 'status', status: 403 }, count: 1 }]);
    expect((await call('GET', path, { token: t })).body.messageParams).toEqual({ permissions: '[routing:queue:view]' });
    expect(sim.stats().byEndpoint['queues/estimatedwaittime']).toBe(5);
  });
});
