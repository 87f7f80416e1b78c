import type { Models } from 'purecloud-platform-client-v2';
import { describe, expect, it } from 'vitest';
import { SEED } from './model.js';
import {
  checkAttributes,
  checkCallback,
  listEmergencyGroups,
  newEmergencyGroup,
  rowProblems,
  toEmergencyGroup,
  toEstimatedWait,
  toRowBody,
  updateEmergencyGroup,
  updateRow,
  type SimDataTable,
} from './org.js';

const NOW = Date.parse('2026-11-24T12:00:00.000Z');
const flows = [{ emergencyFlow: { id: 'flow-1', name: 'Outage' }, ivrs: [{ id: 'ivr-1', name: 'Main' }] }];
const group = () => newEmergencyGroup({ id: 'g1', name: 'Bot outage', description: 'd', emergencyCallFlows: flows }, NOW);

describe('emergency groups', () => {
  it('are written as the SDK EmergencyGroup model', () => {
    const expected: Models.EmergencyGroup = {
      id: 'g1',
      name: 'Bot outage',
      description: 'd',
      division: { id: SEED.homeDivision.id, name: 'Home' },
      version: 1,
      state: 'active',
      enabled: false,
      emergencyCallFlows: flows,
      dateCreated: '2026-11-24T12:00:00.000Z',
      dateModified: '2026-11-24T12:00:00.000Z',
      selfUri: '/api/v2/architect/emergencygroups/g1',
    };
    expect(toEmergencyGroup(group())).toEqual(expected);
  });

  it('a PUT of the whole group with its version flips it and bumps the version; server fields stay the server\'s', () => {
    const current = group();
    const body = { ...toEmergencyGroup(current), enabled: true, state: 'deleted', version: 1, dateCreated: 'forged' };
    const done = updateEmergencyGroup(current, body, NOW + 5000, 'breaker-client');
    expect(done).toMatchObject({ ok: true, group: { enabled: true, version: 2, state: 'active', dateCreated: current.dateCreated, modifiedByApp: 'breaker-client', emergencyCallFlows: flows } });
    expect(done.ok && done.group.dateModified).toBe('2026-11-24T12:00:05.000Z');
  });

  it('is a PUT, not a PATCH: fields left out are gone (the flows list empties, the division falls back to Home)', () => {
    const done = updateEmergencyGroup(group(), { name: 'Bot outage', enabled: true, version: 1 }, NOW, undefined);
    expect(done).toMatchObject({ ok: true, group: { emergencyCallFlows: [], division: { id: SEED.homeDivision.id } } });
    expect(done.ok && 'description' in done.group).toBe(false);
  });

  it.each([
    [{ enabled: true, version: 1 }, 400, 'bad.request', 'name: required'],
    [{ name: 'x', enabled: 'yes', version: 1 }, 400, 'bad.request', 'enabled: must be a boolean'],
    [{ name: 'x', id: 'other', version: 1 }, 400, 'bad.request', 'id: "other" does not match'],
    [{ name: 'x', emergencyCallFlows: [{ ivrs: 'all' }], version: 1 }, 400, 'bad.request', 'emergencyCallFlows[0].ivrs: must be a list'],
    [{ name: 'x', division: 'home', version: 1 }, 400, 'bad.request', 'division: must be a reference'],
    [{ name: 'x', enabled: true }, 409, 'general.conflict', 'A version is required'],
    [{ name: 'x', enabled: true, version: 7 }, 409, 'general.conflict', 'Version [7] does not match the current version [1]'],
    [[], 400, 'bad.request', 'body: must be an EmergencyGroup object'],
  ])('refuses %j: %i %s', (body, status, code, message) => {
    expect(updateEmergencyGroup(group(), body, NOW, undefined)).toMatchObject({ ok: false, status, code, message: expect.stringContaining(message) });
  });

  it('lists them as an entity listing: sorted by name, filtered by a name substring, paged', () => {
    const groups = ['Zeta', 'Bot outage EU', 'Bot outage US', 'Alpha'].map((name, i) => newEmergencyGroup({ id: `g${i}`, name }, NOW));
    const page = listEmergencyGroups(groups, { name: 'bot OUTAGE', pageNumber: 1, pageSize: 1 });
    expect(page).toMatchObject({ total: 2, pageCount: 2, pageNumber: 1, pageSize: 1, nextUri: expect.stringContaining('pageNumber=2') });
    expect(page.entities!.map((g) => g.name)).toEqual(['Bot outage EU']);
    expect(page).not.toHaveProperty('previousUri');
    expect(listEmergencyGroups(groups, { pageNumber: 1, pageSize: 25 }).entities!.map((g) => g.name)).toEqual(['Alpha', 'Bot outage EU', 'Bot outage US', 'Zeta']);
    expect(listEmergencyGroups(groups, { name: 'nothing', pageNumber: 1, pageSize: 25 })).toMatchObject({ total: 0, entities: [], pageCount: 1 });
  });
});

