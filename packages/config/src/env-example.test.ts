import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { envCatalog, parseConfigTable, renderEnvExample } from './index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

describe('.env.example', () => {
  it('is what `pnpm env:example` writes from the schemas and the README (run it after adding a variable)', () => {
    expect(read('.env.example')).toBe(renderEnvExample(envCatalog(), parseConfigTable(read('README.md'))));
  });

  it('takes defaults, readers and required variables from the schemas', () => {
    const byName = new Map(envCatalog().map((v) => [v.name, v]));
    expect(byName.get('REDIS_URL')).toEqual({ name: 'REDIS_URL', processes: ['ingress', 'worker', 'fallbackctl'], default: 'redis://127.0.0.1:6379' });
    expect(byName.get('LOG_LEVEL')?.processes).toEqual(['ingress', 'worker', 'simulator']);
    expect(byName.get('BOT_PURPOSES')?.default).toBe('external,ivr');
    expect(byName.get('INGRESS_TRUST_PROXY')?.default).toBe('false');
    expect(byName.get('ADMIN_PASSWORD')?.default).toBeUndefined();
    expect([...byName.values()].filter((v) => v.required).map((v) => v.name).sort()).toEqual([
      'DEFAULT_QUEUE_ID',
      'GENESYS_CLIENT_ID',
      'GENESYS_CLIENT_SECRET',
      'INGRESS_API_KEYS',
    ]);
  });

  it('leaves required variables to fill in and comments out the rest with their default', () => {
    const text = read('.env.example');
    expect(text).toMatch(/\nDEFAULT_QUEUE_ID=\n/);
    expect(text).toMatch(/\n#INGRESS_PORT=8080\n/);
    expect(text).toContain('# Listen port. [ingress; default 8080]');
    expect(text).toContain('[worker; default https://api.{region}]'); // a default the schema derives, from the README
  });

  it('refuses a variable the README does not describe, naming it', () => {
    const schema = z.object({ NEW_THING: z.string().default('x'), INGRESS_PORT: z.string().default('8080') });
    expect(() => renderEnvExample(envCatalog({ ingress: schema }), parseConfigTable(read('README.md')))).toThrow('not in the README\'s configuration table: NEW_THING');
  });

  it('reads the README table with its Markdown', () => {
    const rows = parseConfigTable('| `A_B` | ingress | `5` | Does **this**; see [there](x.md). More. |\n| not a row |');
    expect([...rows]).toEqual([['A_B', { process: 'ingress', default: '5', meaning: 'Does this; see there. More.' }]]);
  });
});
