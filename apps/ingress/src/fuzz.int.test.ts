/**
 * Property test over random and mutated payloads (fast-check): whatever arrives, the ingress never answers 5xx,
 * never crashes, enqueues nothing for a refusal, and every job it does enqueue is one the worker accepts and
 * that satisfies the job invariants. Failing inputs are shrunk and printed with their seed by fast-check.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fc from 'fast-check';
import { FAILURE_TYPES, dedupeKeyOf, jobIdOf, UUID_PATTERN, type FallbackJobData } from '@fallback/core';
import { SAMPLE_EVENT } from '@fallback/ingress-core/testing';
import { validateJobData } from '@fallback/processor';
import { startTestIngress, TEST_KEY, TEST_QUEUE, type TestIngress } from '../test/test-app.js';

const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';
const UUID = new RegExp(UUID_PATTERN);
const MAX_TTL_MS = 600_000;

const valid = {
  ...SAMPLE_EVENT,
  eventId: 'fuzz',
  routingHint: { queueName: 'x' },
  attributes: { a: 'b' },
  context: { genesys: { conversationId: CID } },
  ttlSeconds: 60,
} as Record<string, unknown>;
const keys = Object.keys(valid);

const anyJson = fc.jsonValue({ maxDepth: 3 });
const poison = fc.constantFrom('__proto__', 'constructor', 'prototype', '\u0000', '', 'a'.repeat(300));

/** One mutation of a valid event. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
  fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...keys), value: anyJson }),
  fc.record({ op: fc.constant('set' as const), key: fc.oneof(fc.string(), poison), value: anyJson }),
  fc.record({ op: fc.constant('nest' as const), key: fc.constantFrom('bot', 'error', 'routingHint', 'attributes', 'cognigy', 'context'), inner: fc.oneof(fc.string(), poison), value: anyJson }),
  fc.record({ op: fc.constant('case' as const), key: fc.constantFrom('conversationId', 'participantId') }),
);

type Mutation = { op: 'delete' | 'set' | 'nest' | 'case'; key: string; value?: unknown; inner?: string };

/** Applies mutations to a copy of an event and serializes it. */
function mutate(base: Record<string, unknown>, ops: readonly Mutation[]): string {
  const o: Record<string, unknown> = structuredClone(base);
  const extra: string[] = [];
  for (const m of ops) {
    if (m.op === 'delete') delete o[m.key];
    else if (m.op === 'case' && typeof o[m.key] === 'string') o[m.key] = (o[m.key] as string).toUpperCase();
    // A literal "__proto__" key cannot be set on an object and survive JSON.stringify: splice it into the text.
    else if (m.op === 'set' && (m.key === '__proto__' || m.key === 'constructor')) extra.push(`${JSON.stringify(m.key)}:${JSON.stringify(m.value ?? null)}`);
    else if (m.op === 'set') o[m.key] = m.value;
    else if (m.op === 'nest') o[m.key] = { ...(typeof o[m.key] === 'object' && o[m.key] !== null ? (o[m.key] as object) : {}), [m.inner!]: m.value };
  }
  const text = JSON.stringify(o);
  return extra.length ? `{${extra.join(',')}${text.length > 2 ? `,${text.slice(1)}` : '}'}` : text;
}

/** Valid events of every shape the schema allows: generic or Cognigy-shaped, ids in any case, optional fields. */
const validEvent = fc
  .record(
    {
      eventId: fc.string({ minLength: 1, maxLength: 200 }),
      occurredAt: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      source: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
      failureType: fc.constantFrom(...FAILURE_TYPES),
      participantId: fc.uuid().map((u) => u.toUpperCase()),
      language: fc.constantFrom('de', 'de-DE', 'en-US', 'fr'),
      dnis: fc.string({ minLength: 1, maxLength: 256 }),
      bot: fc.record({ flowName: fc.string({ minLength: 1, maxLength: 200 }) }, { requiredKeys: [] }),
      attributes: fc.dictionary(fc.stringMatching(/^[A-Za-z0-9._-]{1,100}$/), fc.string({ maxLength: 1024 }), { maxKeys: 5 }),
      ttlSeconds: fc.integer({ min: 1, max: 3600 }),
      deadline: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    },
    { requiredKeys: [] },
  )
  .chain((fields) =>
    fc.tuple(fc.uuid(), fc.boolean(), fc.boolean()).map(([id, upper, inContext]) => {
      const conversationId = upper ? id.toUpperCase() : id;
      return (inContext ? { ...fields, context: { genesys: { conversationId }, other: { deep: [1, 2] } } } : { ...fields, conversationId }) as Record<string, unknown>;
    }),
  );