describe('data-table rows', () => {
  const table = (): SimDataTable => ({ id: 't', name: 'Switches', fields: { enabled: 'boolean', reason: 'string', weight: 'integer' }, rows: new Map([['bot', { key: 'bot', enabled: false, reason: '', weight: 1 }]]) });

  it('a PUT replaces the whole row (fields left out are gone)', () => {
    expect(updateRow(table(), 'bot', { key: 'bot', enabled: true })).toEqual({ ok: true, row: { key: 'bot', enabled: true } });
  });
  it.each([
    [{ enabled: true }, 'key: required'],
    [{ key: 'other', enabled: true }, 'key: "other" does not match'],
    [{ key: 'bot', enabled: 'yes' }, 'enabled: must be a boolean'],
    [{ key: 'bot', weight: 1.5 }, 'weight: must be an integer'],
    [{ key: 'bot', colour: 'red' }, 'colour: not a field of this data table'],
    ['row', 'body: must be a data-table row object'],
  ])('refuses %j naming the field', (body, message) => {
    expect(updateRow(table(), 'bot', body)).toMatchObject({ ok: false, status: 400, code: 'bad.request', message: expect.stringContaining(message) });
  });
  it('GET shows the key only unless showbrief=false (the SDK documents showbrief default true)', () => {
    const row = table().rows.get('bot')!;
    expect(toRowBody(row, true)).toEqual({ key: 'bot' });
    expect(toRowBody(row, false)).toEqual(row);
  });
  it('rowProblems lists every problem', () => {
    expect(rowProblems({ a: 'number' }, { key: '', a: 'x', b: 1 })).toEqual(['key: must be a non-empty string', 'a: must be a number', 'b: not a field of this data table (fields: key, a)']);
  });
});

describe('callbacks, attributes, queue wait', () => {
  const queues = new Map([[SEED.fallbackQueue.id, { ...SEED.fallbackQueue }]]);
  it('a callback needs numbers and a queue the org has; the command is kept as sent', () => {
    const command: Models.CreateCallbackOnConversationCommand = {
      queueId: SEED.fallbackQueue.id,
      callbackNumbers: ['+14155550123'],
      callbackScheduledTime: '2026-11-24T12:30:00.000Z',
      data: { fallbackReason: 'FLOW_ERROR' },
    };
    expect(checkCallback(command, queues)).toEqual({ ok: true, command });
    expect(checkCallback({ routingData: { queueId: SEED.fallbackQueue.id }, callbackNumbers: ['+1'] }, queues).ok).toBe(true);
  });
  it.each([
    [{ queueId: SEED.fallbackQueue.id }, 400, 'callbackNumbers: required'],
    [{ queueId: SEED.fallbackQueue.id, callbackNumbers: [] }, 400, 'callbackNumbers: required'],
    [{ callbackNumbers: ['+1'] }, 400, 'queueId: required'],
    [{ callbackNumbers: ['+1'], queueId: 'nope' }, 400, 'The specified queue was not found.'],
    [{ callbackNumbers: ['+1'], queueId: SEED.fallbackQueue.id, callbackScheduledTime: 'soon' }, 400, 'callbackScheduledTime: must be an ISO-8601'],
    [{ callbackNumbers: ['+1'], queueId: SEED.fallbackQueue.id, data: { n: 1 } }, 400, 'data: must be an object of string values'],
  ])('refuses a callback %j', (body, status, message) => {
    expect(checkCallback(body, queues)).toMatchObject({ ok: false, status, message: expect.stringContaining(message) });
  });
  it('attributes are string-valued', () => {
    expect(checkAttributes({ attributes: { fallbackReason: 'FLOW_ERROR' } })).toEqual({ ok: true, attributes: { fallbackReason: 'FLOW_ERROR' } });
    expect(checkAttributes({ attributes: { n: 1 } })).toMatchObject({ ok: false, message: 'attributes.n: must be a string' });
    expect(checkAttributes({ fallbackReason: 'x' })).toMatchObject({ ok: false, message: expect.stringContaining('attributes: required') });
  });
  it('the estimated wait is one SDK PredictionResults', () => {
    const expected: Models.EstimatedWaitTimePredictions = { results: [{ intent: 'ALL', formula: 'Best', estimatedWaitTimeSeconds: 90 }] };
    expect(toEstimatedWait(90)).toEqual(expected);
  });
});
