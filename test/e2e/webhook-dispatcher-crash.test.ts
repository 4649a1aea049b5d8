import { createHmac } from 'node:crypto';
import { createEvent, deliveryIdOf } from '@wagate/contracts';
import { AccountsRepository, SecretBox, WebhooksRepository } from '@wagate/db';
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

const EVENTS = 10_000;
const SECRET = 'crash-test-secret';

describe('webhook dispatcher crash', () => {
  test('SIGKILL in the middle of 10,000 events: after a restart every event is delivered at least once', async ({
    nats,
    database,
  }) => {
    const encryptionKey = SecretBox.generateKey();
    const env = {
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      PARTITIONS: '8',
      DATABASE_URL: database.url,
      ENCRYPTION_KEY: encryptionKey,
      PORT: '0',
      LOG_LEVEL: 'info',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      // A restarted dispatcher picks up jobs the killed one held once their ack wait ends (30 s);
      // retries of failed attempts come 1 s apart here instead of the real schedule.
      WEBHOOK_RETRY_SCHEDULE_MS: '1000,1000,1000,1000,1000',
    };
    const startDispatcher = (name: string) =>
      startServiceProcess({ name, entry: 'services/webhook-dispatcher/src/main.ts', env });
    let sink: HttpSink | undefined;
    const processes: ServiceProcess[] = [];
    try {
      sink = await startHttpSink();
      const first = await startDispatcher('dispatcher-1');
      processes.push(first);
      await new AccountsRepository(database.db, 8).create({ id: 'crash', kind: 'web' });
      const { webhook } = await new WebhooksRepository(
        database.db,
        SecretBox.fromEncodedKey(encryptionKey),
      ).create({ accountId: 'crash', url: `${sink.url}/hook`, secret: SECRET });

      const bus = await nats.connect('crash-test');
      const ids: string[] = [];
      for (let sent = 0; sent < EVENTS; sent += 250) {
        const batch = Array.from({ length: 250 }, (_, i) =>
          createEvent(
            'session.status',
            'crash',
            { status: 'connecting', workerId: `n${sent + i}` },
            {
              source: 'crash-test',
            },
          ),
        );
        ids.push(...batch.map((event) => event.id));
        await Promise.all(batch.map((event) => bus.publishEvent(event)));
      }

      await waitFor(() => sink!.requests.length >= EVENTS * 0.3, {
        timeoutMs: 120_000,
        message: 'deliveries under way before the kill',
      });
      first.process.kill('SIGKILL');
      await first.exited;
      const deliveredBeforeKill = new Set(
        sink.requests.map((request) => String(request.headers['webhook-id'])),
      ).size;

      processes.push(await startDispatcher('dispatcher-2'));
      const received = () => new Set(sink!.requests.map((request) => String(request.headers['webhook-id'])));
      await waitFor(() => received().size >= EVENTS, {
        timeoutMs: 240_000,
        intervalMs: 500,
        message: 'every event at the sink after the restart',
      });

      const webhookIds = received();
      const lost = ids.filter((id) => !webhookIds.has(deliveryIdOf(id, webhook.id)));
      const duplicates = sink.requests.length - webhookIds.size;
      console.info(
        `crash test: ${EVENTS} events, ${deliveredBeforeKill} delivered before SIGKILL, ${lost.length} lost, ${duplicates} delivered twice (same webhook-id)`,
      );
      expect(lost).toEqual([]);
      expect(webhookIds.size).toBe(EVENTS);
      for (const request of sink.requests) {
        expect(request.headers['x-webhook-signature']).toBe(
          `sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`,
        );
      }
    } finally {
      for (const service of processes) await service.stop('SIGTERM');
      await sink?.close();
    }
  }, 420_000);
});
