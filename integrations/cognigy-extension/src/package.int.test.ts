/**
 * The archive Cognigy uploads: built by the package script, unpacked, and its node run by a plain Node process
 * that require()s build/module.js the way Cognigy does (no TypeScript, no workspace, only the archive's own
 * node_modules) against a real ingress.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestIngress, TEST_KEY, TEST_QUEUE, type TestIngress } from '@fallback/ingress/test/test-app.js';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the uploadable extension archive', () => {
  let work: string;
  let archive: string;
  let unpacked: string;
  let t: TestIngress;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'cognigy-ext-'));
    archive = execFileSync(process.execPath, [path.join(here, 'scripts/package.mjs'), '--out', work], { encoding: 'utf8' }).trim().split('\n').pop()!;
    unpacked = path.join(work, 'unpacked');
    execFileSync('mkdir', ['-p', unpacked]);
    execFileSync('tar', ['-xzf', archive, '-C', unpacked]);
    t = await startTestIngress({ redisUrl: inject('redisUrl'), name: 'cognigy-archive' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the compiled module, its production dependencies and a manifest without workspace links', () => {
    expect(path.basename(archive)).toMatch(/^genesys-fallback-\d+\.\d+\.\d+\.tar\.gz$/);
    const entries = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(entries).toEqual(expect.arrayContaining(['build/module.js', 'build/nodes/genesys-fallback.js', 'package.json', 'package-lock.json', 'README.md', 'icon.png', 'node_modules/@cognigy/extension-tools/package.json']));
    // Test rooms never ship.
    expect(entries.filter((e) => /test|testing/.test(e) && e.startsWith('build/'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8'));
    expect(manifest).toEqual({
      name: 'genesys-fallback',
      version: expect.any(String),
      description: expect.any(String),
      main: 'build/module.js',
      license: 'UNLICENSED',
      dependencies: { '@cognigy/extension-tools': '0.14.0' },
    });
    const lock = JSON.parse(readFileSync(path.join(unpacked, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/@cognigy/extension-tools']).toMatchObject({ version: '0.14.0', integrity: expect.stringMatching(/^sha512-/) });
    expect(readdirSync(path.join(unpacked, 'node_modules'))).toEqual(['@cognigy']);
  });

  it("runs from the archive alone: Cognigy's require() of main, the node against the ingress", async () => {
    const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const script = `
      const extension = require(require('path').join(process.cwd(), require('./package.json').main)).default;
      const node = extension.nodes.find((n) => n.type === 'genesysFallback');
      const recorded = { next: [], context: {}, types: extension.nodes.map((n) => n.type), connections: extension.connections.map((c) => c.type) };
      const api = { setNextNode: (id) => recorded.next.push(id), addToContext: (k, v) => (recorded.context[k] = v), log: () => {} };
      node.function({
        cognigy: { api, input: { sessionId: 's', inputId: 'archive-1' }, context: {} },
        config: JSON.parse(process.argv[1]),
        childConfigs: [{ id: 'ok', type: 'onFallbackAccepted' }, { id: 'err', type: 'onFallbackError' }],
        nodeId: 'n',
      }).then(() => console.log(JSON.stringify(recorded)));
    `;
    const config = { authType: 'apiKey', apiKeyConnection: { serviceUrl: url, apiKey: TEST_KEY }, conversationId: '2b80f5c9-cb7b-430b-8607-1862b7380c1f', failureType: 'BOT_UNREACHABLE' };
    // Asynchronously: the ingress answering the child runs in this process.
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(config)], { cwd: unpacked, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
    const recorded = JSON.parse(stdout);
    expect(recorded.types).toEqual(['genesysFallback', 'onFallbackAccepted', 'onFallbackError']);
    expect(recorded.connections).toEqual(['genesysFallbackApiKey', 'genesysFallbackWebhook']);
    expect(recorded.next).toEqual(['ok']);
    expect(recorded.context.genesysFallback).toMatchObject({ ok: true, httpStatus: 202, target: { kind: 'queue', queueId: TEST_QUEUE } });
  });
});
