import { describe, expect, it } from 'vitest';
import { rawPost, takeResponses } from './burst.js';

const res = (status: number, body: string) => `HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('takeResponses', () => {
  it('splits complete responses and keeps a partial one for the next chunk', () => {
    const two = res(202, '{"id":"a"}') + res(503, '{"error":{"code":"overloaded"}}');
    const partial = res(202, '{"id":"b"}').slice(0, 30);
    const { statuses, rest } = takeResponses(Buffer.from(two + partial));
    expect(statuses).toEqual([202, 503]);
    expect(rest.toString()).toBe(partial);
    const next = takeResponses(Buffer.concat([rest, Buffer.from(res(202, '{"id":"b"}').slice(30))]));
    expect(next).toMatchObject({ statuses: [202] });
    expect(next.rest.length).toBe(0);
  });
  it('waits for a body that has not fully arrived, and reads a header-only answer', () => {
    expect(takeResponses(Buffer.from(res(202, '{"id":"abc"}').slice(0, -2))).statuses).toEqual([]);
    expect(takeResponses(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')).statuses).toEqual([204]);
  });
  it('refuses bytes that are not an HTTP response', () => {
    expect(() => takeResponses(Buffer.from('garbage\r\n\r\n'))).toThrow(/not an HTTP response/);
  });
});

describe('rawPost', () => {
  it('frames a JSON POST with its byte length (not its character count)', () => {
    const text = rawPost('127.0.0.1:1', '/v1/fallbacks', { authorization: 'Bearer k' }, '{"x":"é"}').toString();
    expect(text).toMatch(/^POST \/v1\/fallbacks HTTP\/1\.1\r\n/);
    expect(text).toContain('content-length: 10\r\n');
    expect(text).toContain('authorization: Bearer k\r\n');
    expect(text.endsWith('\r\n\r\n{"x":"é"}')).toBe(true);
  });
});
