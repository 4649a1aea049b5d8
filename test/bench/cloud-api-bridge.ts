/**
 * Benchmark: one cloud API bridge process (`services/cloud-api-bridge/src/main.ts`) sending for one
 * cloud account to the fake Graph API on loopback, on its own nats-server and a scratch PostgreSQL
 * database. A backlog of `message.send` commands (one recipient each, as the gateway publishes them)
 * is drained twice: at Meta's default throughput of 80 messages/s, then with the number raised to
 * 1,000/s (learnt by the bridge through `account.test`). Prints sustained sends/s as Meta counted
 * them (after the first second's burst), the busiest second, 130429 refusals and command-to-accepted latency. With `--statuses`,
 * the fake also sends its status webhooks (sent, delivered, read) through the gateway's Meta webhook
 * endpoint (an api-gateway process) back to the bridge while it sends.
 *
 *   node --import tsx test/bench/cloud-api-bridge.ts [messages at 80/s] [messages at 1000/s] [--statuses]
 *   (default: 1200 15000; GRAPH_* and CLOUD_* variables are passed to the bridge, BRIDGE_NODE_OPTIONS as
 *   its NODE_OPTIONS, e.g. `--max-semi-space-size=64`)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Bus } from '@wagate/bus';
import { newId, Topology } from '@wagate/contracts';
import { CloudAccountsRepository, openDatabase, SecretBox } from '@wagate/db';
import { type FakeGraphApi, startFakeGraphApi } from '@wagate/fake-graph-api';
import { createLogger } from '@wagate/observability';
import {
  acquireNatsServer,
  acquirePostgresServer,
  createScratchDatabase,
  type ServiceProcess,
  startServiceProcess,
} from '@wagate/test-servers/servers';

const flags = new Set(process.argv.slice(2).filter((arg) => arg.startsWith('--')));
const [defaultRunMessages = 1_200, raisedRunMessages = 15_000] = process.argv
  .slice(2)
  .filter((arg) => !arg.startsWith('--'))
  .map(Number);
const withStatuses = flags.has('--statuses');

const WABA_ID = '102290129340398';
const PHONE_NUMBER_ID = '106540352242922';
const ACCESS_TOKEN = 'EAAGbenchToken';
const APP_SECRET = 'bench_app_secret';
const ACCOUNT_ID = 'bench';

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

/** The most timestamps that fall in any one-second window. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let busiest = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= 1_000) start += 1;
    busiest = Math.max(busiest, end - start + 1);
  }
  return busiest;
}

/** CPU time (user + system) a process has used, in ms, from /proc. */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Sum and count of the bridge's send request durations, from its Prometheus metrics. */
async function sendRequestSeconds(bridge: ServiceProcess): Promise<{ sum: number; count: number }> {
  const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
  const value = (name: string) =>
    Number(
      new RegExp(`^${name}\\{[^}]*operation="send_message"[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0,
    );
  return {
    sum: value('wagate_cloud_graph_request_seconds_sum'),
    count: value('wagate_cloud_graph_request_seconds_count'),
  };
}

interface RunResult {
  name: string;
  limit: number;
  messages: number;
  seconds: number;
  /** Accepted per second, in whole seconds after the first. */
  sendsPerSecond: number;
  busiest: number;
  throttled: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU the bridge process used per message. */
  bridgeCpuMs: number;
  /** CPU this process (the fake Graph API, and publishing the commands) used per message. */
  fakeCpuMs: number;
  /** Mean duration of the bridge's send requests (a window slot is held that much longer). */
  sendRequestMs: number;
}

async function drain(
  bus: Bus,
  fake: FakeGraphApi,
  bridge: ServiceProcess,
  name: string,
  limit: number,
  messages: number,
): Promise<RunResult> {
  fake.clearRecords();
  const cpuBefore = cpuMsOf(bridge.process.pid);
  const benchCpuBefore = process.cpuUsage();
  const requestsBefore = await sendRequestSeconds(bridge);
  const acceptedBefore = fake.sentMessages().length;
  const createdAt = new Map<string, number>();
  const prefix = `1${(randomBytes(2).readUInt16BE(0) % 9) + 1}`;
  // The backlog is published as the gateway does, in chunks so the bench never holds 15,000 promises.
  for (let first = 0; first < messages; first += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, messages - first) }, async (_, offset) => {
        const index = first + offset;
        const to = `${prefix}${String(index).padStart(9, '0')}`;
        const commandId = `cmd_${newId()}`;
        createdAt.set(to, Date.now());
        await bus.publishCommand(
          {
            id: commandId,
            accountId: ACCOUNT_ID,
            op: 'message.send',
            createdAt: new Date().toISOString(),
            payload: {
              to: `${to}@s.whatsapp.net`,
              content: { type: 'text', text: `bench ${index}` },
              messageId: `B${index}${newId()}`,
            },
          },
          'cloud',
        );
      }),
    );
  }
  const deadline = Date.now() + (messages / limit) * 1_000 * 3 + 60_000;
  for (;;) {
    const accepted = fake.sentMessages().length - acceptedBefore;
    if (accepted >= messages) break;
    if (Date.now() > deadline) {
      throw new Error(
        `${name}: only ${accepted} of ${messages} accepted; bridge said:\n${bridge.logs.slice(-10).join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const bridgeCpuMs = (cpuMsOf(bridge.process.pid) - cpuBefore) / messages;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const fakeCpuMs = (benchCpu.user + benchCpu.system) / 1_000 / messages;
  const requestsAfter = await sendRequestSeconds(bridge);
  const sendRequestMs =
    ((requestsAfter.sum - requestsBefore.sum) / (requestsAfter.count - requestsBefore.count)) * 1_000;
  const sent = fake.sentMessages().slice(acceptedBefore);
  const times = sent.map((message) => message.acceptedAt).sort((a, b) => a - b);
  const seconds = (times.at(-1)! - times[0]!) / 1_000;
  // Sustained: the mean of whole one-second bins, leaving out the first (the burst that fills the
  // number's window at once) and the last (partial).
  const bins = new Map<number, number>();
  for (const time of times) {
    const bin = Math.floor((time - times[0]!) / 1_000);
    bins.set(bin, (bins.get(bin) ?? 0) + 1);
  }
  const lastBin = Math.max(...bins.keys());
  const middle = Array.from({ length: Math.max(0, lastBin - 1) }, (_, index) => bins.get(index + 1) ?? 0);
  const sustained =
    middle.length > 0 ? middle.reduce((sum, count) => sum + count, 0) / middle.length : Number.NaN;
  const latencies = sent.map(
    (message) => message.acceptedAt - (createdAt.get(message.recipientWaId) ?? message.acceptedAt),
  );
  const throttled = fake
    .requests('send_message')
    .filter(
      (request) => (request.responseBody as { error?: { code?: number } })?.error?.code === 130429,
    ).length;
  return {
    name,
    limit,
    messages,
    seconds,
    sendsPerSecond: sustained,
    busiest: busiestSecond(times),
    throttled,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    bridgeCpuMs,
    fakeCpuMs,
    sendRequestMs,
  };
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
  const fake = await startFakeGraphApi({
    customerServiceWindow: { enforced: false },
    webhookDelivery: { batchWindowMs: 200 },
  });
  fake.registerBusiness({
    wabaId: WABA_ID,
    name: 'Bench Market',
    phoneNumbers: [
      { phoneNumberId: PHONE_NUMBER_ID, displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Bench Market' },
    ],
    accessTokens: [ACCESS_TOKEN],
  });
  const env = {
    NATS_URL: natsServer.url,
    NATS_NAMESPACE: namespace,
    PARTITIONS: '8',
    DATABASE_URL: scratch.url,
    ENCRYPTION_KEY: encryptionKey,
    ADMIN_API_KEY: randomBytes(24).toString('base64url'),
    PORT: '0',
    LOG_LEVEL: 'info',
  };
  const processes: ServiceProcess[] = [];
  const database = await openDatabase({ url: scratch.url, log, maxConnections: 2 });
  let bus: Bus | undefined;
  try {
    await database.migrate();
    await new CloudAccountsRepository(database.db, SecretBox.fromEncodedKey(encryptionKey), 8).create({
      id: ACCOUNT_ID,
      phoneNumberId: PHONE_NUMBER_ID,
      businessAccountId: WABA_ID,
      accessToken: ACCESS_TOKEN,
      appSecret: APP_SECRET,
      verifyToken: 'bench-verify',
    });
    const bridge = await startServiceProcess({
      name: 'cloud-api-bridge',
      entry: 'services/cloud-api-bridge/src/main.ts',
      env: {
        ...env,
        GRAPH_API_URL: fake.url,
        NODE_OPTIONS: process.env.BRIDGE_NODE_OPTIONS ?? '',
        ...(Object.fromEntries(
          Object.entries(process.env).filter(([key]) => key.startsWith('GRAPH_') || key.startsWith('CLOUD_')),
        ) as Record<string, string>),
      },
    });
    processes.push(bridge);
    if (withStatuses) {
      const gateway = await startServiceProcess({
        name: 'api-gateway',
        entry: 'services/api-gateway/src/main.ts',
        env,
      });
      processes.push(gateway);
      fake.subscribeWebhook(WABA_ID, {
        callbackUrl: `${gateway.url}/webhooks/meta/${ACCOUNT_ID}`,
        appSecret: APP_SECRET,
        verifyToken: 'bench-verify',
      });
      const verification = await fake.verifyWebhook(WABA_ID);
      if (!verification.verified)
        throw new Error(`the gateway refused Meta's verification: ${JSON.stringify(verification)}`);
    }
    bus = await Bus.connect({ url: natsServer.url, name: 'bench', topology, log });
    const testConnection = () =>
      bus!.request(topology.rpcSubject(ACCOUNT_ID, 'account.test', 'cloud'), {}, { timeoutMs: 10_000 });
    await testConnection();

    const results = [await drain(bus, fake, bridge, "Meta's default", 80, defaultRunMessages)];
    fake.setThroughputLimit(PHONE_NUMBER_ID, 1_000);
    // The bridge learns the new limit as the test connection (or its periodic refresh) reads it.
    const facts = await testConnection();
    if (!facts.ok) throw new Error(`account.test failed: ${JSON.stringify(facts)}`);
    results.push(await drain(bus, fake, bridge, 'raised', 1_000, raisedRunMessages));

    console.log(
      `\ncloud API bridge → fake Graph API, one account, ${withStatuses ? 'with' : 'without'} status webhooks`,
    );
    console.log(
      'run             limit/s  messages  seconds  sends/s  busiest 1 s  130429  p50 ms  p99 ms  request ms  CPU ms/msg: bridge  fake',
    );
    for (const result of results) {
      console.log(
        [
          result.name.padEnd(15),
          String(result.limit).padStart(7),
          String(result.messages).padStart(9),
          result.seconds.toFixed(1).padStart(8),
          result.sendsPerSecond.toFixed(1).padStart(8),
          String(result.busiest).padStart(12),
          String(result.throttled).padStart(7),
          String(result.p50Ms).padStart(7),
          String(result.p99Ms).padStart(7),
          result.sendRequestMs.toFixed(1).padStart(11),
          result.bridgeCpuMs.toFixed(2).padStart(18),
          result.fakeCpuMs.toFixed(2).padStart(5),
        ].join(' '),
      );
    }
  } finally {
    await bus?.close();
    for (const service of processes.reverse()) await service.stop('SIGTERM');
    await database.close();
    await fake.close();
    await scratch.drop();
    await natsServer.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
