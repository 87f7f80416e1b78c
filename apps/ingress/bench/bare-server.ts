/**
 * The baseline of the ingest benchmark: a bare Fastify route doing what any JSON endpoint does (parse the body,
 * answer 202) and nothing of ours. The ingress is measured against it in the same run, on the same machine.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/v1/fallbacks', async (request, reply) => reply.code(202).send({ id: 'fb-bare', status: 'queued', echo: typeof request.body }));
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env['PORT'] ?? 0) });
process.stdout.write(`bare listening ${address}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
