import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { type Bus, outgoingHeaders } from '@wagate/bus';
import {
  type CommandOp,
  type CommandPayload,
  type EventType,
  newId,
  type OutboundContent,
  parseEvent,
  type TypedEvent,
} from '@wagate/contracts';
import { CloudAccountsRepository, CloudMessagesRepository, SecretBox } from '@wagate/db';
import {
  type FakeGraphApi,
  type FakeGraphApiOptions,
  type PhoneNumberRegistration,
  startFakeGraphApi,
} from '@wagate/fake-graph-api';
import { LocalDirectoryMediaStore } from '@wagate/media-store';
import { MetricsRegistry } from '@wagate/observability';
import { Readiness } from '@wagate/runtime';
import type { RunningService } from '@wagate/service-host';
import type { DatabaseUnderTest, NatsUnderTest } from '@wagate/testing';
import { testLogger, waitFor } from '@wagate/testing';
import { CloudApiBridgeConfig } from '../config';
import { cloudApiBridge } from '../service';

/** The ids of Meta's own examples, so payloads read like the documentation. */
export const WABA_ID = '102290129340398';
export const PHONE_NUMBER_ID = '106540352242922';
export const ACCESS_TOKEN = 'EAAGbridgeTestToken';
export const APP_SECRET = 'test_app_secret';
export const VERIFY_TOKEN = 'verify-me';
export const ACCOUNT_ID = 'support';
/** A user who writes to the business. */
export const USER = '16505551234';
export const USER_JID = `${USER}@s.whatsapp.net`;

/** The sample business number, as the fake registers it. */
export const SAMPLE_NUMBER: PhoneNumberRegistration = {
  phoneNumberId: PHONE_NUMBER_ID,
  displayPhoneNumber: '+1 555-078-3881',
  verifiedName: 'Jaspers Market',
  qualityRating: 'GREEN',
  messagingLimitTier: 'TIER_1K',
};

/**
 * A webhook body of Meta's shape with one change of the sample business.
 *
 * @example
 * await bridge.deliverWebhook(webhookBody('messages', { messaging_product: 'whatsapp', metadata, statuses }));
 */
export function webhookBody(field: string, value: Record<string, unknown>) {
  return { object: 'whatsapp_business_account', entry: [{ id: WABA_ID, changes: [{ field, value }] }] };
}

/**
 * A stand-in for the gateway's Meta webhook endpoint, so the bridge's tests need no gateway: it
 * answers the verification GET and publishes each POST's raw body to `wa.cloud.in.<accountId>`.
 * (The real endpoint, which also checks signatures, is tested in the gateway.)
 */
