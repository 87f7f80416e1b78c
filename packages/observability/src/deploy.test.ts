/**
 * The deploy artifacts are code too: docker-compose.yml against the Compose Specification's JSON schema (the
 * copy dclint ships), the Dockerfile's shape, Prometheus' scrape targets, and every PromQL expression of the
 * alerts and the Grafana dashboard parsed and checked against the metric catalog. No Docker engine needed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envVarNames } from '@fallback/config';
import { METRIC_NAMES } from './metrics.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');
const yamlOf = (p: string) => parse(read(p), { merge: true }) as any;

let validateCompose: ValidateFunction | undefined;
/** Validates a compose document against the Compose Specification schema. */
function composeErrors(doc: unknown): string[] {
  if (!validateCompose) {
    const pkg = createRequire(import.meta.url).resolve('dclint/package.json');
    const schema = JSON.parse(readFileSync(path.join(path.dirname(pkg), 'schemas/compose.schema.json'), 'utf8'));
    // Draft-07, named by an https URL Ajv does not register under; Ajv's default draft is draft-07.
    delete schema.$schema;
    validateCompose = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  }
  return validateCompose(doc) ? [] : (validateCompose.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

describe('docker-compose.yml', () => {
  const compose = yamlOf('docker-compose.yml');
  const services = compose.services as Record<string, any>;

  it('is valid against the Compose Specification, and so is the live override', () => {
    expect(composeErrors(compose)).toEqual([]);
    expect(composeErrors(yamlOf('deploy/compose.live.yml'))).toEqual([]);
  });

  it('the validator does catch a broken file', () => {
    const broken = structuredClone(compose);
    broken.services.worker.deploy.replicas = [2]; // strings are allowed (interpolation), a list is not
    broken.services.redis.healtcheck = {}; // typo of healthcheck
    const errors = composeErrors(broken);
    expect(errors.some((e) => e.includes('/services/worker/deploy/replicas'))).toBe(true);
    expect(errors.some((e) => e.includes('healtcheck'))).toBe(true);
  });

  it('runs the demo without credentials: Redis with AOF and noeviction, ingress, two workers, the simulator', () => {
    expect(services['redis'].command.join(' ')).toMatch(/--appendonly yes .*--maxmemory-policy noeviction/);
    expect(services['worker'].deploy.replicas).toBe(2);
    for (const name of ['redis', 'ingress', 'worker', 'genesys-sim']) expect(services[name].profiles, name).toBeUndefined();
    expect(services['worker'].environment.GENESYS_API_URL).toContain('http://genesys-sim:8090');
    expect(services['worker'].environment.WORKER_HTTP_PORT).toBe('9091');
    expect(services['ingress'].environment.ADMIN_PASSWORD).toMatch(/:-.{12,}\}$/);
    for (const name of ['ingress', 'worker', 'genesys-sim']) expect(services[name].healthcheck?.test, name).toBeDefined();
  });

  it('bounds Redis (maxmemory, noeviction) and restarts every long-running service by itself', () => {
    const redis = services['redis'].command.join(' ');
    expect(redis).toMatch(/--maxmemory \d+(mb|gb)\b/);
    expect(redis).toMatch(/--maxmemory-policy noeviction/);
    for (const [name, service] of Object.entries(services)) expect(['unless-stopped', 'always'], name).toContain(service.restart);
  });

  it('puts Prometheus, Alertmanager, its receiver stub and Grafana in the observability profile with the files they need', () => {
    for (const name of ['prometheus', 'alertmanager', 'alert-webhook', 'grafana']) {
      expect(services[name].profiles).toEqual(['observability']);
      for (const volume of services[name].volumes as string[]) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(path.join(ROOT, source)), source).toBe(true);
      }
    }
  });

  it('sets only environment variables the processes read', () => {
    const names = envVarNames();
    const known: Record<string, string[]> = { ingress: names.ingress, worker: names.worker, 'genesys-sim': names.sim };
    for (const file of ['docker-compose.yml', 'deploy/compose.live.yml']) {
      const doc = yamlOf(file);
      for (const [service, vars] of Object.entries(known))
        for (const key of Object.keys(doc.services[service]?.environment ?? {})) expect(vars, `${file}: ${service} ${key}`).toContain(key);
    }
  });

  it('the live override turns the simulator off and demands real credentials', () => {
    const live = yamlOf('deploy/compose.live.yml');
    expect(live.services['genesys-sim'].profiles).toEqual(['demo']);
    expect(services['worker'].depends_on['genesys-sim'].required).toBe(false);
    for (const v of ['GENESYS_CLIENT_ID', 'GENESYS_CLIENT_SECRET', 'GENESYS_REGION']) expect(live.services.worker.environment[v]).toMatch(/^\$\{\w+:\?/);
    expect(live.services.ingress.environment.INGRESS_API_KEYS).toMatch(/^\$\{\w+:\?/);
    for (const name of ['ingress', 'worker']) expect(live.services[name].environment.REDIS_REQUIRE_DURABLE, name).toBe('${REDIS_REQUIRE_DURABLE:-true}');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('is multi-stage and runs as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const user = /^USER\s+(\S+)/m.exec(stages.at(-1)!)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('runs Node 22 LTS from base images pinned to an exact release (or a digest)', () => {
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const image of froms) expect(image, image).toMatch(/^node:22\.\d+\.\d+-[a-z]+(-slim)?(@sha256:[0-9a-f]{64})?$|^node@sha256:[0-9a-f]{64}$/);
  });

  it('the runtime stage holds only what deploy-apps.mjs produced in the build stage: nothing installed, nothing else copied', () => {
    const runtime = stages.at(-1)!;
    const build = stages.find((st) => /\bAS build\b/.test(st.split('\n')[0]!))!;
    const out = /node deploy\/image\/deploy-apps\.mjs (\S+)/.exec(build)?.[1];
    expect(out).toBeDefined();
    const workdir = /^WORKDIR\s+(\S+)/m.exec(build)![1];
    const copies = [...runtime.matchAll(/^COPY\s+(.*)$/gm)].map((m) => m[1]);
    expect(copies).toEqual([`--from=build ${workdir}/${out}/ /app/`]);
    expect(runtime).not.toMatch(/^RUN\b/m);
    expect(runtime).toMatch(/^ENV NODE_ENV=production$/m);
  });

  it('starts node with source maps and the dist condition, here and in every compose command', () => {
    const cmd = JSON.parse(/^CMD\s+(\[.*\])$/m.exec(stages.at(-1)!)![1]!) as string[];
    expect(cmd.slice(0, 3)).toEqual(['node', '--enable-source-maps', '--conditions=fallback-dist']);
    const compose = yamlOf('docker-compose.yml');
    for (const name of ['ingress', 'worker', 'genesys-sim']) expect(compose.services[name].command.slice(0, 3), name).toEqual(cmd.slice(0, 3));
  });

  it('every other image in compose is pinned to an exact version', () => {
    const compose = yamlOf('docker-compose.yml');
    for (const [name, service] of Object.entries(compose.services as Record<string, any>)) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/:v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$|@sha256:[0-9a-f]{64}$/);
    }
  });

  it('copies the manifest of every workspace package before installing (or the frozen install fails)', () => {
    const patterns = (parse(read('pnpm-workspace.yaml')) as { packages: string[] }).packages;
    const manifests: string[] = [];
    for (const pattern of patterns) {
      const base = pattern.replace(/\/\*$/, '');
      const dirs = pattern.endsWith('/*') ? readdir(base).map((d) => `${base}/${d}`) : [base];
      for (const d of dirs) if (existsSync(path.join(ROOT, d, 'package.json'))) manifests.push(`${d}/package.json`);
    }
    expect(manifests.length).toBeGreaterThan(10);
    for (const m of manifests) expect(stages[0], m).toContain(`COPY ${m} `);
  });
});

