import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bus, Subscription } from '@wagate/bus';
import { decodeJson, NoRespondersError } from '@wagate/bus';
import { type CommandEnvelope, type EventEnvelope, newId, type WebRpcOp } from '@wagate/contracts';
import { AccountsRepository, type Database } from '@wagate/db';
import { type HostedProcess, hostServices } from '@wagate/service-host';
import { waitFor } from '@wagate/testing';
import type { WaEmulator } from '@wagate/wa-emulator';
import { importAuthState } from '../auth/import-auth-state';
import { sessionWorker } from '../service';

export { importAuthState } from '../auth/import-auth-state';
export { rendezvousOwner } from '../ownership/rendezvous';

/** The environment of a worker that talks to an emulator, NATS namespace and database of a test. */
export function workerEnv(
  infrastructure: { natsUrl: string; namespace: string; databaseUrl: string; wsUrl: string },
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    NATS_URL: infrastructure.natsUrl,
    NATS_NAMESPACE: infrastructure.namespace,
    PARTITIONS: '8',
    DATABASE_URL: infrastructure.databaseUrl,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LEASE_TTL_MS: '4000',
    WORKER_TTL_MS: '3000',
    LEASE_GRACE_MS: '200',
    WA_WEBSOCKET_URL: infrastructure.wsUrl,
    WA_INSECURE_MEDIA_TLS: 'true',
    MEDIA_STORE: 'local',
    MEDIA_DIR: mkdtempSync(join(tmpdir(), 'wagate-worker-media-')),
    PACING_MESSAGES_PER_MINUTE: '0',
    PACING_JITTER_MS: '0',
    PACING_PER_RECIPIENT_MS: '0',
    UNCERTAIN_SEND_WAIT_MS: '1000',
    ...overrides,
  };
}

/**
 * Runs a session worker in this process (tests that need no process boundary).
 *
 * @example
 * const worker = await startWorker(workerEnv({ … }));
 * await worker.shutdown();
 */
export function startWorker(env: Record<string, string>): Promise<HostedProcess> {
  return hostServices([sessionWorker], { env: { ...env }, handleSignals: false });
}

/**
 * Every event of a namespace as `WA_EVENTS` stores it: heard on `wa.evt.>`, where a re-publish of
 * the same occurrence (an outbox row published again after a crash) is heard twice but stored
 * once, because its `Nats-Msg-Id` repeats; the tap drops such repeats the same way.
 */
export class EventTap {
  readonly events: EventEnvelope[] = [];
  private readonly subscription: Subscription;
  private readonly seenMsgIds = new Set<string>();

  constructor(bus: Bus) {
    this.subscription = bus.nc.subscribe(bus.topology.eventFilter(), {
      callback: (error, msg) => {
        if (error) return;
        const msgId = msg.headers?.get('Nats-Msg-Id');
        if (msgId) {
          if (this.seenMsgIds.has(msgId)) return;
          this.seenMsgIds.add(msgId);
        }
        this.events.push(decodeJson(msg.data) as EventEnvelope);
      },
    });
  }

  /** Events of an account and type, optionally matching `predicate` on their data. */
  of<T = Record<string, unknown>>(
    accountId: string,
    type: string,
    predicate: (data: T) => boolean = () => true,
  ): T[] {
    return this.events
      .filter((event) => event.subject === accountId && event.type === type && predicate(event.data as T))
      .map((event) => event.data as T);
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}

/**
 * Calls a web RPC and returns its data, or throws with the RPC's error code. While no worker owns
 * the partition yet (startup, failover) it retries, as the gateway's clients do after a 503.
 */
export async function callRpc<T = Record<string, unknown>>(
  bus: Bus,
  accountId: string,
  op: WebRpcOp,
  body: unknown = {},
  timeoutMs = 30_000,
): Promise<T> {
  const subject = bus.topology.rpcSubject(accountId, op);
  const reply = await waitFor(
    () =>
      bus.request(subject, body, { timeoutMs }).catch((error: unknown) => {
        if (error instanceof NoRespondersError) return undefined;
        throw error;
      }),
    { timeoutMs: 20_000, intervalMs: 100, message: `a worker answering ${op}` },
  );
  if (!reply.ok)
    throw Object.assign(new Error(`${op}: ${reply.error.code}: ${reply.error.message}`), {
      code: reply.error.code,
    });
  return reply.data as T;
}

/** Publishes a durable command for a web account. */
export async function sendCommand(
  bus: Bus,
  accountId: string,
  op: string,
  payload: unknown,
  options: { id?: string; notBefore?: string } = {},
): Promise<string> {
  const command: CommandEnvelope = {
    id: options.id ?? `cmd_${newId()}`,
    accountId,
    op,
    createdAt: new Date().toISOString(),
    ...(options.notBefore ? { notBefore: options.notBefore } : {}),
    payload,
  };
  await bus.publishCommand(command);
  return command.id;
}

/**
 * Creates web accounts already linked to emulator numbers: an account row, a phone for the number
 * and the linked device's credentials in PostgreSQL (no pairing needed).
 *
 * @example
 * await linkedAccounts(db, emulator, [{ id: 'alice', number: '15550001111' }], 8);
 */
export async function linkedAccounts(
  db: Database,
  emulator: WaEmulator,
  accounts: Array<{ id: string; number: string }>,
  partitions: number,
): Promise<Map<string, string>> {
  const repository = new AccountsRepository(db, partitions);
  const deviceJids = new Map<string, string>();
  for (const { id, number } of accounts) {
    await repository.create({ id, kind: 'web', name: id });
    emulator.createPhone({ number, pushName: id });
    const device = emulator.provisionLinkedDevice(number);
    await importAuthState(db, id, device.creds, device.keys);
    deviceJids.set(id, device.deviceJid);
  }
  return deviceJids;
}
