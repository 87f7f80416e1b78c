import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

const SECRET = 'S3cr3t-value-never-logged';

/** Logs `objects` through a real pino logger and returns the JSON lines it wrote. */
function logLines(objects: object[]): string[] {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const logger = createLogger({ name: 'test', level: 'info', destination: out });
  for (const o of objects) logger.info(o, 'line');
  return chunks.join('').split('\n').filter(Boolean);
}

describe('createLogger', () => {
  it('writes one JSON object per line with the service name and ISO time (pretty only when asked)', () => {
    const [line] = logLines([{ jobId: 'fb-1', conversationId: 'c-1' }]);
    const parsed = JSON.parse(line!);
    expect(parsed).toMatchObject({ level: 'info', service: 'test', jobId: 'fb-1', conversationId: 'c-1', msg: 'line' });
    expect(parsed.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('redacts secrets, tokens and signatures in every shape we have seen them logged', () => {
    const shapes = [
      { authorization: `Bearer ${SECRET}` },
      { headers: { authorization: `Bearer ${SECRET}`, Authorization: `Basic ${SECRET}`, cookie: SECRET, 'webhook-signature': `v1,${SECRET}`, 'x-api-key': SECRET } },
      { req: { headers: { authorization: SECRET, 'webhook-signature': SECRET, cookie: SECRET } } },
      { request: { headers: { Authorization: SECRET } } },
      { err: { message: 'boom', config: { headers: { Authorization: SECRET }, data: `client_secret=${SECRET}`, auth: { password: SECRET } } } },
      { err: { request: { _header: SECRET }, response: { data: { access_token: SECRET } } } },
      { token: SECRET, accessToken: SECRET, access_token: SECRET, clientSecret: SECRET, client_secret: SECRET, password: SECRET, secret: SECRET },
      { body: { access_token: SECRET }, creds: { clientSecret: SECRET } },
      { config: { apiKeys: [SECRET], genesys: { clientSecret: SECRET }, admin: { password: SECRET } } },
      { env: { GENESYS_CLIENT_SECRET: SECRET, INGRESS_API_KEYS: SECRET, ADMIN_PASSWORD: SECRET } },
      { signature: SECRET, webhookSecrets: [SECRET] },
      // ioredis' ReplyError of a wrong Redis password, and Node's "Invalid URL" of a mistyped REDIS_URL.
      { err: Object.assign(new Error('WRONGPASS invalid username-password pair'), { command: { name: 'auth', args: [SECRET] } }) },
      { err: Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input: `redis://ops:${SECRET}@redis:6379` }) },
      { cause: { command: { name: 'hello', args: ['3', 'AUTH', 'ops', SECRET] } } },
    ];
    const lines = logLines(shapes);
    expect(lines).toHaveLength(shapes.length);
    for (const line of lines) expect(line).not.toContain(SECRET);
    expect(lines.join('\n')).toContain('[redacted]');
  });
});
