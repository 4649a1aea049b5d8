/**
 * Benchmark: one webhook dispatcher process (`services/webhook-dispatcher/src/main.ts`) delivering
 * to a local HTTP sink, on its own nats-server and a scratch PostgreSQL database. Prints
 *   1. deliveries/s draining a backlog of events (fan-out, signing, HTTP, log, ack), and
 *   2. p50/p99 event-to-delivery latency with events published at a steady rate.
 *
 *   node --import tsx test/bench/webhook-dispatcher.ts [backlog events] [rate/s] [seconds]
 *   (default: 20000 1000 10; WEBHOOK_* and *_CONCURRENCY variables are passed to the dispatcher;
 *   BENCH_NODE_ARGS are given to its Node, e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof')
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { Bus } from '@wagate/bus';
import { createEvent, Topology } from '@wagate/contracts';
import { AccountsRepository, openDatabase, SecretBox, WebhooksRepository } from '@wagate/db';
import { createLogger } from '@wagate/observability';
import {
  acquireNatsServer,
  acquirePostgresServer,
  createScratchDatabase,
  type ServiceProcess,
  startServiceProcess,
} from '@wagate/test-servers/servers';

const [backlogEvents = 20_000, ratePerSecond = 1_000, steadySeconds = 10] = process.argv.slice(2).map(Number);

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

/** The sink: answers 200 at once and notes when each event arrived and how old it was. */
async function startSink() {
  const arrivals = new Map<string, { at: number; latencyMs: number }>();
  let duplicates = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const now = Date.now();
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; time: string };
      if (arrivals.has(event.id)) duplicates += 1;
      else arrivals.set(event.id, { at: now, latencyMs: now - Date.parse(event.time) });
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    duplicates: () => duplicates,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * CPU seconds a process has used (Linux `/proc`), so the figures can be read apart from how busy
 * the machine is: deliveries per CPU second is what one dispatcher does with a core to itself.
 */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
  dispatcher?: ServiceProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; dispatcher said:\n${dispatcher?.logs.slice(-10).join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main(): Promise<void> {
  const log = createLogger({ service: 'bench', level: 'warn', format: 'json' });
  const natsServer = await acquireNatsServer();
  const postgresServer = await acquirePostgresServer();
  if (!natsServer || !postgresServer) throw new Error('needs nats-server on the PATH and PostgreSQL');
  const scratch = await createScratchDatabase(postgresServer.adminUrl);
  const namespace = `bench${Date.now().toString(36)}`;
  const topology = new Topology({ namespace, partitions: 8 });
  const encryptionKey = SecretBox.generateKey();
  const sink = await startSink();
  const env = {
    NATS_URL: natsServer.url,
    NATS_NAMESPACE: namespace,
    PARTITIONS: '8',
    DATABASE_URL: scratch.url,
    ENCRYPTION_KEY: encryptionKey,
    PORT: '0',
    LOG_LEVEL: 'info',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    ...Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) => key.startsWith('WEBHOOK_') || key.endsWith('_CONCURRENCY'),
      ),
    ),
  };
  const startDispatcher = () =>
    startServiceProcess({
      name: 'webhook-dispatcher',
      entry: 'services/webhook-dispatcher/src/main.ts',
      env,
      nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean),
    });
  let dispatcher: ServiceProcess | undefined = await startDispatcher();
  const database = await openDatabase({ url: scratch.url, log, maxConnections: 2 });
  const bus = await Bus.connect({ url: natsServer.url, name: 'bench', topology, log });
  try {
    await new AccountsRepository(database.db, 8).create({ id: 'bench', kind: 'web', name: 'Bench' });
    await new WebhooksRepository(database.db, SecretBox.fromEncodedKey(encryptionKey)).create({
      accountId: 'bench',
      url: sink.url,
      secret: 'bench-secret',
    });
    const publish = (n: number) =>
      bus.publishEvent(
        createEvent(
          'message.received',
          'bench',
          {
            id: `M${n}`,
            chatId: '628222222222@s.whatsapp.net',
            chatType: 'contact',
            sender: '628222222222@s.whatsapp.net',
            fromMe: false,
            timestamp: Math.floor(Date.now() / 1000),
            content: { type: 'text', text: `message ${n}` },
            mentions: [],
          },
          { source: 'bench' },
        ),
      );

    // 1. Throughput: a backlog published while the dispatcher is down, drained by one process.
    await dispatcher.stop('SIGTERM');
    for (let sent = 0; sent < backlogEvents; sent += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, backlogEvents - sent) }, (_, i) => publish(sent + i)),
      );
    }
    dispatcher = await startDispatcher();
    const cpuBefore = cpuSecondsOf(dispatcher.process.pid);
    await waitUntil(() => sink.arrivals.size >= backlogEvents, 300_000, 'the backlog', dispatcher);
    const cpuUsed = (cpuSecondsOf(dispatcher.process.pid) ?? Number.NaN) - (cpuBefore ?? Number.NaN);
    const times = [...sink.arrivals.values()].map((arrival) => arrival.at);
    const drainSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
    console.log(
      `throughput: ${backlogEvents} deliveries in ${drainSeconds.toFixed(2)} s = ${Math.round(backlogEvents / drainSeconds)} deliveries/s (1 dispatcher process, duplicates ${sink.duplicates()})`,
    );
    console.log(
      `dispatcher CPU: ${cpuUsed.toFixed(1)} s for ${backlogEvents} deliveries = ${Math.round(backlogEvents / cpuUsed)} deliveries per CPU second; machine load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
    );

    // 2. Latency at a steady rate.
    sink.arrivals.clear();
    const total = ratePerSecond * steadySeconds;
    const tickMs = 10;
    const perTick = (ratePerSecond * tickMs) / 1000;
    const started = Date.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) / tickMs + 1) * perTick));
      const batch: Array<Promise<unknown>> = [];
      for (; sent < due; sent += 1) batch.push(publish(backlogEvents + sent));
      await Promise.all(batch);
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
    await waitUntil(() => sink.arrivals.size >= total, 60_000, 'the steady-rate deliveries', dispatcher);
    const latencies = [...sink.arrivals.values()].map((arrival) => arrival.latencyMs);
    console.log(
      `latency at ${ratePerSecond} events/s for ${steadySeconds} s: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${Math.max(...latencies)} ms (${total} events)`,
    );
  } finally {
    await dispatcher?.stop('SIGTERM');
    await bus.close();
    await database.close();
    await sink.close();
    await scratch.drop();
    await natsServer.stop();
  }
}

await main();
