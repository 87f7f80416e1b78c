import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './json.js';
import { parseWait } from './wait.js';

describe('parseJsonBody', () => {
  it.each([
    ['{"a":1}', { value: { a: 1 } }],
    ['', { problem: 'empty_body' }],
    ['{"a":', { problem: 'invalid_json' }],
    ['{"__proto__":{"admin":true}}', { problem: 'forbidden_property' }],
    ['{"a":{"b":[{"__proto__":{}}]}}', { problem: 'forbidden_property' }],
    ['{"\\u005f_proto__":{}}', { problem: 'forbidden_property' }],
    ['{"constructor":{"prototype":{"admin":true}}}', { problem: 'forbidden_property' }],
    ['{"constructor":"a plain value is fine"}', { value: { constructor: 'a plain value is fine' } }],
  ])('%s', (text, expected) => expect(parseJsonBody(text)).toEqual(expected));
});

describe('parseWait', () => {
  it.each([
    [undefined, { ms: 0 }],
    ['0', { ms: 0 }],
    ['2.5', { ms: 2500 }],
    ['8', { ms: 8000 }],
  ])('%j → %j', (raw, expected) => expect(parseWait(raw)).toEqual(expected));
  it.each(['9', '8.001', '-1', 'soon', '', '1e3', ['1', '2']])('refuses %j naming /wait', (raw) => {
    expect(parseWait(raw)).toMatchObject({ problem: { field: '/wait' } });
  });
});
