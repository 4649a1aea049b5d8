/**
 * Benchmark: one API gateway process on loopback against the local NATS and PostgreSQL, driven by
 * autocannon. Prints requests/s and p50/p99 latency of
 *   - POST /api/v1/sessions/{id}/messages (202 = the command is stored in WA_COMMANDS), and
 *   - GET  /api/v1/sessions/{id}/status,
 * and checks that WA_COMMANDS holds exactly one command per 202.
 *
 *   node --import tsx test/bench/api-gateway.ts [seconds] [connections]   (default: 15 64)
 *
 * NATS_URL (default nats://127.0.0.1:4222) and DATABASE_URL (default the local PostgreSQL) say
 * where the servers are; the run uses its own NATS namespace and database and removes them.
 */
import { randomBytes } from 'node:crypto';
import { Bus } from '@wagate/bus';
import { Topology } from '@wagate/contracts';
import { createLogger } from '@wagate/observability';
import { createScratchDatabase, startServiceProcess } from '@wagate/test-servers/servers';
import autocannon from 'autocannon';

const seconds = Number(process.argv[2] ?? 15);
const connections = Number(process.argv[3] ?? 64);
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const print = (line: string) => process.stdout.write(`${line}\n`);

/** CPU seconds the gateway process has used, from its own /metrics. */
async function gatewayCpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith('wagate_process_cpu_seconds_total'));
  return Number(line?.split(' ').pop() ?? Number.NaN);
}

interface Figures {
  name: string;
  requestsPerSecond: number;
  ok: number;
  errors: number;
  p50: number;
  p99: number;
}

async function run(
  name: string,
  options: autocannon.Options & { url: string },
  okStatus: number,
  duration = seconds,
): Promise<Figures> {
  const base = new URL(options.url).origin;
  const cpuBefore = await gatewayCpuSeconds(base);
  const result = await autocannon({ ...options, connections, duration });
  const cpuMsPerRequest =
    (((await gatewayCpuSeconds(base)) - cpuBefore) * 1000) / Math.max(1, result.requests.total);
  const ok = result.statusCodeStats?.[String(okStatus) as keyof typeof result.statusCodeStats]?.count ?? 0;
  const figures = {
    name,
    requestsPerSecond: Math.round(ok / duration),
    ok,
    errors: result.errors + result.non2xx + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
  print(
    `${name.padEnd(44)} ${String(figures.requestsPerSecond).padStart(6)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms  (${ok} × ${okStatus}, ${figures.errors} errors, ${connections} connections, ${duration} s; gateway CPU ${cpuMsPerRequest.toFixed(3)} ms/request)`,
  );
  return figures;
}

const namespace = `bench${randomBytes(4).toString('hex')}`;
const adminKey = randomBytes(24).toString('base64url');
const database = await createScratchDatabase(adminUrl);
const gateway = await startServiceProcess({
  name: 'api-gateway',
  entry: 'services/api-gateway/src/main.ts',
  env: {
    NATS_URL: natsUrl,
    NATS_NAMESPACE: namespace,
    DATABASE_URL: database.url,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ADMIN_API_KEY: adminKey,
    PORT: '0',
    // The "ready on" line the harness waits for is an info line; requests log at debug.
    LOG_LEVEL: 'info',
  },
  readyTimeoutMs: 60_000,
});
const bus = await Bus.connect({
  url: natsUrl,
  name: 'bench',
  topology: new Topology({ namespace }),
  log: createLogger({ service: 'bench', level: 'warn', format: 'json' }),
});
try {
  const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
  const created = await fetch(`${gateway.url}/api/v1/sessions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ id: 'bench', name: 'Benchmark' }),
  });
  if (created.status !== 201) throw new Error(`creating the session answered ${created.status}`);
  const commandsBefore = (await bus.jsm.streams.info(bus.topology.streams.commands)).state.messages;

  print(`api-gateway benchmark: 1 gateway process, ${connections} connections, ${seconds} s per route`);
  await run(
    'warm-up (POST messages)',
    {
      url: `${gateway.url}/api/v1/sessions/bench/messages`,
      method: 'POST',
      headers,
      body: JSON.stringify({ to: '628123456789', content: { type: 'text', text: 'warm-up' } }),
    },
    202,
    5,
  );
  const warmCommands = (await bus.jsm.streams.info(bus.topology.streams.commands)).state.messages;
  const sends = await run(
    'POST /api/v1/sessions/{id}/messages (202)',
    {
      url: `${gateway.url}/api/v1/sessions/bench/messages`,
      method: 'POST',
      headers,
      body: JSON.stringify({
        to: '+62 812-3456-789',
        content: { type: 'text', text: 'Hello from the benchmark' },
      }),
    },
    202,
  );
  const stored = (await bus.jsm.streams.info(bus.topology.streams.commands)).state.messages - warmCommands;
  await run(
    'GET /api/v1/sessions/{id}/status (200)',
    { url: `${gateway.url}/api/v1/sessions/bench/status`, headers },
    200,
  );
  // Requests still in flight when autocannon stops are stored but not counted by it.
  const accounted = stored >= sends.ok && stored - sends.ok <= connections;
  print(
    `WA_COMMANDS holds ${stored} new commands for ${sends.ok} answers 202 (${accounted ? `every 202 stored; ${stored - sends.ok} more answered after autocannon stopped counting` : 'MISMATCH'}); ${warmCommands - commandsBefore} from the warm-up`,
  );
  print(
    `target: ≥ 3000 accepted sends/s at p99 ≤ 50 ms → ${sends.requestsPerSecond >= 3000 && sends.p99 <= 50 ? 'met' : 'NOT met'}`,
  );
} finally {
  await gateway.stop('SIGTERM');
  for await (const name of bus.jsm.streams.names()) {
    if (name.startsWith(`${namespace}_`) || name.startsWith(`KV_${namespace}_`))
      await bus.jsm.streams.delete(name);
  }
  await bus.close();
  await database.drop();
}
