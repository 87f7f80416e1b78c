import net from 'node:net';

/**
 * An open-loop burst generator for the overload scenario. A bot outage makes calls fail independently of how fast
 * we answer, so failures must arrive on a schedule, not one after another's answer (autocannon's closed loop would
 * slow down with the server and never overload it). On two shared cores the generator must also be cheap: raw
 * keep-alive sockets, requests serialised before the burst, responses framed by Content-Length, requests pipelined
 * when a socket has one in flight. Each answer time is measured from the request's scheduled send time, so time a
 * request waited in the generator or the server's socket counts (no coordinated omission).
 */

/** One answer: HTTP status, ms from when it was due to be sent, and ms from when it was written to the socket. */
export interface BurstAnswer {
  status: number;
  ms: number;
  wireMs: number;
}

/** Splits complete HTTP/1.1 responses off the front of `buf`: their statuses and the bytes left over. Pure. */
export function takeResponses(buf: Buffer): { statuses: number[]; rest: Buffer } {
  const statuses: number[] = [];
  let at = 0;
  for (;;) {
    const headEnd = buf.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd < 0) break;
    const head = buf.toString('latin1', at, headEnd);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
    if (!Number.isInteger(status)) throw new Error(`not an HTTP response: ${JSON.stringify(head.slice(0, 40))}`);
    // Our ingress always sends Content-Length (JSON answers); chunked framing is not supported here.
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    const end = headEnd + 4 + length;
    if (end > buf.length) break;
    statuses.push(status);
    at = end;
  }
  return { statuses, rest: at === 0 ? buf : buf.subarray(at) };
}

/** A POST with a JSON body, serialised once. */
export function rawPost(host: string, path: string, headers: Record<string, string>, body: string): Buffer {
  const lines = [`POST ${path} HTTP/1.1`, `host: ${host}`, 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, 'connection: keep-alive'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** What runBurst measured. */
export interface BurstResult {
  offered: number;
  /** From the first scheduled send to the last scheduled send, s. */
  spreadSec: number;
  answers: BurstAnswer[];
  /** Requests without an answer when the run gave up (socket errors or past `giveUpMs`). */
  unanswered: number;
  socketErrors: number;
  /** From the first scheduled send to the last answer, ms. */
  lastAnswerMs: number;
  /** Requests that waited for a free connection at the sender, and their longest wait (ms). */
  waitedForConnection: number;
  maxConnectionWaitMs: number;
}

interface Conn {
  s: net.Socket;
  /** When the request on the wire was due, and when it was written; undefined when idle. */
  due?: number;
  wrote?: number;
  buf: Buffer;
  dead: boolean;
}

/** Opens `count` keep-alive sockets, a few hundred at a time (a listen backlog is 511 by default). */
async function openSockets(port: number, count: number): Promise<net.Socket[]> {
  const out: net.Socket[] = [];
  while (out.length < count) {
    const batch = Math.min(200, count - out.length);
    out.push(
      ...(await Promise.all(
        Array.from(
          { length: batch },
          () =>
            new Promise<net.Socket>((resolve, reject) => {
              const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
              s.once('connect', () => resolve(s));
              s.once('error', reject);
            }),
        ),
      )),
    );
  }
  return out;
}

/**
 * Sends `requests` to 127.0.0.1:`port` spread evenly over `spreadMs`, as a sender with `connections` keep-alive
 * sockets would: one request per socket at a time (no pipelining: a sender does not, and a 503 must not wait
 * behind another answer); a request due while every socket is busy waits for the next free one, and that wait
 * counts in its answer time. Waits for every answer or until `giveUpMs` after the first send.
 */
export async function runBurst(opts: { port: number; requests: readonly Buffer[]; spreadMs: number; connections: number; giveUpMs: number }): Promise<BurstResult> {
  const { port, requests, spreadMs, connections, giveUpMs } = opts;
  const answers: BurstAnswer[] = [];
  let socketErrors = 0;
  let lost = 0;
  const conns: Conn[] = (await openSockets(port, connections)).map((s) => ({ s, buf: Buffer.alloc(0), dead: false }));
  const idle: Conn[] = [...conns];
  /** Due times of requests waiting for a socket, oldest first (a ring would be faster; this is not the bottleneck). */
  const waiting: number[] = [];
  let head = 0;
  let sent = 0;
  let waitedForConnection = 0;
  let maxConnectionWaitMs = 0;
  let t0 = 0;
  let lastAnswerAt = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const settled = () => answers.length + lost >= requests.length;
  const write = (c: Conn, due: number, now: number) => {
    c.due = due;
    c.wrote = now;
    c.s.write(requests[sent]!);
    sent += 1;
  };
  /** Gives a free socket the oldest waiting request, or puts it back in the idle pool. */
  const release = (c: Conn, now: number) => {
    c.due = undefined;
    if (head < waiting.length) {
      const due = waiting[head]!;
      head += 1;
      waitedForConnection += 1;
      maxConnectionWaitMs = Math.max(maxConnectionWaitMs, now - due);
      write(c, due, now);
    } else idle.push(c);
  };
  for (const c of conns) {
    c.s.removeAllListeners('error');
    c.s.on('data', (chunk) => {
      const now = performance.now();
      const { statuses, rest } = takeResponses(c.buf.length ? Buffer.concat([c.buf, chunk]) : chunk);
      c.buf = rest;
      if (statuses.length === 0) return;
      if (statuses.length > 1 || c.due === undefined) throw new Error('an answer nobody asked for');
      answers.push({ status: statuses[0]!, ms: now - c.due, wireMs: now - c.wrote! });
      lastAnswerAt = now;
      release(c, now);
      if (settled()) done();
    });
    const fail = () => {
      if (c.dead) return;
      c.dead = true;
      if (c.due !== undefined) lost += 1;
      c.due = undefined;
      const i = idle.indexOf(c);
      if (i >= 0) idle.splice(i, 1);
      if (settled()) done();
    };
    c.s.on('error', () => {
      socketErrors += 1;
      fail();
    });
    c.s.on('close', fail);
  }
  t0 = performance.now();
  let scheduled = 0;
  const perMs = requests.length / Math.max(1, spreadMs);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(requests.length, Math.floor((now - t0) * perMs) + 1);
      for (; scheduled < due; scheduled += 1) {
        const at = t0 + scheduled / perMs;
        const c = idle.pop();
        if (c) write(c, at, now);
        else waiting.push(at);
      }
      if (scheduled >= requests.length) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  const giveUp = setTimeout(done, Math.max(0, giveUpMs - (performance.now() - t0)));
  if (!settled()) await finished;
  clearTimeout(giveUp);
  for (const c of conns) c.s.destroy();
  return {
    offered: requests.length,
    spreadSec: spreadMs / 1000,
    answers,
    unanswered: requests.length - answers.length,
    socketErrors,
    lastAnswerMs: lastAnswerAt ? lastAnswerAt - t0 : Number.NaN,
    waitedForConnection,
    maxConnectionWaitMs,
  };
}
