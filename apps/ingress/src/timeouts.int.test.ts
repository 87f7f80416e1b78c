/**
 * Slow clients over a real socket: a sender that stops mid-body, or trickles it, has its connection closed by
 * the idle or the request timeout, and nothing is enqueued.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '@fallback/testing';
import { startTestIngress, TEST_KEY, type TestIngress } from '../test/test-app.js';

const HEAD = (length: number) =>
  `POST /v1/fallbacks HTTP/1.1\r\nHost: ingress\r\nAuthorization: Bearer ${TEST_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

/** Opens a socket, sends the request head and part of a body; resolves the socket and what it received. */
async function slowClient(port: number, first: string) {
  const socket = net.connect(port, '127.0.0.1');
  const received: string[] = [];
  let closed = false;
  socket.on('data', (d) => received.push(d.toString()));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(first);
  return { socket, received, isClosed: () => closed };
}

describe('slow clients', () => {
  let t: TestIngress;
  let port: number;
  beforeAll(async () => {
    t = await startTestIngress({ redisUrl: inject('redisUrl'), name: 'timeouts', config: { timeouts: { requestMs: 1500, connectionMs: 500 } } });
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = Number(new URL(address).port);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('closes the connection of a sender that stops in the middle of its body', async () => {
    const c = await slowClient(port, `${HEAD(200)}{"conversationId":`);
    await waitFor(() => c.isClosed(), { timeoutMs: 10_000, what: 'the server to close the stalled connection' });
    expect(await t.jobIds()).toEqual([]);
  });

  it('closes the connection of a sender that trickles its body (each byte within the idle timeout)', async () => {
    const body = `{"conversationId":"2b80f5c9-cb7b-430b-8607-1862b7380c1f","eventId":"${'x'.repeat(150)}"}`;
    const c = await slowClient(port, HEAD(body.length));
    let sent = 0;
    // The slow client itself: one byte every 100 ms, i.e. ~20 s for the body, well past the request timeout.
    const drip = setInterval(() => {
      if (c.isClosed() || sent >= body.length) return clearInterval(drip);
      c.socket.write(body[sent++]!);
    }, 100);
    try {
      await waitFor(() => c.isClosed(), { timeoutMs: 15_000, what: 'the server to close the trickling connection' });
    } finally {
      clearInterval(drip);
    }
    expect(sent).toBeLessThan(body.length);
    // Node answers the request timeout with 408 before closing.
    expect(c.received.join('')).toMatch(/^HTTP\/1\.1 408/);
    expect(await t.jobIds()).toEqual([]);
  });
});
