import { createHmac } from 'node:crypto';
import type { Bus } from '@wagate/bus';
import { createEvent, type EventData, type EventEnvelope } from '@wagate/contracts';
import { AccountsRepository, SecretBox, WebhookDeliveryLog, WebhooksRepository } from '@wagate/db';
import { type HostedProcess, hostServices } from '@wagate/service-host';
import {
  type DatabaseUnderTest,
  type HttpSink,
  type NatsUnderTest,
  type SinkRequest,
  startHttpSink,
} from '@wagate/testing';
import { Webhook } from 'standardwebhooks';
import { webhookDispatcher } from '../service';

/** A dispatcher running in this process against a test's NATS namespace and database. */
export interface DispatcherUnderTest {
  host: HostedProcess;
  /** A bus of the test (to publish events and read streams). */
  bus: Bus;
  webhooks: WebhooksRepository;
  deliveryLog: WebhookDeliveryLog;
  accounts: AccountsRepository;
  /** Publishes a `message.received` of account `demo` in `chatId`. */
  publishMessage(chatId: string, overrides?: Partial<EventData<'message.received'>>): Promise<EventEnvelope>;
  stop(): Promise<void>;
}

/** Configuration every dispatcher test shares: loopback allowed, a short retry schedule. */
export function dispatcherEnv(
  nats: NatsUnderTest,
  database: DatabaseUnderTest,
  encryptionKey: string,
): Record<string, string> {
  return {
    NATS_URL: nats.url,
    NATS_NAMESPACE: nats.namespace,
    PARTITIONS: '8',
    DATABASE_URL: database.url,
    ENCRYPTION_KEY: encryptionKey,
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOG_FORMAT: 'json',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_RETRY_SCHEDULE_MS: '300,600,900',
    WEBHOOK_SUBSCRIPTION_CACHE_MS: '100',
  };
}

/**
 * Starts the dispatcher in this process (as `--target=webhook-dispatcher` would) with an `demo`
 * account, for tests that drive it with real events and real HTTP sinks.
 *
 * @example
 * const dispatcher = await startDispatcher(nats, database, { WEBHOOK_TIMEOUT_MS: '1000' });
 */
export async function startDispatcher(
  nats: NatsUnderTest,
  database: DatabaseUnderTest,
  env: Record<string, string> = {},
): Promise<DispatcherUnderTest> {
  const encryptionKey = SecretBox.generateKey();
  const host = await hostServices([webhookDispatcher], {
    env: { ...dispatcherEnv(nats, database, encryptionKey), ...env },
    handleSignals: false,
  });
  const bus = await nats.connect('dispatcher-test');
  const accounts = new AccountsRepository(database.db, 8);
  if (!(await accounts.get('demo')))
    await accounts.create({ id: 'demo', kind: 'web', name: 'Demo', phoneNumber: '628111111111' });
  return {
    host,
    bus,
    webhooks: new WebhooksRepository(database.db, SecretBox.fromEncodedKey(encryptionKey)),
    deliveryLog: new WebhookDeliveryLog(database.db),
    accounts,
    publishMessage: async (chatId, overrides = {}) => {
      const event = createEvent(
        'message.received',
        'demo',
        {
          id: `M${Math.random().toString(36).slice(2)}`,
          chatId,
          chatType: chatId.endsWith('@g.us') ? 'group' : 'contact',
          sender: '628222222222@s.whatsapp.net',
          fromMe: false,
          timestamp: Math.floor(Date.now() / 1000),
          content: { type: 'text', text: 'hello' },
          mentions: [],
          ...overrides,
        },
        { source: 'test' },
      );
      await bus.publishEvent(event);
      return event;
    },
    stop: () => host.shutdown(),
  };
}

/**
 * Runs `body` with a dispatcher (started with `env`) and `sinkCount` HTTP sinks, and always cleans
 * both up.
 *
 * @example
 * await withDispatcher({ nats, database }, 1, async (dispatcher, [sink]) => { … });
 */
export async function withDispatcher(
  { nats, database }: { nats: NatsUnderTest; database: DatabaseUnderTest },
  sinkCount: number,
  body: (dispatcher: DispatcherUnderTest, sinks: HttpSink[]) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const sinks = await Promise.all(Array.from({ length: sinkCount }, () => startHttpSink()));
  const dispatcher = await startDispatcher(nats, database, env);
  try {
    await body(dispatcher, sinks);
  } finally {
    await dispatcher.stop();
    await Promise.all(sinks.map((sink) => sink.close()));
  }
}

/**
 * What a careful receiver does: verifies the Standard Webhooks signature with the official
 * `standardwebhooks` package and `X-Webhook-Signature` with a plain HMAC, then returns the event.
 *
 * @example
 * const event = verifiedEvent(request, 'webhook-secret');
 */
export function verifiedEvent(request: SinkRequest, secret: string): EventEnvelope {
  const body = request.body.toString('utf8');
  const receiver = secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(secret, { format: 'raw' });
  const event = receiver.verify(body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as EventEnvelope;
  const expected = `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`;
  if (request.headers['x-webhook-signature'] !== expected) throw new Error('X-Webhook-Signature mismatch');
  return event;
}
