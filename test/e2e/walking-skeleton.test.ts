import { createHmac, randomBytes } from 'node:crypto';
import { AccountsRepository } from '@wagate/db';
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

const SERVICES = ['session-worker', 'webhook-dispatcher', 'cloud-api-bridge', 'api-gateway'] as const;

describe('walking skeleton', () => {
  test('POST /api/v1/sessions travels gateway → Postgres → worker lease → WA_EVENTS → dispatcher → webhook sink', async ({
    nats,
    database,
  }) => {
    const adminKey = randomBytes(24).toString('base64url');
    const env = {
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      PARTITIONS: '8',
      LEASE_TTL_MS: '4000',
      WORKER_TTL_MS: '3000',
      DATABASE_URL: database.url,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ADMIN_API_KEY: adminKey,
      PORT: '0',
      LOG_LEVEL: 'info',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    };
    let sink: HttpSink | undefined;
    const processes: ServiceProcess[] = [];
    try {
      sink = await startHttpSink();
      for (const service of SERVICES) {
        processes.push(
          await startServiceProcess({
            name: service,
            entry: `services/${service}/src/main.ts`,
            env: { ...env, INSTANCE_ID: service },
          }),
        );
      }
      const gateway = processes.at(-1)!;
      for (const service of processes) {
        const ready = await fetch(`${service.url}/readyz`);
        expect(ready.status, `${service.name} readiness`).toBe(200);
      }

      const created = await fetch(`${gateway.url}/api/v1/sessions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          id: 'demo',
          name: 'Demo',
          webhook: { url: `${sink.url}/hook`, secret: 'skeleton-secret' },
        }),
      });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({
        session: { id: 'demo', name: 'Demo', status: 'connecting', is_logged_in: false },
      });

      const account = await new AccountsRepository(database.db, 8).get('demo');
      expect(account).toMatchObject({ id: 'demo', kind: 'web' });

      const delivery = await waitFor(() => sink!.requests.find((request) => request.path === '/hook'), {
        timeoutMs: 20_000,
        message: 'the session.status webhook at the sink',
      });
      const event = JSON.parse(delivery.body.toString('utf8'));
      expect(event).toMatchObject({
        specversion: '1.0',
        type: 'session.status',
        subject: 'demo',
        data: { status: 'connecting', workerId: 'session-worker' },
      });
      expect(delivery.headers['webhook-id']).toMatch(/^msg_/);
      expect(delivery.headers['x-webhook-signature']).toBe(
        `sha256=${createHmac('sha256', 'skeleton-secret').update(delivery.body).digest('hex')}`,
      );
      expect(await new AccountsRepository(database.db, 8).get('demo')).toMatchObject({
        sessionStatus: 'connecting',
      });
    } finally {
      for (const service of processes.reverse())
        expect(await service.stop('SIGTERM'), `${service.name} exit code`).toBe(0);
      await sink?.close();
    }
  }, 120_000);
});
