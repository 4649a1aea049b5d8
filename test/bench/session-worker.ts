/**
 * Benchmark of the session worker, each worker its own process, the emulator in a child process,
 * against the NATS at NATS_URL (default nats://127.0.0.1:4222) and the PostgreSQL at DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres; a scratch database is created and dropped).
 * Prints:
 *  - idle RSS per connected session of one worker at 100, 500 and 1,000 sessions,
 *  - failover time of 300 accounts over 3 workers (SIGKILL of the busiest → all back online),
 *  - outbound messages per second of one worker with pacing off.
 *
 *   node --import tsx test/bench/session-worker.ts [--sessions 100,500,1000] [--failover 300] [--messages 6000]
 *   (BENCH_LOGS=<file> appends the workers' logs to that file when they stop; BENCH_NODE_ARGS are
 *   given to the workers' Node, e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof';
 *   BENCH_WORKER_ENV adds settings to the workers' environment, e.g. BENCH_WORKER_ENV='WRITE_CONCURRENCY=1')
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus } from '@wagate/bus';
import { newId, Topology } from '@wagate/contracts';
import { AccountsRepository, openDatabase } from '@wagate/db';
import { createLogger } from '@wagate/observability';
import { importAuthState } from '@wagate/session-worker';
import {
  acquirePostgresServer,
  createScratchDatabase,
  type ServiceProcess,
  startServiceProcess,
  waitFor,
} from '@wagate/test-servers/servers';
import { type AuthenticationCreds, BufferJSON } from '@whiskeysockets/baileys';
import { sql } from 'drizzle-orm';
import { cpuSecondsOf } from './process-cpu';

const argument = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1]!;
};
const SESSION_COUNTS = argument('sessions', '100,500,1000')
  .split(',')
  .map(Number)
  .filter((count) => count > 0);
const FAILOVER_ACCOUNTS = Number(argument('failover', '300'));
const MESSAGES = Number(argument('messages', '6000'));
const SENDERS = 50;
const PARTITIONS = 128;

const log = createLogger({ service: 'bench', level: 'silent', format: 'json' });
const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const load = () => loadavg()[0]!.toFixed(1);
const print = (line: string) => process.stdout.write(`${line}\n`);

const request = async <T>(child: ChildProcess, message: object, replyType: string): Promise<T> => {
  child.send(message);
  for (;;) {
    const [reply] = (await once(child, 'message')) as [{ type: string } & T];
    if (reply.type === replyType) return reply;
  }
};

const emulator = fork(fileURLToPath(new URL('./session-worker-emulator.ts', import.meta.url)), {
  execArgv: ['--import', 'tsx'],
});
const { wsUrl } = await request<{ wsUrl: string }>(emulator, {}, 'ready').catch(() => ({ wsUrl: '' }));
const connectedDevices = async () =>
  (await request<{ stats: { connectedDevices: number } }>(emulator, { type: 'stats' }, 'stats')).stats
    .connectedDevices;

const postgres = await acquirePostgresServer();
if (!postgres) throw new Error('no PostgreSQL: set DATABASE_URL or run one on 127.0.0.1:5432');
const scratch = await createScratchDatabase(postgres.adminUrl);
const database = await openDatabase({ url: scratch.url, log });
await database.migrate();
const namespace = `bench${randomBytes(4).toString('hex')}`;
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const topology = new Topology({ namespace, partitions: PARTITIONS });
const bus = await Bus.connect({ url: natsUrl, name: 'bench', topology, log });
const accounts = new AccountsRepository(database.db, PARTITIONS);
const workers: ServiceProcess[] = [];

const env = {
  NATS_URL: natsUrl,
  NATS_NAMESPACE: namespace,
  PARTITIONS: String(PARTITIONS),
  DATABASE_URL: scratch.url,
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  PORT: '0',
  LOG_LEVEL: 'info',
  BAILEYS_LOG_LEVEL: 'error',
  WA_WEBSOCKET_URL: wsUrl,
  WA_INSECURE_MEDIA_TLS: 'true',
  MEDIA_STORE: 'local',
  MEDIA_DIR: mkdtempSync(join(tmpdir(), 'wagate-bench-media-')),
  PACING_MESSAGES_PER_MINUTE: '0',
  PACING_JITTER_MS: '0',
  PACING_PER_RECIPIENT_MS: '0',
  CONNECT_CONCURRENCY: '100',
  ...Object.fromEntries(
    (process.env.BENCH_WORKER_ENV ?? '')
      .split(' ')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  ),
};

const startWorker = async (id: string) => {
  const worker = await startServiceProcess({
    name: id,
    entry: 'services/session-worker/src/main.ts',
    env: { ...env, INSTANCE_ID: id },
    nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean),
    readyTimeoutMs: 60_000,
  });
  workers.push(worker);
  return worker;
};
const stopWorkers = async () => {
  for (const worker of workers.splice(0)) {
    await worker.stop('SIGTERM', 60_000);
    if (process.env.BENCH_LOGS) appendFileSync(process.env.BENCH_LOGS, `${worker.logs.join('\n')}\n`);
  }
  await waitFor(async () => (await connectedDevices()) === 0, {
    timeoutMs: 60_000,
    message: 'every socket closed',
  });
};

let provisioned = 0;
const numberOf = (index: number) => `1777${String(index).padStart(7, '0')}`;
/** Accounts bench-0 … bench-(count-1), linked to emulator numbers; those past `count` disabled. */
const ensureAccounts = async (count: number) => {
  while (provisioned < count) {
    const batch = Array.from({ length: Math.min(100, count - provisioned) }, (_, index) =>
      numberOf(provisioned + index),
    );
    const { devices } = await request<{ devices: string[] }>(
      emulator,
      { type: 'provision', numbers: batch },
      'provisioned',
    );
    for (const [index, serialized] of devices.entries()) {
      const id = `bench-${provisioned + index}`;
      const { creds, appStateKeys } = JSON.parse(serialized, BufferJSON.reviver) as {
        creds: AuthenticationCreds;
        appStateKeys: Record<string, unknown>;
      };
      await accounts.create({ id, kind: 'web', name: id });
      await importAuthState(database.db, id, creds, {
        get: async () => appStateKeys as never,
        set: async () => {},
      });
    }
    provisioned += batch.length;
  }
  await database.db.execute(
    sql`update accounts set disabled = (cast(substring(id from 7) as integer) >= ${count}) where id like 'bench-%'`,
  );
};

