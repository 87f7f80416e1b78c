/**
 * The contract's pieces that can drift without a request showing it: the error codes against the README, the
 * documented `?wait` against the parser that reads it, and the documented status view against the type the code
 * fills (a response schema also serializes: a field it lacks is silently dropped from the answer).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import type { FromSchema } from 'json-schema-to-ts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { FallbackResult, Target } from '@fallback/core';
import { parseWait } from '@fallback/ingress-core';
import type { FallbackStatusView } from '@fallback/queue';
import { REPO_ROOT } from '@fallback/testing';
import { ERROR_CODES, WAIT_QUERY_PATTERN, statusViewSchema, targetSchema } from './contract.js';

/** Keys of every member of a union (keyof a union gives only the shared ones). */
type AllKeys<T> = T extends unknown ? keyof T : never;

/** FromSchema's type without the `[x: string]: unknown` it adds for schemas that allow more properties. */
type Declared<T> = T extends object ? { [K in keyof T as string extends K ? never : K]: Declared<T[K]> } : T;

describe('the published contract', () => {
  it("lists exactly the README's error codes, with the same statuses", () => {
    const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8');
    const table = readme.slice(readme.indexOf('**Errors** are'), readme.indexOf('A sender that stalls'));
    const rows = [...table.matchAll(/^\| (\d{3}) \| `([a-z_]+)` \|/gm)].map((m) => [m[2], Number(m[1])]);
    expect(rows.length).toBeGreaterThan(10);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status])));
  });

  it('documents ?wait as exactly what parseWait accepts', () => {
    const documented = new RegExp(WAIT_QUERY_PATTERN);
    const agree = (raw: string): void => {
      expect(documented.test(raw), raw).toBe(!('problem' in parseWait(raw)));
    };
    for (const raw of ['0', '00', '8', '08', '8.0', '8.000', '7.999', '2.5', '8.001', '9', '10', '.5', '5.', '1.2345', '-1', ' 1', '1e0', '', 'NaN']) agree(raw);
    fc.assert(fc.property(fc.stringMatching(/^[0-9.]{0,7}$/), (raw) => agree(raw)));
    fc.assert(fc.property(fc.double({ min: 0, max: 12, noNaN: true }), (n) => agree(String(Math.round(n * 1000) / 1000))));
  });

  it('documents every field of the status view with a compatible type (checked by pnpm typecheck)', () => {
    type Documented = FromSchema<typeof statusViewSchema>;
    type Result = typeof statusViewSchema.properties.result;
    expectTypeOf<Exclude<keyof FallbackStatusView, keyof typeof statusViewSchema.properties>>().toEqualTypeOf<never>();
    expectTypeOf<Exclude<AllKeys<FallbackResult>, keyof Result['properties']>>().toEqualTypeOf<never>();
    expectTypeOf<Exclude<AllKeys<Target>, keyof typeof targetSchema.properties>>().toEqualTypeOf<never>();
    expectTypeOf<FallbackStatusView>().toExtend<Declared<Documented>>();
    expectTypeOf<FallbackStatusView['status']>().toEqualTypeOf<Documented['status']>();
    // The enums the document states are valid JSON Schema (what clients generate code from).
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    ajv.addFormat('date-time', true);
    expect(ajv.validateSchema(statusViewSchema), JSON.stringify(ajv.errors)).toBe(true);
  });
});
