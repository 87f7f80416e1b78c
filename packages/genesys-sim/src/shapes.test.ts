import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Models } from 'purecloud-platform-client-v2';
import { describe, expect, it } from 'vitest';
import { SEED, newConversation } from './model.js';
import { toCallShape, toGenericShape, toTransferResponse } from './shapes.js';

const NOW = Date.parse('2026-11-24T12:00:00.000Z');
const T = (secondsBeforeNow: number) => new Date(NOW - secondsBeforeNow * 1000).toISOString();
/** What goes on the wire: undefined fields are left out, as Genesys leaves out nulls. */
const wire = (v: unknown) => JSON.parse(JSON.stringify(v));

// The fixtures below are typed with the SDK's models: a field Genesys does not have fails `pnpm typecheck`.
describe('the calls shape (SDK CallConversation)', () => {
  it('a live call: customer and bot legs with state at the top, refs with selfUri, no conversation-level times or state', () => {
    const conv = newConversation({ id: 'c1' }, NOW);
    const [customer, bot] = conv.participants;
    const expected: Models.CallConversation = {
      id: 'c1',
      participants: [
        {
          id: customer!.id,
          name: 'Customer',
          address: 'tel:+14155550123',
          startTime: T(30),
          connectedTime: T(30),
          purpose: 'customer',
          state: 'connected',
          direction: 'inbound',
          attributes: {},
          ani: 'tel:+14155550123',
          dnis: 'tel:+18005550199',
        },
        { id: bot!.id, name: 'Cognigy bot', address: SEED.botAddress, startTime: T(25), connectedTime: T(25), purpose: 'external', state: 'connected', direction: 'outbound', attributes: {} },
      ],
      recentTransfers: [],
      selfUri: '/api/v2/conversations/calls/c1',
    };
    expect(wire(toCallShape(conv))).toEqual(expected);
  });

  it('a call with an agent: ended bot and acd legs, the agent with user and queue refs, a Complete queue transfer without destination', () => {
    const conv = newConversation({ id: 'c2', withAgent: true }, NOW);
    const shape = wire(toCallShape(conv)) as Models.CallConversation;
    const agent: Models.CallMediaParticipant = {
      id: conv.roles.agent!,
      name: 'Ann Agent',
      address: SEED.agentAddress,
      startTime: T(100),
      connectedTime: T(100),
      purpose: 'agent',
      state: 'connected',
      direction: 'inbound',
      user: { id: SEED.agentUserId, selfUri: `/api/v2/users/${SEED.agentUserId}` },
      queue: { id: SEED.fallbackQueue.id, selfUri: `/api/v2/routing/queues/${SEED.fallbackQueue.id}` },
      attributes: {},
    };
    expect(shape.participants!.map((p) => [p.purpose, p.state, p.disconnectType])).toEqual([
      ['customer', 'connected', undefined],
      ['external', 'disconnected', 'transfer'],
      ['acd', 'disconnected', 'transfer'],
      ['agent', 'connected', undefined],
    ]);
    expect(shape.participants![3]).toEqual(agent);
    const transfer: Models.TransferResponse = { id: conv.recentTransfers[0]!.id, state: 'Complete', dateIssued: T(120), transferType: 'Unattended' };
    expect(shape.recentTransfers).toEqual([transfer]);
  });
});

describe('the generic shape (SDK Conversation)', () => {
  it('a live call: startTime, no endTime and no state at the conversation; per-leg state only in calls[]', () => {
    const conv = newConversation({ id: 'c3' }, NOW);
    const [customer, bot] = conv.participants;
    const expected: Models.Conversation = {
      id: 'c3',
      startTime: T(30),
      participants: [
        {
          id: customer!.id,
          startTime: T(30),
          connectedTime: T(30),
          name: 'Customer',
          purpose: 'customer',
          address: 'tel:+14155550123',
          ani: 'tel:+14155550123',
          dnis: 'tel:+18005550199',
          attributes: {},
          calls: [{ id: customer!.callId!, state: 'connected', direction: 'inbound', connectedTime: T(30) }],
        },
        {
          id: bot!.id,
          startTime: T(25),
          connectedTime: T(25),
          name: 'Cognigy bot',
          purpose: 'external',
          address: SEED.botAddress,
          attributes: {},
          calls: [{ id: bot!.callId!, state: 'connected', direction: 'outbound', connectedTime: T(25) }],
        },
      ],
      recentTransfers: [],
      selfUri: '/api/v2/conversations/c3',
    };
    expect(wire(toGenericShape(conv))).toEqual(expected);
  });

  it('an ended call has endTime; a leg that ended has disconnectedTime and disconnectType in calls[]', () => {
    const conv = newConversation({ id: 'c4', staleBotLeg: true }, NOW);
    conv.endTime = T(1);
    const shape = wire(toGenericShape(conv)) as Models.Conversation;
    expect(shape.endTime).toBe(T(1));
    expect(shape).not.toHaveProperty('state');
    const stale: Models.Call = { id: conv.participants[1]!.callId!, state: 'disconnected', direction: 'outbound', disconnectType: 'transport.failure', connectedTime: T(27.5), disconnectedTime: T(26.25) };
    expect(shape.participants[1]!.calls).toEqual([stale]);
  });

  it('call ids are UUIDs, one per leg', () => {
    const ids = newConversation({}, NOW).participants.map((p) => p.callId);
    expect(ids.every((id) => /^[0-9a-f-]{36}$/.test(id ?? ''))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('recent transfers (SDK TransferResponse / TransferDestination)', () => {
  it('write userId or address as the destination, and no destination at all for a queue transfer', () => {
    const base = { id: 't', state: 'Pending' as const, dateIssued: T(1), transferType: 'Unattended' as const };
    const toAgent: Models.TransferResponse = { ...base, destination: { userId: 'u1' } };
    const toNumber: Models.TransferResponse = { ...base, destination: { address: '+18005550100' } };
    expect(wire(toTransferResponse({ ...base, destination: { userId: 'u1' } }))).toEqual(toAgent);
    expect(wire(toTransferResponse({ ...base, destination: { address: '+18005550100' } }))).toEqual(toNumber);
    expect(wire(toTransferResponse(base))).toEqual(base);
  });
});

describe('the SDK is a source of types only', () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

  it('every import of purecloud-platform-client-v2 is `import type` (nothing of its ~24 MiB is loaded at run time)', () => {
    const imports = sources(here).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => /(\bfrom|\bimport\(|\brequire\()\s*['"]purecloud-platform-client-v2['"]/.test(line))
        .map((line) => [path.relative(here, file), line.trim()]),
    );
    expect(imports.length).toBeGreaterThan(5);
    expect(imports.filter(([, line]) => !line!.startsWith('import type '))).toEqual([]);
  });

  it('is an exact devDependency of this package only', () => {
    const pkg = JSON.parse(readFileSync(path.join(here, '..', 'package.json'), 'utf8'));
    expect(pkg.devDependencies['purecloud-platform-client-v2']).toBe('262.0.0');
    expect(pkg.dependencies?.['purecloud-platform-client-v2']).toBeUndefined();
  });
});
