/**
 * The Genesys simulator in its own process for load scenarios (so it does not take the measured processes' CPU),
 * with several OAuth clients: apps/genesys-sim accepts one client only, and multi-client runs need more.
 * Run-time settings (rate limit, delays, faults) go through the control API under /__sim.
 *
 * Env: BENCH_SIM_PORT, BENCH_SIM_CLIENTS (`id:secret,id:secret`).
 */
import { createSimulator } from '@fallback/genesys-sim';

const clients = Object.fromEntries(
  (process.env['BENCH_SIM_CLIENTS'] ?? 'sim-client:sim-secret').split(',').map((entry) => {
    const at = entry.indexOf(':');
    return [entry.slice(0, at), entry.slice(at + 1)];
  }),
);
// Keep every request of a run in the ledger (the default keeps 100,000): timing windows are read from it.
const sim = createSimulator({ rateLimitPerMinute: 0, transferDelayMs: 0, clients, requestLedgerLimit: 2_000_000 });
// TCP connections accepted: a client whose keep-alive pool churns opens far more than its concurrency.
let connections = 0;
sim.app.server.on('connection', () => (connections += 1));
sim.app.get('/__bench/connections', async () => ({ connections }));
sim.app.post('/__bench/connections/reset', async () => ({ connections: (connections = 0) }));
const url = await sim.listen(Number(process.env['BENCH_SIM_PORT'] ?? 0));
console.log(JSON.stringify({ msg: 'bench simulator listening', url, clients: Object.keys(clients) }));
process.on('SIGTERM', () => void sim.close().finally(() => process.exit(0)));