function readdir(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir));
}

/** Syntax errors lezer-promql finds in an expression (Grafana's $__ variables replaced by a duration first). */
function promqlErrors(expr: string): string[] {
  const text = expr.replace(/\$__(rate_interval|interval|range)/g, '5m');
  const errors: string[] = [];
  parser.parse(text).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: "${text.slice(Math.max(0, node.from - 10), node.to + 10)}"`);
    },
  });
  return errors;
}

const HISTOGRAMS: string[] = [METRIC_NAMES.ingestDuration, METRIC_NAMES.webhookToTransfer, METRIC_NAMES.genesysDuration];
const CATALOG = new Set<string>([...Object.values(METRIC_NAMES), ...HISTOGRAMS.flatMap((h) => ['_bucket', '_sum', '_count'].map((s) => h + s))]);
const fallbackNames = (expr: string) => [...expr.matchAll(/\bfallback_[a-z_]+\b/g)].map((m) => m[0]);

describe('PromQL in alerts and the dashboard', () => {
  const alerts = yamlOf('deploy/prometheus/alerts.yml').groups.flatMap((g: any) => g.rules) as { alert: string; expr: string }[];
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/fallback.json'));
  const panelExprs = (dashboard.panels as any[]).flatMap((p) => (p.targets as any[]).map((t) => ({ title: p.title as string, expr: t.expr as string })));

  it('the parser does catch a broken expression', () => {
    expect(promqlErrors('sum(rate(fallback_jobs_total[5m])')).not.toEqual([]);
    expect(promqlErrors('sum by (reason) (increase(fallback_jobs_total{outcome="failed"}[10m])) > 0')).toEqual([]);
  });

  it('every alert parses and uses only catalog metrics', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const a of alerts) {
      expect(promqlErrors(a.expr), a.alert).toEqual([]);
      for (const name of fallbackNames(a.expr)) expect(CATALOG.has(name), `${a.alert}: ${name}`).toBe(true);
    }
  });

  it('alerts on ingest p99, load shedding, Genesys 5xx / no answer, and Redis memory against maxmemory', () => {
    const expr = (name: string) => alerts.find((a) => a.alert === name)?.expr ?? '';
    expect(expr('FallbackIngestSlow')).toMatch(/histogram_quantile\(0\.99, .*fallback_ingest_duration_seconds_bucket/);
    expect(expr('FallbackIngressShedding')).toContain('fallback_ingest_requests_total{code="overloaded"}');
    expect(expr('FallbackGenesysErrors')).toMatch(/fallback_genesys_requests_total\{status=~"5\.\.\|0"\}.*\/.*fallback_genesys_requests_total/);
    for (const name of ['FallbackRedisMemoryHigh', 'FallbackRedisMemoryFull'])
      expect(expr(name)).toMatch(/fallback_redis_memory_used_bytes.*\/.*fallback_redis_memory_max_bytes > 0\)/);
    expect(expr('FallbackRedisNoMaxmemory')).toContain('fallback_redis_memory_max_bytes');
  });

  it('every alert has a severity Alertmanager routes on and a summary', () => {
    for (const a of alerts as any[]) {
      expect(['critical', 'warning'], a.alert).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
    }
  });

  it('every dashboard query parses and uses only catalog metrics, and the dashboard shows every metric', () => {
    const used = new Set<string>();
    for (const { title, expr } of panelExprs) {
      expect(promqlErrors(expr), title).toEqual([]);
      for (const name of fallbackNames(expr)) {
        expect(CATALOG.has(name), `${title}: ${name}`).toBe(true);
        used.add(name.replace(/_(bucket|sum|count)$/, ''));
      }
    }
    const shownOnlyAsAlert = new Set<string>([METRIC_NAMES.collectErrors]);
    for (const name of Object.values(METRIC_NAMES)) if (!shownOnlyAsAlert.has(name)) expect(used.has(name), name).toBe(true);
  });

  it('panels use the provisioned Prometheus data source', () => {
    const uid = yamlOf('deploy/grafana/provisioning/datasources/prometheus.yml').datasources[0].uid;
    for (const p of dashboard.panels as any[]) expect(p.datasource.uid, p.title).toBe(uid);
    const provider = yamlOf('deploy/grafana/provisioning/dashboards/fallback.yml').providers[0];
    const compose = yamlOf('docker-compose.yml');
    expect(compose.services.grafana.volumes).toContain(`./deploy/grafana/dashboards:${provider.options.path}:ro`);
  });
});

describe('Alertmanager', () => {
  const compose = yamlOf('docker-compose.yml');
  const am = yamlOf('deploy/alertmanager/alertmanager.yml');

  it('Prometheus sends its alerts to the compose Alertmanager', () => {
    const prom = yamlOf('deploy/prometheus/prometheus.yml');
    expect(prom.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
    expect(compose.services.alertmanager.ports).toContain('9093:9093');
    const mount = (compose.services.alertmanager.volumes as string[]).find((v) => v.startsWith('./deploy/alertmanager/alertmanager.yml:'))!.split(':')[1];
    expect(compose.services.alertmanager.command).toContain(`--config.file=${mount}`);
  });

  it('every route names a declared receiver, and the default one reaches the webhook stub on its port', () => {
    const names = (am.receivers as { name: string }[]).map((r) => r.name);
    const routes = [am.route, ...((am.route.routes ?? []) as { receiver?: string }[])];
    for (const r of routes) if (r.receiver) expect(names).toContain(r.receiver);
    const receiver = (am.receivers as any[]).find((r) => r.name === am.route.receiver);
    const url = new URL(receiver.webhook_configs[0].url);
    expect(url.hostname).toBe('alert-webhook');
    expect(url.port).toBe(compose.services['alert-webhook'].environment.PORT);
    expect(receiver.webhook_configs[0].send_resolved).toBe(true);
  });

  it('the inhibition names alerts that exist', () => {
    const alerts = new Set(yamlOf('deploy/prometheus/alerts.yml').groups.flatMap((g: any) => g.rules.map((r: any) => r.alert)));
    for (const rule of am.inhibit_rules as any[])
      for (const m of [...rule.source_matchers, ...rule.target_matchers]) expect(alerts.has(/alertname="(\w+)"/.exec(m)![1]), m).toBe(true);
  });
});

describe('Prometheus scrape config', () => {
  it('scrapes the ingress and every worker replica on the ports compose gives them, with the alert rules loaded', () => {
    const prom = yamlOf('deploy/prometheus/prometheus.yml');
    const compose = yamlOf('docker-compose.yml');
    const jobs = Object.fromEntries((prom.scrape_configs as any[]).map((j) => [j.job_name, j]));
    expect(jobs['ingress'].static_configs[0].targets).toEqual([`ingress:${compose.services.ingress.environment.INGRESS_PORT}`]);
    expect(jobs['worker'].dns_sd_configs[0]).toMatchObject({ names: ['worker'], type: 'A', port: Number(compose.services.worker.environment.WORKER_HTTP_PORT) });
    const mount = (compose.services.prometheus.volumes as string[]).find((v) => v.startsWith('./deploy/prometheus:'))!.split(':')[1]!;
    expect(prom.rule_files).toEqual([`${mount}/alerts.yml`]);
  });
});

describe('README', () => {
  it('documents every metric and every alert', () => {
    const readme = read('README.md');
    for (const name of Object.values(METRIC_NAMES)) expect(readme, name).toContain(`\`${name}\``);
    for (const g of yamlOf('deploy/prometheus/alerts.yml').groups) for (const r of g.rules) expect(readme, r.alert).toContain(`\`${r.alert}\``);
  });
});