try {
  print(`session-worker benchmark (2 cores shared; load average at start ${load()})`);
  const idle = await startWorker('bench-baseline');
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const baseline = rssOf(idle.process.pid!);
  await stopWorkers();
  print(`worker RSS with no session: ${megabytes(baseline)} MB`);
  print('| sessions | connect all (s) | worker RSS (MB) | RSS per idle session (MB) | load |');
  print('|--:|--:|--:|--:|--:|');
  for (const count of SESSION_COUNTS) {
    await ensureAccounts(count);
    const started = performance.now();
    const worker = await startWorker(`bench-rss-${count}`);
    await waitFor(async () => (await connectedDevices()) === count, {
      timeoutMs: 300_000,
      intervalMs: 500,
      message: `${count} sessions online`,
    });
    const connectSeconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const rss = rssOf(worker.process.pid!);
    print(
      `| ${count} | ${connectSeconds.toFixed(1)} | ${megabytes(rss)} | ${megabytes((rss - baseline) / count)} | ${load()} |`,
    );
    await stopWorkers();
  }

  if (FAILOVER_ACCOUNTS > 0) {
    await ensureAccounts(FAILOVER_ACCOUNTS);
    for (const id of ['bench-w1', 'bench-w2', 'bench-w3']) await startWorker(id);
    await waitFor(async () => (await connectedDevices()) === FAILOVER_ACCOUNTS, {
      timeoutMs: 300_000,
      intervalMs: 500,
      message: 'failover accounts online',
    });
    // Let the gradual rebalancing finish before killing a worker.
    const leases = await bus.kv(topology.buckets.leases);
    const ownersByWorker = async () => {
      const counts = new Map<string, number>();
      for (let index = 0; index < FAILOVER_ACCOUNTS; index += 1) {
        const entry = await leases.get(topology.leaseKey(topology.partitionOf(`bench-${index}`)));
        const owner =
          entry?.operation === 'PUT' ? (JSON.parse(entry.string()) as { owner: string }).owner : '';
        counts.set(owner, (counts.get(owner) ?? 0) + 1);
      }
      return counts;
    };
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    await waitFor(async () => (await connectedDevices()) === FAILOVER_ACCOUNTS, { timeoutMs: 120_000 });
    const counts = await ownersByWorker();
    const [victimId, victimAccounts] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const victim = workers.find((worker) => worker.name === victimId)!;
    const killedAt = performance.now();
    victim.process.kill('SIGKILL');
    await victim.exited;
    workers.splice(workers.indexOf(victim), 1);
    await waitFor(async () => (await connectedDevices()) <= FAILOVER_ACCOUNTS - victimAccounts, {
      intervalMs: 20,
    });
    await waitFor(async () => (await connectedDevices()) === FAILOVER_ACCOUNTS, {
      timeoutMs: 120_000,
      intervalMs: 100,
      message: 'all accounts back online',
    });
    const onlineMs = performance.now() - killedAt;
    print(
      `failover: SIGKILL of the worker with ${victimAccounts} of ${FAILOVER_ACCOUNTS} accounts → all online again in ${(onlineMs / 1000).toFixed(1)} s (LEASE_TTL_MS 10000, load ${load()})`,
    );
    await stopWorkers();
  }

  if (MESSAGES > 0) {
    await ensureAccounts(Math.max(SENDERS, FAILOVER_ACCOUNTS));
    const peers = Array.from({ length: SENDERS }, (_, index) => `1888${String(index).padStart(7, '0')}`);
    await request(emulator, { type: 'phones', numbers: peers }, 'phones');
    await startWorker('bench-throughput');
    await waitFor(async () => (await connectedDevices()) >= SENDERS, { timeoutMs: 120_000, intervalMs: 500 });
    const sendRound = async (prefix: string, perSender: number) => {
      const publishes: Array<Promise<unknown>> = [];
      for (let round = 0; round < perSender; round += 1) {
        for (let sender = 0; sender < SENDERS; sender += 1) {
          publishes.push(
            bus.publishCommand({
              id: `cmd_${newId()}`,
              accountId: `bench-${sender}`,
              op: 'message.send',
              createdAt: new Date().toISOString(),
              payload: {
                to: `${peers[sender]}@s.whatsapp.net`,
                content: { type: 'text', text: `${prefix} ${round}` },
                messageId: `${prefix}-${sender}-${round}`,
              },
            }),
          );
        }
      }
      await Promise.all(publishes);
      const total = perSender * SENDERS;
      await waitFor(
        async () => {
          const [row] = (await database.db.execute(
            sql`select count(*)::int as sent from messages where id like ${`${prefix}-%`} and status <> 'pending'`,
          )) as unknown as Array<{ sent: number }>;
          return row!.sent >= total;
        },
        { timeoutMs: 600_000, intervalMs: 100, message: `${total} messages sent` },
      );
    };
    await sendRound('warmup', 1);
    const perSender = Math.max(1, Math.floor(MESSAGES / SENDERS));
    const workerPid = workers.at(-1)!.process.pid;
    const cpuBefore = { worker: cpuSecondsOf(workerPid), emulator: cpuSecondsOf(emulator.pid) };
    const started = performance.now();
    await sendRound('timed', perSender);
    const seconds = (performance.now() - started) / 1000;
    const sent = perSender * SENDERS;
    const workerCpu = cpuSecondsOf(workerPid) - cpuBefore.worker;
    const emulatorCpu = cpuSecondsOf(emulator.pid) - cpuBefore.emulator;
    print(
      `outbound: ${sent} text messages from ${SENDERS} accounts, pacing off, in ${seconds.toFixed(1)} s → ${Math.round(sent / seconds)} messages/s on one worker (load ${load()})`,
    );
    // The emulator (WhatsApp and every phone) shares the two cores: the worker's own CPU per
    // message says what one worker does with a core to itself.
    print(
      `outbound CPU: worker ${((workerCpu * 1000) / sent).toFixed(2)} ms per message = ${Math.round(sent / workerCpu)} messages per worker CPU second; emulator ${((emulatorCpu * 1000) / sent).toFixed(2)} ms per message`,
    );
    await stopWorkers();
  }
} finally {
  for (const worker of workers) await worker.stop('SIGKILL', 5_000);
  for await (const name of bus.jsm.streams.names()) {
    if (name.startsWith(`${namespace}_`) || name.startsWith(`KV_${namespace}_`))
      await bus.jsm.streams.delete(name);
  }
  await bus.close();
  await database.close();
  await scratch.drop();
  // The emulator answers `close` by exiting: wait for that, not for a reply.
  const exited = once(emulator, 'exit');
  emulator.send({ type: 'close' });
  await exited;
}