async function startInboundRelay(bus: Bus): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const accountId = url.pathname.split('/').at(-1) ?? '';
    if (request.method === 'GET') {
      response.writeHead(200).end(url.searchParams.get('hub.challenge') ?? '');
      return;
    }
    void buffer(request).then(async (body) => {
      await bus.js.publish(bus.topology.cloudInboundSubject(accountId), body, { headers: outgoingHeaders() });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/meta`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface BridgeUnderTest {
  readonly fake: FakeGraphApi;
  readonly bus: Bus;
  readonly accounts: CloudAccountsRepository;
  readonly messages: CloudMessagesRepository;
  readonly mediaStore: LocalDirectoryMediaStore;
  /** Every event published so far, in arrival order. */
  readonly events: TypedEvent[];
  /** Publishes a command exactly as the gateway does (`bus.publishCommand(command, 'cloud')`). */
  command<Op extends CommandOp>(op: Op, payload: CommandPayload<Op>, accountId?: string): Promise<string>;
  /** Publishes a `message.send` to the user; resolves with its ids. */
  send(
    content: OutboundContent,
    extra?: Partial<CommandPayload<'message.send'>>,
  ): Promise<{ commandId: string; messageId: string }>;
  /** Waits for an event of a type that matches. */
  waitForEvent<T extends EventType>(
    type: T,
    match?: (event: TypedEvent<T>) => boolean,
    timeoutMs?: number,
  ): Promise<TypedEvent<T>>;
  /**
   * Stores a webhook body for the bridge as the gateway does after checking its signature (for
   * bodies the fake does not produce); objects are serialized.
   */
  deliverWebhook(body: string | object, accountId?: string): Promise<void>;
  /** Resolves once every stored webhook body was processed. */
  webhooksProcessed(): Promise<void>;
  /** Events of a type that match, so far. */
  eventsOf<T extends EventType>(type: T, match?: (event: TypedEvent<T>) => boolean): TypedEvent<T>[];
  stop(): Promise<void>;
}

export interface BridgeUnderTestOptions {
  nats: NatsUnderTest;
  database: DatabaseUnderTest;
  /** Bridge settings (environment variable names), over short test defaults. */
  env?: Record<string, string>;
  fake?: FakeGraphApiOptions;
}

/**
 * The bridge in this process against real NATS and PostgreSQL, the fake Graph API on loopback with
 * the sample business subscribed (through a relay that stands in for the gateway) and the cloud
 * account `support` stored with its credentials. The customer-service window is open for `USER`.
 *
 * @example
 * const bridge = await startBridgeUnderTest({ nats, database });
 * await bridge.send({ type: 'text', text: 'hi' });
 */
export async function startBridgeUnderTest(options: BridgeUnderTestOptions): Promise<BridgeUnderTest> {
  const { nats, database } = options;
  await nats.provision();
  const bus = await nats.connect('bridge-test');
  const secretBox = SecretBox.fromEncodedKey(SecretBox.generateKey());
  const accounts = new CloudAccountsRepository(database.db, secretBox, nats.topology.partitions);
  const messages = new CloudMessagesRepository(database.db);
  const mediaDirectory = await mkdtemp(join(tmpdir(), 'bridge-media-'));
  const mediaStore = new LocalDirectoryMediaStore(mediaDirectory);
  const relay = await startInboundRelay(bus);
  const fake = await startFakeGraphApi({
    statusTiming: { sentMs: 5, deliveredMs: 10, readMs: 15 },
    ...options.fake,
    webhookDelivery: { retryInitialDelayMs: 50, retryMaxDelayMs: 200, ...options.fake?.webhookDelivery },
  });
  fake.registerBusiness({
    wabaId: WABA_ID,
    name: 'Jaspers Market',
    phoneNumbers: [SAMPLE_NUMBER],
    accessTokens: [ACCESS_TOKEN],
    webhook: { callbackUrl: `${relay.url}/${ACCOUNT_ID}`, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN },
    templates: [
      {
        name: 'order_update',
        language: 'en_US',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.' }],
      },
    ],
  });
  fake.openCustomerServiceWindow(PHONE_NUMBER_ID, USER);
  await accounts.create({
    id: ACCOUNT_ID,
    name: 'Support',
    phoneNumber: '+15550783881',
    phoneNumberId: PHONE_NUMBER_ID,
    businessAccountId: WABA_ID,
    accessToken: ACCESS_TOKEN,
    verifyToken: VERIFY_TOKEN,
    appSecret: APP_SECRET,
  });

  // Read from WA_EVENTS, as subscribers do: an event JetStream stored once is seen once.
  const events: TypedEvent[] = [];
  const eventConsumer = await bus.js.consumers.get(nats.topology.streams.events, {
    filter_subjects: nats.topology.eventFilter(),
  });
  const eventMessages = await eventConsumer.consume();
  void (async () => {
    for await (const message of eventMessages) {
      const parsed = parseEvent(message.json());
      if (parsed.known) events.push(parsed.event);
    }
  })();
  const log = testLogger('cloud-api-bridge');
  const config = CloudApiBridgeConfig.parse({
    GRAPH_API_URL: fake.url,
    GRAPH_RETRY_DELAY_MS: '20',
    CLOUD_PAIR_BACKOFF_UNIT_MS: '100',
    CLOUD_THROUGHPUT_BACKOFF_MS: '200',
    ...options.env,
  });
  const bridgeBus = await nats.connect('cloud-api-bridge');
  let service: RunningService;
  try {
    service = await cloudApiBridge.start(
      {
        bus: bridgeBus,
        database: database.handle,
        db: database.db,
        topology: nats.topology,
        log,
        metrics: new MetricsRegistry(),
        readiness: new Readiness(),
        secretBox,
        mediaStore,
        instanceId: 'bridge-test',
        mode: 'single',
        env: {},
      },
      config,
    );
  } catch (error) {
    await fake.close();
    await relay.close();
    throw error;
  }

  const eventsOf = <T extends EventType>(type: T, match?: (event: TypedEvent<T>) => boolean) =>
    events.filter(
      (event): event is TypedEvent<T> => event.type === type && (match?.(event as TypedEvent<T>) ?? true),
    );
  const command = async <Op extends CommandOp>(
    op: Op,
    payload: CommandPayload<Op>,
    accountId = ACCOUNT_ID,
  ) => {
    const id = `cmd_${newId()}`;
    await bus.publishCommand({ id, accountId, op, createdAt: new Date().toISOString(), payload }, 'cloud');
    return id;
  };
  return {
    fake,
    bus,
    accounts,
    messages,
    mediaStore,
    events,
    command,
    send: async (content, extra = {}) => {
      const messageId = extra.messageId ?? `msg_${randomBytes(8).toString('hex')}`;
      const commandId = await command('message.send', { to: USER_JID, content, ...extra, messageId });
      return { commandId, messageId };
    },
    eventsOf,
    deliverWebhook: async (body, accountId = ACCOUNT_ID) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      await bus.js.publish(bus.topology.cloudInboundSubject(accountId), Buffer.from(text), {
        headers: outgoingHeaders(),
      });
    },
    webhooksProcessed: () =>
      waitFor(
        async () => {
          const info = await bus.jsm.consumers.info(
            bus.topology.streams.cloudInbound,
            bus.topology.consumers.cloudInbound,
          );
          return info.num_pending === 0 && info.num_ack_pending === 0;
        },
        { message: 'every webhook body processed' },
      ).then(() => undefined),
    waitForEvent: (type, match, timeoutMs = 10_000) =>
      waitFor(() => eventsOf(type, match)[0], { timeoutMs, message: `a ${type} event` }),
    stop: async () => {
      await service.stop();
      await eventMessages.close();
      await fake.close();
      await relay.close();
      await rm(mediaDirectory, { recursive: true, force: true });
    },
  };
}
