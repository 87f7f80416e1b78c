// The Alertmanager receiver stub of the compose stack: logs every notification it receives as one JSON line per
// alert on stdout (`docker compose logs -f alert-webhook`), so alerts visibly reach someone without an on-call
// account. Plain Node, no dependencies. Replace it with a real receiver in deploy/alertmanager/alertmanager.yml.
// PORT (default 9095); POST any path with Alertmanager's webhook JSON (version 4).
import http from 'node:http';

const port = Number(process.env.PORT ?? 9095);
const line = (o) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service: 'alert-webhook', ...o })}\n`);

const server = http.createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(req.url === '/healthz' ? 200 : 405, { 'content-type': 'text/plain' }).end(req.url === '/healthz' ? 'ok\n' : 'POST alerts here\n');
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
    // Alertmanager batches, but a notification is never megabytes: refuse anything that is.
    if (body.length > 1_000_000) req.destroy();
  });
  req.on('end', () => {
    let n;
    try {
      n = JSON.parse(body);
    } catch {
      line({ level: 'warn', msg: 'not JSON', bytes: body.length });
      res.writeHead(400).end();
      return;
    }
    for (const a of Array.isArray(n.alerts) ? n.alerts : []) {
      line({
        level: a.status === 'firing' && a.labels?.severity === 'critical' ? 'error' : 'warn',
        msg: 'alert',
        status: a.status,
        alertname: a.labels?.alertname,
        severity: a.labels?.severity,
        summary: a.annotations?.summary,
        labels: a.labels,
        startsAt: a.startsAt,
        endsAt: a.endsAt,
        receiver: n.receiver,
      });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}\n');
  });
});
server.listen(port, '0.0.0.0', () => line({ level: 'info', msg: 'alert webhook listening', port: server.address().port }));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
