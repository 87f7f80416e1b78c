import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type ServiceProcess } from '@fallback/testing';

/**
 * The compose stack's Alertmanager receiver (deploy/alertmanager/webhook-log.mjs) as its own process: an alert
 * notification in Alertmanager's webhook format (version 4) comes out as one log line per alert.
 */
describe('alert webhook stub', () => {
  let stub: ServiceProcess;
  let url: string;
  beforeAll(async () => {
    stub = startService('alert-webhook', 'deploy/alertmanager/webhook-log.mjs', { PORT: '0' });
    const listening = JSON.parse(await stub.waitForLine(/alert webhook listening/));
    url = `http://127.0.0.1:${listening.port}`;
  });
  afterAll(async () => {
    await stub?.kill('SIGTERM');
  });

  it('logs each alert of a notification, firing and resolved, with what an on-call person needs', async () => {
    const notification = {
      version: '4',
      groupKey: '{}:{alertname="FallbackRedisMemoryFull"}',
      status: 'firing',
      receiver: 'webhook-log',
      groupLabels: { alertname: 'FallbackRedisMemoryFull' },
      commonLabels: { alertname: 'FallbackRedisMemoryFull', severity: 'critical' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'FallbackRedisMemoryFull', severity: 'critical', node: 'redis:6379' },
          annotations: { summary: 'Redis redis:6379 is at 96% of maxmemory: new failures are about to be refused.' },
          startsAt: '2026-11-29T10:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus:9090/graph',
          fingerprint: 'a1',
        },
        {
          status: 'resolved',
          labels: { alertname: 'FallbackIngestSlow', severity: 'warning' },
          annotations: { summary: '1 % of failure webhooks wait more than 1 s.' },
          startsAt: '2026-11-29T09:00:00Z',
          endsAt: '2026-11-29T09:30:00Z',
          generatorURL: 'http://prometheus:9090/graph',
          fingerprint: 'b2',
        },
      ],
    };
    const res = await fetch(`${url}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(notification) });
    expect(res.status).toBe(200);
    const logged = await stub.waitForLine(/FallbackIngestSlow/).then(() => stub.lines.filter((l) => l.includes('"msg":"alert"')).map((l) => JSON.parse(l)));
    expect(logged).toEqual([
      expect.objectContaining({ level: 'error', status: 'firing', alertname: 'FallbackRedisMemoryFull', severity: 'critical', summary: expect.stringMatching(/96%/), labels: expect.objectContaining({ node: 'redis:6379' }) }),
      expect.objectContaining({ level: 'warn', status: 'resolved', alertname: 'FallbackIngestSlow', endsAt: '2026-11-29T09:30:00Z' }),
    ]);
  });

  it('answers a broken body 400 and a probe 200, and keeps running', async () => {
    expect((await fetch(`${url}/alerts`, { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(stub.child.exitCode).toBeNull();
  });
});
