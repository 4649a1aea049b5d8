import { createEvent, deliveryIdOf } from '@wagate/contracts';
import { AccountsRepository, SecretBox, WebhookDeliveryLog, WebhooksRepository } from '@wagate/db';
import {
  describe,
  expect,
  type HttpSink,
  type ServiceProcess,
  startHttpSink,
  startServiceProcess,
  test,
  waitFor,
} from '@wagate/testing';
import { dispatcherEnv, verifiedEvent, withDispatcher } from '../testing/dispatcher-harness';

const ALICE = '628222222222@s.whatsapp.net';

describe('first attempts from the fan-out', () => {
  test('a delivery that succeeds at once is made from the event and writes no job', async ({
    nats,
    database,
  }) => {
    await withDispatcher({ nats, database }, 1, async (dispatcher, [sink]) => {
      const { webhook, secret } = await dispatcher.webhooks.create({ accountId: 'demo', url: sink!.url });
      const events = await Promise.all(Array.from({ length: 20 }, () => dispatcher.publishMessage(ALICE)));
      await waitFor(() => sink!.requests.length >= 20, { message: '20 deliveries' });
      // The exact bytes of the stored event are what is signed and sent.
      const verified = sink!.requests.map((request) => verifiedEvent(request, secret));
      expect(verified.map((event) => event.id).sort()).toEqual(events.map((event) => event.id).sort());
      const log = await waitFor(async () => {
        const page = await dispatcher.deliveryLog.listAttempts(webhook.id, { limit: 50 });
        return page.items.length >= 20 && page.items;
      });
      expect(log.every((row) => row.outcome === 'delivered' && row.attempt === 1)).toBe(true);
      expect(log.every((row) => row.jobSequence === null)).toBe(true);
      const { topology, jsm } = dispatcher.bus;
      expect((await jsm.streams.info(topology.streams.webhooks)).state.last_seq).toBe(0);
    });
  });

  test('a failed first attempt becomes a job the delivery stage retries on the schedule or Retry-After', async ({
    nats,
    database,
  }) => {
    await withDispatcher({ nats, database }, 1, async (dispatcher, [sink]) => {
      const attemptsOf = new Map<string, number>();
      sink!.respondWith((request) => {
        const text = JSON.parse(request.body.toString('utf8')).data.content.text as string;
        const attempts = (attemptsOf.get(text) ?? 0) + 1;
        attemptsOf.set(text, attempts);
        if (attempts > 1) return { status: 200 };
        return text === 'throttled'
          ? { status: 429, headers: { 'retry-after': '1' } }
          : { status: 500, body: 'down' };
      });
      const { webhook } = await dispatcher.webhooks.create({ accountId: 'demo', url: sink!.url });
      const failed = await dispatcher.publishMessage(ALICE, { content: { type: 'text', text: 'failed' } });
      const throttled = await dispatcher.publishMessage(ALICE, {
        content: { type: 'text', text: 'throttled' },
      });
      await waitFor(() => sink!.requests.length >= 4, { message: 'two attempts of each event' });
      const timesOf = (eventId: string) =>
        sink!.requests
          .filter((request) => request.headers['webhook-id'] === deliveryIdOf(eventId, webhook.id))
          .map((request) => request.receivedAt);
      const [failedFirst, failedRetry] = timesOf(failed.id);
      const [throttledFirst, throttledRetry] = timesOf(throttled.id);
      // Schedule 300 ms with ±10 % jitter; Retry-After: 1 s is longer and wins.
      expect(failedRetry! - failedFirst!).toBeGreaterThanOrEqual(260);
      expect(throttledRetry! - throttledFirst!).toBeGreaterThanOrEqual(990);

      const log = await waitFor(async () => {
        const page = await dispatcher.deliveryLog.listAttempts(webhook.id, {
          limit: 10,
          deliveryId: deliveryIdOf(failed.id, webhook.id),
        });
        return page.items.length >= 2 && page.items;
      });
      const [retried, first] = log;
      expect(first).toMatchObject({
        attempt: 1,
        outcome: 'retrying',
        statusCode: 500,
        responseSnippet: 'down',
      });
      expect(retried).toMatchObject({ attempt: 2, outcome: 'delivered', statusCode: 200 });
      // Both attempts belong to the one job that carried the retry.
      expect(first!.jobSequence).not.toBeNull();
      expect(retried!.jobSequence).toBe(first!.jobSequence);
    });
  });

  test('a dispatcher killed after a first attempt reached the endpoint, before the event was acknowledged, delivers it again after a restart', async ({
    nats,
    database,
  }) => {
    const encryptionKey = SecretBox.generateKey();
    const env = { ...dispatcherEnv(nats, database, encryptionKey), LOG_LEVEL: 'info' };
    const startProcess = (name: string) =>
      startServiceProcess({ name, entry: 'services/webhook-dispatcher/src/main.ts', env });
    const processes: ServiceProcess[] = [];
    let sink: HttpSink | undefined;
    try {
      sink = await startHttpSink();
      const first = await startProcess('dispatcher-1');
      processes.push(first);
      await new AccountsRepository(database.db, 8).create({ id: 'kill', kind: 'web' });
      const { webhook } = await new WebhooksRepository(
        database.db,
        SecretBox.fromEncodedKey(encryptionKey),
      ).create({ accountId: 'kill', url: sink.url });
      // The endpoint takes the event, but the dispatcher dies before it reads the answer.
      sink.respondWith(async () => {
        if (first.process.exitCode === null) {
          first.process.kill('SIGKILL');
          await first.exited;
        }
        return { status: 200 };
      });
      const bus = await nats.connect('first-attempt-kill');
      const event = createEvent('session.status', 'kill', { status: 'connecting' }, { source: 'test' });
      await bus.publishEvent(event);
      await waitFor(() => sink!.requests.length >= 1, { message: 'the first attempt' });
      await first.exited;

      processes.push(await startProcess('dispatcher-2'));
      // The event comes back once the fan-out's ack wait (30 s) of the killed dispatcher ends.
      await waitFor(() => sink!.requests.length >= 2, {
        timeoutMs: 60_000,
        message: 'the delivery after the restart',
      });
      const deliveryId = deliveryIdOf(event.id, webhook.id);
      expect(sink.requests.map((request) => request.headers['webhook-id'])).toEqual([deliveryId, deliveryId]);
      const log = await waitFor(async () => {
        const page = await new WebhookDeliveryLog(database.db).listAttempts(webhook.id, { limit: 5 });
        return page.items.length >= 1 && page.items;
      });
      expect(log).toMatchObject([{ deliveryId, outcome: 'delivered' }]);
    } finally {
      for (const service of processes) await service.stop('SIGTERM');
      await sink?.close();
    }
  }, 120_000);
});
