/**
 * Benchmark: N real Baileys clients in this process against one emulator in a child process.
 * Prints connect time, messages per second through the emulator and the RSS of both processes.
 *
 *   node --import tsx test/bench/wa-emulator.ts [N...]     (default: 100 500 1000)
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { baileysSocketConfig, createMemoryAuthState, MemorySignalKeyStore } from '@wagate/wa-emulator';
import { type AuthenticationCreds, BufferJSON, makeWASocket, type WASocket } from '@whiskeysockets/baileys';

/** Messages each client sends to its neighbour in the ring. */
const MESSAGES_PER_CLIENT = 5;
/** Clients connecting at the same time; Baileys' own connect timeout is 20 s. */
const CONNECT_CONCURRENCY = 100;

interface RunResult {
  readonly clients: number;
  readonly connectSeconds: number;
  readonly connectP50Ms: number;
  readonly connectP95Ms: number;
  /** One message per client, including Signal session setup with 3 devices each. */
  readonly firstRoundSeconds: number;
  readonly messages: number;
  readonly messagesPerSecond: number;
  readonly emulatorRssMb: number;
  readonly clientRssMb: number;
}

const request = async <T>(child: ChildProcess, message: unknown, replyType: string): Promise<T> => {
  child.send(message as object);
  for (;;) {
    const [reply] = (await once(child, 'message')) as [{ type: string } & T];
    if (reply.type === replyType) {
      return reply;
    }
  }
};

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

const megabytes = (bytes: number): number => Math.round(bytes / 1024 / 1024);

const connectClient = async (wsUrl: string, serialized: string): Promise<{ sock: WASocket; ms: number }> => {
  const { creds, appStateKeys } = JSON.parse(serialized, BufferJSON.reviver) as {
    creds: AuthenticationCreds;
    appStateKeys: Record<string, never>;
  };
  const keys = new MemorySignalKeyStore();
  keys.set({ 'app-state-sync-key': appStateKeys });
  const { state } = createMemoryAuthState(creds, keys);
  const started = performance.now();
  const sock = makeWASocket({ ...baileysSocketConfig({ wsUrl }), auth: state, markOnlineOnConnect: false });
  await new Promise<void>((resolve, reject) => {
    sock.ev.on('connection.update', ({ connection, lastDisconnect }) => {
      if (connection === 'open') {
        resolve();
      } else if (connection === 'close') {
        reject(lastDisconnect?.error ?? new Error('closed before open'));
      }
    });
  });
  return { sock, ms: performance.now() - started };
};

/** Each client sends `perClient` texts to its ring neighbour; resolves with the seconds until all arrived. */
const sendRound = async (sockets: WASocket[], perClient: number): Promise<number> => {
  const expected = sockets.length * perClient;
  let received = 0;
  const listeners: (() => void)[] = [];
  const allReceived = new Promise<void>((resolve) => {
    for (const sock of sockets) {
      const listener = ({
        messages,
      }: {
        messages: { key: { fromMe?: boolean | null }; message?: unknown }[];
      }) => {
        received += messages.filter((m) => !m.key.fromMe && m.message).length;
        if (received >= expected) {
          resolve();
        }
      };
      sock.ev.on('messages.upsert', listener);
      listeners.push(() => sock.ev.off('messages.upsert', listener));
    }
  });
  const started = performance.now();
  await Promise.all(
    sockets.map(async (sock, index) => {
      const to = sockets[(index + 1) % sockets.length]!.user!.id.replace(/:\d+@/, '@');
      for (let i = 0; i < perClient; i++) {
        await sock.sendMessage(to, { text: `bench ${index}.${i}` });
      }
    }),
  );
  await allReceived;
  const seconds = (performance.now() - started) / 1000;
  for (const off of listeners) {
    off();
  }
  return seconds;
};

const run = async (clients: number): Promise<RunResult> => {
  const child = fork(fileURLToPath(new URL('./wa-emulator-server.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
  });
  try {
    const [{ wsUrl }] = (await once(child, 'message')) as [{ wsUrl: string }];
    const { devices } = await request<{ devices: string[] }>(
      child,
      { type: 'provision', count: clients, prefix: '1777' },
      'provisioned',
    );

    const connectStarted = performance.now();
    const sockets: WASocket[] = [];
    const connectMs: number[] = [];
    for (let start = 0; start < devices.length; start += CONNECT_CONCURRENCY) {
      const batch = await Promise.all(
        devices.slice(start, start + CONNECT_CONCURRENCY).map((d) => connectClient(wsUrl, d)),
      );
      for (const { sock, ms } of batch) {
        sockets.push(sock);
        connectMs.push(ms);
      }
    }
    const connectSeconds = (performance.now() - connectStarted) / 1000;

    // First round: one message per client, which also sets up the Signal sessions (bundle fetches,
    // signature checks, prekey messages). Second round: steady-state throughput.
    const firstRound = await sendRound(sockets, 1);
    const steadySeconds = await sendRound(sockets, MESSAGES_PER_CLIENT);
    const expected = clients * MESSAGES_PER_CLIENT;

    const { rss } = await request<{ rss: number }>(child, { type: 'stats' }, 'stats');
    const clientRss = process.memoryUsage().rss;
    for (const sock of sockets) {
      sock.end(undefined);
    }
    return {
      clients,
      connectSeconds,
      connectP50Ms: percentile(connectMs, 50),
      connectP95Ms: percentile(connectMs, 95),
      firstRoundSeconds: firstRound,
      messages: expected,
      messagesPerSecond: expected / steadySeconds,
      emulatorRssMb: megabytes(rss),
      clientRssMb: megabytes(clientRss),
    };
  } finally {
    child.send({ type: 'close' });
    await once(child, 'exit');
  }
};

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const results: RunResult[] = [];
for (const clients of sizes.length ? sizes : [100, 500, 1000]) {
  console.error(`running ${clients} clients…`);
  const result = await run(clients);
  console.error(JSON.stringify(result));
  results.push(result);
}
console.log(
  '| clients | connect all (s) | connect p50 (ms) | connect p95 (ms) | first round (s) | messages | messages/s | emulator RSS (MB) | clients RSS (MB) |',
);
console.log('|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
for (const r of results) {
  console.log(
    `| ${r.clients} | ${r.connectSeconds.toFixed(1)} | ${Math.round(r.connectP50Ms)} | ${Math.round(r.connectP95Ms)} | ${r.firstRoundSeconds.toFixed(1)} | ${r.messages} | ${r.messagesPerSecond.toFixed(0)} | ${r.emulatorRssMb} | ${r.clientRssMb} |`,
  );
}
process.exit(0);
