import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, RpcFailure, type RpcHandler } from '@wagate/bus';
import type { CommandEnvelope } from '@wagate/contracts';
import { SecretBox } from '@wagate/db';
import { LocalDirectoryMediaStore } from '@wagate/media-store';
import { MetricsRegistry } from '@wagate/observability';
import type { DatabaseUnderTest, NatsUnderTest } from '@wagate/testing';
import { testLogger } from '@wagate/testing';
import { createGatewayApp, type GatewayAppDeps, type GatewayAuthSettings } from '../app';

export interface GatewayUnderTest {
  app: ReturnType<typeof createGatewayApp>;
  deps: GatewayAppDeps;
  adminKey: string;
  bus: Bus;
  /** A request to the app in-process, JSON in and out; `auth` defaults to the admin key. */
  call(
    method: string,
    path: string,
    options?: {
      body?: unknown;
      rawBody?: string | Uint8Array | FormData;
      headers?: Record<string, string>;
      auth?: string | null;
    },
    // biome-ignore lint/suspicious/noExplicitAny: tests read answers as loose JSON, asserting on what they need
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): void;
}

/**
 * The gateway app on this test's NATS namespace and database, called in-process (real NATS,
 * PostgreSQL and media directory; no HTTP socket).
 *
 * @example
 * const gateway = await gatewayUnderTest(nats, database);
 * const { status, body } = await gateway.call('POST', '/api/v1/sessions', { body: { id: 'a' } });
 */
export async function gatewayUnderTest(
  nats: NatsUnderTest,
  database: DatabaseUnderTest,
  options: { auth?: GatewayAuthSettings; maxBodyBytes?: number; rpcTimeoutMs?: number; bus?: Bus } = {},
): Promise<GatewayUnderTest> {
  const bus = options.bus ?? (await nats.connect('gateway'));
  const mediaDir = mkdtempSync(join(tmpdir(), 'gateway-media-'));
  const shutdown = new AbortController();
  const adminKey = randomBytes(24).toString('base64url');
  const deps: GatewayAppDeps = {
    db: database.db,
    bus,
    topology: nats.topology,
    secretBox: SecretBox.fromEncodedKey(SecretBox.generateKey()),
    mediaStore: new LocalDirectoryMediaStore(mediaDir),
    log: testLogger('gateway'),
    metrics: new MetricsRegistry({ collectDefaults: false }),
    rpcTimeoutMs: options.rpcTimeoutMs ?? 2_000,
    adminKey,
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    maxMediaBytes: 4 * 1_048_576,
    auth: options.auth,
    shutdownSignal: shutdown.signal,
  };
  const app = createGatewayApp(deps);
  return {
    app,
    deps,
    adminKey,
    bus,
    call: async (method, path, callOptions = {}) => {
      const headers: Record<string, string> = { ...callOptions.headers };
      const auth = callOptions.auth === undefined ? adminKey : callOptions.auth;
      if (auth !== null && !headers.authorization && !headers['x-api-key'])
        headers.authorization = `Bearer ${auth}`;
      let body: string | Uint8Array | FormData | undefined = callOptions.rawBody;
      if (callOptions.body !== undefined) {
        body = JSON.stringify(callOptions.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await app.request(path, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON (an image, an event stream): the text itself.
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    close: () => {
      shutdown.abort();
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}

/**
 * Answers RPCs of the session worker's catalog for every partition of a topology, with the
 * handlers given (an op without one answers `invalid_request`): a stand-in for the worker in
 * tests of the gateway's mapping; tests against the real worker are in test/e2e.
 *
 * @example
 * await serveWorkerRpc(bus, { 'session.qr': async () => ({ qrCodes: ['2@x'], timeoutSeconds: 60, status: 'waiting_for_qr' }) });
 */
export async function serveWorkerRpc(bus: Bus, handlers: Record<string, RpcHandler>): Promise<() => void> {
  const topology = bus.topology;
  const subscriptions = Array.from({ length: topology.partitions }, (_, partition) =>
    bus.serve(topology.partitionRpcFilter(partition), async (request) => {
      const route = topology.parseRoutedSubject(request.subject);
      const handler = route ? handlers[route.op] : undefined;
      if (!handler) {
        throw new RpcFailure('invalid_request', `no handler for ${route?.op}`);
      }
      return handler(request);
    }),
  );
  await bus.nc.flush();
  return () => {
    for (const subscription of subscriptions) subscription.unsubscribe();
  };
}

/**
 * The last command published for an account and op, as stored in `WA_COMMANDS` (undefined when
 * none), and how many commands the stream holds.
 *
 * @example
 * const command = await storedCommand(bus, 'demo', 'message.send');
 */
export async function storedCommand(
  bus: Bus,
  accountId: string,
  op: string,
  kind: 'web' | 'cloud' = 'web',
): Promise<CommandEnvelope | undefined> {
  try {
    const stored = await bus.jsm.streams.getMessage(bus.topology.streams.commands, {
      last_by_subj: bus.topology.commandSubject(accountId, op, kind),
    });
    return stored?.json<CommandEnvelope>();
  } catch {
    return undefined;
  }
}

/** How many commands `WA_COMMANDS` holds. */
export async function commandCount(bus: Bus): Promise<number> {
  return (await bus.jsm.streams.info(bus.topology.streams.commands)).state.messages;
}