/** A request body: a valid event (as is or mutated), random JSON, or random text. */
const body = fc.oneof(
  { weight: 4, arbitrary: validEvent.map((e) => JSON.stringify(e)) },
  { weight: 4, arbitrary: fc.tuple(validEvent, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([b, ops]) => mutate(b, ops)) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(valid, { conversationId: CID }, { context: { genesys: { conversationId: CID } } }), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([b, ops]) => mutate(b, ops)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);
const contentType = fc.constantFrom('application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', undefined);
const wait = fc.constantFrom(undefined, undefined, undefined, undefined, '0', '9', 'x', '-1');

/** The invariants of a job the ingress wrote (beyond what the worker checks). */
function checkJob(id: string, data: FallbackJobData) {
  expect(validateJobData(data)).toBeUndefined();
  expect(data.v).toBe(1);
  expect(data.conversationId).toMatch(UUID);
  expect(data.conversationId).toBe(data.conversationId.toLowerCase());
  expect(jobIdOf(data.dedupeKey)).toBe(id);
  expect(dedupeKeyOf(data)).toBe(data.dedupeKey);
  expect(FAILURE_TYPES).toContain(data.failureType);
  expect(data.target).toEqual({ kind: 'queue', queueId: TEST_QUEUE });
  expect(data.deadline).toBeLessThanOrEqual(data.receivedAt + MAX_TTL_MS);
  expect(Object.keys(data)).not.toContain('context');
  expect(JSON.stringify(data)).not.toContain('4155550123');
}

describe('fuzz: random and mutated payloads', () => {
  let t: TestIngress;
  beforeAll(async () => {
    t = await startTestIngress({ redisUrl: inject('redisUrl'), name: 'fuzz' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('never answers 5xx, never enqueues for a refusal, and every enqueued job is valid', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(body, contentType, wait, fc.integer({ min: 0, max: 1_000_000 }), async (payload, type, w, salt) => {
        // Make the eventId unique per run where the body still has the default one, so accepted runs create jobs.
        const text = payload.replace('"eventId":"fuzz"', `"eventId":"fuzz-${salt}"`);
        const before = await t.jobIds();
        const res = await t.app.inject({
          method: 'POST',
          url: `/v1/fallbacks${w === undefined ? '' : `?wait=${w}`}`,
          headers: { authorization: `Bearer ${TEST_KEY}`, ...(type ? { 'content-type': type } : {}) },
          payload: text,
        });
        expect(res.statusCode).toBeLessThan(500);
        const after = await t.jobIds();
        if (res.statusCode >= 300) {
          refused++;
          expect(res.json().error.code).toMatch(/^[a-z_]+$/);
          expect(after).toEqual(before);
          return;
        }
        accepted++;
        const id = res.json().id as string;
        expect(after).toContain(id);
        expect(after.length - before.length).toBe(res.statusCode === 202 ? 1 : 0);
        checkJob(id, (await t.deps.queue.getJob(id))!.data);
      }),
      // FUZZ_SEED / FUZZ_PATH replay a failure fast-check reported.
      { numRuns: 400, ...(process.env['FUZZ_SEED'] ? { seed: Number(process.env['FUZZ_SEED']), path: process.env['FUZZ_PATH'], verbose: 2 } : {}) },
    );
    // The generators reach both sides: a property that only ever saw refusals would prove little.
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(100);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
