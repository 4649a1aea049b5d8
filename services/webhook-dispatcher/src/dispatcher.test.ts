import { webhookReplaySubject } from '@wagate/contracts';
import { describe, expect, type HttpSink, type SinkRequest, test, waitFor } from '@wagate/testing';
import { type DispatcherUnderTest, verifiedEvent, withDispatcher } from './testing/dispatcher-harness';

const ALICE = '628222222222@s.whatsapp.net';
const GROUP = '120363025246125486@g.us';

function eventsAt(sink: HttpSink): Array<{ type: string; id: string; data: Record<string, unknown> }> {
  return sink.requests.map((request) => JSON.parse(request.body.toString('utf8')));
}

/** Whether both consumers have nothing pending: every event fanned out, every job settled. */
async function allSettled(dispatcher: DispatcherUnderTest): Promise<boolean> {
  const { topology, jsm } = dispatcher.bus;
  const fanout = await jsm.consumers.info(topology.streams.events, topology.consumers.webhookFanout);
  const delivery = await jsm.consumers.info(topology.streams.webhooks, topology.consumers.webhookDelivery);
  return [fanout, delivery].every((info) => info.num_pending === 0 && info.num_ack_pending === 0);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('webhook dispatcher', () => {
  test('delivers signed events that standardwebhooks and a plain HMAC both verify, with custom headers', async ({
    nats,
    database,
  }) => {
    await withDispatcher({ nats, database }, 2, async (dispatcher, [generated, given]) => {
      const { secret } = await dispatcher.webhooks.create({ accountId: 'demo', url: `${generated!.url}/a` });
      await dispatcher.webhooks.create({
        accountId: null,
        url: `${given!.url}/b`,
        secret: 'webhook-secret',
        headers: { 'x-tenant': 'acme' },
      });
      const published = [
        await dispatcher.publishMessage(ALICE),
        await dispatcher.publishMessage(GROUP),
        await dispatcher.publishMessage(ALICE, { content: { type: 'text', text: 'olá 👋' } }),
      ];
      for (const [sink, key] of [
        [generated!, secret],
        [given!, 'webhook-secret'],
      ] as const) {
        await waitFor(() => sink.requests.length >= 3, { message: 'three deliveries' });
        const verified = sink.requests.map((request) => verifiedEvent(request, key));
        expect(verified.map((event) => event.id).sort()).toEqual(published.map((event) => event.id).sort());
        expect(new Set(sink.requests.map((request) => request.headers['webhook-id'])).size).toBe(3);
      }
      expect(given!.requests.every((request) => request.headers['x-tenant'] === 'acme')).toBe(true);
      expect(() => verifiedEvent(given!.requests[0]!, 'another-secret')).toThrow();
    });
  });

  test('fan-out applies the filters: chat types, mentions of me, message types', async ({
    nats,
    database,
  }) => {
    await withDispatcher({ nats, database }, 3, async (dispatcher, [groups, mentions, images]) => {
      await dispatcher.webhooks.create({
        accountId: 'demo',
        url: groups!.url,
        filters: { chatTypes: ['group'] },
      });
      await dispatcher.webhooks.create({
        accountId: 'demo',
        url: mentions!.url,
        filters: { mentions: ['me'] },
      });
      await dispatcher.webhooks.create({
        accountId: 'demo',
        url: images!.url,
        filters: { messageTypes: ['image'] },
      });
      await dispatcher.publishMessage(ALICE);
      await dispatcher.publishMessage(GROUP);
      const mention = await dispatcher.publishMessage(GROUP, { mentions: ['628111111111@s.whatsapp.net'] });
      const image = await dispatcher.publishMessage(ALICE, {
        content: { type: 'image', media: { mimeType: 'image/jpeg' } },
      });
      await waitFor(
        () => groups!.requests.length >= 2 && mentions!.requests.length >= 1 && images!.requests.length >= 1,
        {
          message: 'filtered deliveries',
        },
      );
      await waitFor(() => allSettled(dispatcher), { message: 'nothing left to fan out or deliver' });
      expect(eventsAt(groups!).every((event) => event.data.chatType === 'group')).toBe(true);
      expect(eventsAt(groups!)).toHaveLength(2);
      expect(eventsAt(mentions!).map((event) => event.id)).toEqual([mention.id]);
      expect(eventsAt(images!).map((event) => event.id)).toEqual([image.id]);
    });
  });

  test('a sink that answers 500 for a while then 200 gets everything, on the schedule', async ({
    nats,
    database,
  }) => {
    await withDispatcher({ nats, database }, 1, async (dispatcher, [sink]) => {
      const failures = new Map<string, number>();
      sink!.respondWith((request) => {
        const id = String(request.headers['webhook-id']);
        const failed = failures.get(id) ?? 0;
        if (failed < 2) {
          failures.set(id, failed + 1);
          return { status: 500, body: 'busy' };
        }
        return { status: 200 };
      });
      const { webhook } = await dispatcher.webhooks.create({ accountId: 'demo', url: sink!.url });
      const events = await Promise.all([1, 2, 3].map(() => dispatcher.publishMessage(ALICE)));
      await waitFor(() => sink!.requests.length >= 9, { message: 'three attempts of each event' });
      for (const event of events) {
        const attempts = sink!.requests.filter((request) =>
          String(request.headers['webhook-id']).includes(event.id),
        );
        expect(attempts).toHaveLength(3);
        // Schedule 300 ms, 600 ms with ±10 % jitter.
        expect(attempts[1]!.receivedAt - attempts[0]!.receivedAt).toBeGreaterThanOrEqual(260);
        expect(attempts[2]!.receivedAt - attempts[1]!.receivedAt).toBeGreaterThanOrEqual(530);
        expect(new Set(attempts.map((attempt) => attempt.headers['webhook-id'])).size).toBe(1);
      }
      const log = await waitFor(async () => {
        const page = await dispatcher.deliveryLog.listAttempts(webhook.id, { limit: 50 });
        return page.items.length >= 9 && page.items;
      });
      expect(log.filter((row) => row.outcome === 'delivered')).toHaveLength(3);
      expect(log.filter((row) => row.outcome === 'retrying')).toHaveLength(6);
      expect(log.find((row) => row.outcome === 'retrying')).toMatchObject({
        statusCode: 500,
        responseSnippet: 'busy',
      });
      expect([...new Set(log.map((row) => row.attempt))].sort()).toEqual([1, 2, 3]);
    });
  });

  test('410 disables the endpoint, announces it, and keeps the job as a dead letter', async ({
    nats,
    database,
  }) => {
    await withDispatcher({ nats, database }, 2, async (dispatcher, [gone, watcher]) => {
      gone!.respondWith(() => ({ status: 410 }));
      const { webhook } = await dispatcher.webhooks.create({ accountId: 'demo', url: gone!.url });
      await dispatcher.webhooks.create({
        accountId: 'demo',
        url: watcher!.url,
        events: ['webhook.disabled'],
      });
      const event = await dispatcher.publishMessage(ALICE);
      const announced = await waitFor(() => eventsAt(watcher!).find((e) => e.type === 'webhook.disabled'), {
        message: 'the webhook.disabled event',
      });
      expect(announced.data).toMatchObject({ webhookId: webhook.id, reason: 'gone' });
      expect(await dispatcher.webhooks.get(webhook.id)).toMatchObject({ enabled: false });
      // Jobs fanned out to it before it was disabled (here: of the webhook.disabled event itself)
      // become dead letters too, to be redelivered if it is enabled again.
      const dead = await waitFor(async () =>
        (await dispatcher.deliveryLog.listDeadLetters(webhook.id, { limit: 5 })).items.find(
          (letter) => letter.eventId === event.id,
        ),
      );
      expect(dead).toMatchObject({ eventId: event.id, attempts: 1 });
      expect(dead.reason).toContain('410');
      expect(gone!.requests).toHaveLength(1);
    });
  });

  test('a job out of attempts becomes a dead letter that keeps the job', async ({ nats, database }) => {
    await withDispatcher({ nats, database }, 1, async (dispatcher, [sink]) => {
      sink!.respondWith(() => ({ status: 503 }));
      const { webhook } = await dispatcher.webhooks.create({ accountId: 'demo', url: sink!.url });
      const event = await dispatcher.publishMessage(ALICE);
      const dead = await waitFor(
        async () => (await dispatcher.deliveryLog.listDeadLetters(webhook.id, { limit: 5 })).items[0],
        { message: 'the dead letter' },
      );
      expect(dead).toMatchObject({ eventId: event.id, attempts: 4 });
      expect(dead.reason).toContain('out of attempts');
      expect((dead.job as { event: { id: string } }).event.id).toBe(event.id);
      expect(sink!.requests).toHaveLength(4);
      const attempts = (await dispatcher.deliveryLog.listAttempts(webhook.id, { limit: 10 })).items;
      expect(attempts.map((row) => row.outcome).sort()).toEqual([
        'failed',
        'retrying',
        'retrying',
        'retrying',
      ]);
    });
  });

  test('a hanging endpoint does not slow a healthy one (p99 of the healthy one measured)', async ({
    nats,
    database,
  }) => {
    await withDispatcher(
      { nats, database },
      2,
      async (dispatcher, [healthy, hanging]) => {
        hanging!.respondWith(() => new Promise(() => {}));
        await dispatcher.webhooks.create({ accountId: 'demo', url: healthy!.url });
        /** Publishes `count` events ~200 a second; returns the healthy sink's p50/p99 for them. */
        const measure = async (count: number) => {
          const sentAt = new Map<string, number>();
          const before = healthy!.requests.length;
          for (let i = 0; i < count; i += 1) {
            const event = await dispatcher.publishMessage(ALICE);
            sentAt.set(event.id, Date.now());
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          await waitFor(() => healthy!.requests.length >= before + count, {
            timeoutMs: 30_000,
            message: 'healthy deliveries',
          });
          const latencies = healthy!.requests.slice(before).map((request: SinkRequest) => {
            const event = JSON.parse(request.body.toString('utf8'));
            return request.receivedAt - sentAt.get(event.id)!;
          });
          return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
        };
        const alone = await measure(150);
        await dispatcher.webhooks.create({ accountId: 'demo', url: hanging!.url });
        await new Promise((resolve) => setTimeout(resolve, 200));
        const besideHanging = await measure(300);
        console.info(
          `healthy endpoint alone: p50 ${alone.p50} ms, p99 ${alone.p99} ms; beside a hanging one: p50 ${besideHanging.p50} ms, p99 ${besideHanging.p99} ms`,
        );
        expect(hanging!.requests.length).toBeGreaterThan(0);
        // Anything queued behind the hanging endpoint would wait for its 5 s timeout.
        expect(besideHanging.p99).toBeLessThan(1_500);
      },
      // 128 deliveries in flight in all, at most 48 of them for one endpoint: without per-endpoint
      // isolation the hanging endpoint would take every slot within a second.
      {
        WEBHOOK_TIMEOUT_MS: '5000',
        DELIVERY_CONCURRENCY: '128',
        WEBHOOK_ENDPOINT_CONCURRENCY: '32',
        WEBHOOK_ENDPOINT_QUEUE: '16',
      },
    );
  }, 90_000);

  test('a rate-limited endpoint receives no more than its rate', async ({ nats, database }) => {
    await withDispatcher({ nats, database }, 1, async (dispatcher, [sink]) => {
      await dispatcher.webhooks.create({ accountId: 'demo', url: sink!.url, rateLimitPerSecond: 10 });
      await Promise.all(Array.from({ length: 30 }, () => dispatcher.publishMessage(ALICE)));
      await waitFor(() => sink!.requests.length >= 30, { timeoutMs: 15_000, message: '30 deliveries' });
      const times = sink!.requests.map((request) => request.receivedAt);
      for (let i = 0; i < times.length; i += 1) {
        const inOneSecond = times.filter((time) => time >= times[i]! && time < times[i]! + 1_000).length;
        expect(inOneSecond).toBeLessThanOrEqual(11);
      }
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(2_500);
    });
  });

  test('an ordered subscription delivers each chat in order, one at a time, even across a retry', async ({
    nats,
    database,
  }) => {
    await withDispatcher({ nats, database }, 1, async (dispatcher, [sink]) => {
      let failedOnce = false;
      sink!.respondWith(async (request) => {
        const event = JSON.parse(request.body.toString('utf8'));
        if (event.data.content.text === 'a1' && !failedOnce) {
          failedOnce = true;
          return { status: 500 };
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { status: 200 };
      });
      await dispatcher.webhooks.create({ accountId: 'demo', url: sink!.url, ordered: true });
      for (const text of ['a1', 'a2', 'a3'])
        await dispatcher.publishMessage(ALICE, { content: { type: 'text', text } });
      await dispatcher.publishMessage(GROUP, { content: { type: 'text', text: 'b1' } });
      await waitFor(() => sink!.requests.length >= 5, { message: 'five requests' });
      const texts = eventsAt(sink!).map((event) => (event.data.content as { text: string }).text);
      expect(texts.filter((text) => text.startsWith('a'))).toEqual(['a1', 'a1', 'a2', 'a3']);
      // The other chat did not wait for a1's retry.
      expect(texts.indexOf('b1')).toBeLessThan(texts.lastIndexOf('a1'));
    });
  });

  test('the SSRF guard refuses private addresses unless allowed', async ({ nats, database }) => {
    await withDispatcher(
      { nats, database },
      1,
      async (dispatcher, [sink]) => {
        const { webhook } = await dispatcher.webhooks.create({ accountId: 'demo', url: sink!.url });
        await dispatcher.publishMessage(ALICE);
        const attempt = await waitFor(
          async () => (await dispatcher.deliveryLog.listAttempts(webhook.id, { limit: 1 })).items[0],
          { message: 'a refused attempt' },
        );
        expect(attempt.error).toContain('private address');
        expect(sink!.requests).toHaveLength(0);
      },
      { WEBHOOK_ALLOWED_HOSTS: '', WEBHOOK_RETRY_SCHEDULE_MS: '60000' },
    );
  });

  test('replays one delivery and everything since a time, with the same webhook-ids', async ({
    nats,
    database,
  }) => {
    await withDispatcher({ nats, database }, 1, async (dispatcher, [sink]) => {
      const { webhook } = await dispatcher.webhooks.create({
        accountId: 'demo',
        url: sink!.url,
        filters: { chatTypes: ['contact'] },
      });
      const since = new Date().toISOString();
      const first = await dispatcher.publishMessage(ALICE);
      await dispatcher.publishMessage(GROUP);
      const second = await dispatcher.publishMessage(ALICE);
      await waitFor(() => sink!.requests.length >= 2, { message: 'first deliveries' });
      const subject = webhookReplaySubject(dispatcher.bus.topology, webhook.id);
      await dispatcher.bus.publish(subject, {
        replayId: 'r1',
        webhookId: webhook.id,
        event: { id: first.id, accountId: 'demo', type: first.type },
      });
      await waitFor(() => sink!.requests.length >= 3, { message: 'the replay of one delivery' });
      await dispatcher.bus.publish(subject, { replayId: 'r2', webhookId: webhook.id, since });
      await waitFor(() => sink!.requests.length >= 5, { message: 'the replay since a time' });
      const ids = eventsAt(sink!).map((event) => event.id);
      expect(ids.slice(2)).toEqual([first.id, first.id, second.id]);
      const webhookIds = sink!.requests.map((request) => request.headers['webhook-id']);
      expect(new Set(webhookIds).size).toBe(2);
    });
  });
});
