import { setTimeout as delay } from 'node:timers/promises';
import { RpcFailure } from '@wagate/bus';
import { AccountsRepository, WebhooksRepository } from '@wagate/db';
import { describe, expect, test } from '@wagate/testing';
import { gatewayUnderTest, serveWorkerRpc, storedCommand } from '../testing/gateway-under-test';

const summary = (status: string) => ({
  status,
  reason: null,
  phoneNumber: status === 'logged_in' ? '628123456789' : null,
  pushName: status === 'logged_in' ? 'John Doe' : null,
  isLoggedIn: status === 'logged_in',
});

describe('sessions (seed 004)', () => {
  test('seed 004 create example works literally and queues session.connect; list, get, status, update, delete', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    try {
      // curl -X POST http://localhost:3000/api/v1/sessions -H "Authorization: Bearer …" -H "Content-Type: application/json" -d '…'
      const created = await gateway.call('POST', '/api/v1/sessions', {
        rawBody:
          '{\n"id": "business-1",\n"name": "Business Account",\n"webhook": {\n"url": "https://example.com/webhook"\n}\n}',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        session: {
          id: 'business-1',
          name: 'Business Account',
          phone_number: null,
          push_name: null,
          status: 'connecting',
          created_at: expect.any(Number),
          updated_at: expect.any(Number),
          last_connected_at: null,
          is_logged_in: false,
        },
      });
      expect(await storedCommand(gateway.bus, 'business-1', 'session.connect')).toMatchObject({
        op: 'session.connect',
      });
      expect(
        await new WebhooksRepository(database.db, gateway.deps.secretBox).list({ accountId: 'business-1' }),
      ).toHaveLength(1);

      expect((await gateway.call('POST', '/api/v1/sessions', { body: { id: 'business-1' } })).status).toBe(
        409,
      );
      expect((await gateway.call('POST', '/api/v1/sessions', { body: { id: 'no spaces' } })).status).toBe(
        400,
      );
      const generated = await gateway.call('POST', '/api/v1/sessions', { body: {} });
      expect(generated.body.session.id).toMatch(/^[0-9a-z]{26}$/);

      const list = await gateway.call('GET', '/api/v1/sessions');
      expect(list.body).toMatchObject({
        total: 2,
        sessions: expect.arrayContaining([expect.objectContaining({ id: 'business-1' })]),
      });
      expect((await gateway.call('GET', '/api/v1/sessions/business-1')).body).toMatchObject({
        id: 'business-1',
        name: 'Business Account',
      });
      expect((await gateway.call('GET', '/api/v1/sessions/missing')).status).toBe(404);

      await new AccountsRepository(database.db).updateSessionState('business-1', {
        sessionStatus: 'logged_in',
        phoneNumber: '628123456789',
        pushName: 'John Doe',
      });
      expect((await gateway.call('GET', '/api/v1/sessions/business-1/status')).body).toEqual({
        status: 'logged_in',
        is_logged_in: true,
        phone_number: '628123456789',
        push_name: 'John Doe',
        reason: null,
      });

      const updated = await gateway.call('PATCH', '/api/v1/sessions/business-1', {
        body: { name: 'Renamed', settings: { messages_per_minute: 20, jitter_ms: 500 } },
      });
      expect(updated).toMatchObject({ status: 200, body: { name: 'Renamed' } });
      expect((await new AccountsRepository(database.db).get('business-1'))?.settings).toEqual({
        messagesPerMinute: 20,
        jitterMs: 500,
      });
      expect(
        (await gateway.call('PATCH', '/api/v1/sessions/business-1', { body: { settings: { bogus: 1 } } }))
          .status,
      ).toBe(400);

      // No worker runs it: deleting still works (nothing to stop), and takes its webhooks along.
      const deleted = await gateway.call('DELETE', '/api/v1/sessions/business-1');
      expect(deleted.body).toEqual({ success: true, message: 'Session deleted' });
      expect(await new AccountsRepository(database.db).get('business-1')).toBeUndefined();
      expect(
        await new WebhooksRepository(database.db, gateway.deps.secretBox).list({ accountId: 'business-1' }),
      ).toEqual([]);
      expect((await gateway.call('DELETE', '/api/v1/sessions/business-1')).status).toBe(404);
      // Prometheus metrics by route pattern (served on /metrics with the process's other metrics).
      const metrics = await gateway.deps.metrics!.render();
      expect(metrics).toMatch(
        /wagate_gateway_http_requests_total\{method="POST",route="\/api\/v1\/sessions",status="201"\} [1-9]/,
      );
      expect(metrics).toContain('wagate_gateway_http_request_duration_seconds_bucket');
    } finally {
      gateway.close();
    }
  });

  test('worker-answered routes: QR (JSON, PNG, SVG), pair, device, connect/disconnect/logout/restart', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    const worker = await nats.connect('worker');
    const stop = await serveWorkerRpc(worker, {
      'session.qr': async () => ({
        qrCodes: ['2@ABC123,key1,key2,adv'],
        timeoutSeconds: 60,
        status: 'waiting_for_qr',
      }),
      'session.pair': async ({ payload }) => {
        expect(payload).toEqual({ phoneNumber: '628123456789', showPushNotification: true });
        return { code: 'ABCD-EFGH', timeoutSeconds: 60 };
      },
      'session.device': async () => ({
        deviceId: 1,
        phoneNumber: '628123456789',
        lid: '123456789@lid',
        pushName: 'John Doe',
      }),
      'session.connect': async () => summary('connecting'),
      'session.disconnect': async () => summary('disconnected'),
      'session.logout': async () => summary('disconnected'),
      'session.restart': async () => summary('logged_in'),
    });
    try {
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'demo' } });
      expect((await gateway.call('GET', '/api/v1/sessions/demo/qr')).body).toEqual({
        qr_codes: ['2@ABC123,key1,key2,adv'],
        timeout_seconds: 60,
        status: 'waiting_for_qr',
      });
      const png = await gateway.app.request('/api/v1/sessions/demo/qr?format=png', {
        headers: { authorization: `Bearer ${gateway.adminKey}` },
      });
      expect(png.headers.get('content-type')).toBe('image/png');
      expect(
        Buffer.from(await png.arrayBuffer())
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
      const svg = await gateway.call('GET', '/api/v1/sessions/demo/qr?format=svg');
      expect(svg.headers.get('content-type')).toBe('image/svg+xml');
      expect(String(svg.body)).toContain('<svg');

      const pair = await gateway.call('POST', '/api/v1/sessions/demo/pair', {
        body: { phone_number: '+628123456789', show_push_notification: true },
      });
      expect(pair.body).toEqual({ code: 'ABCD-EFGH', timeout_seconds: 60 });
      expect(
        (await gateway.call('POST', '/api/v1/sessions/demo/pair', { body: { phone_number: '+1 000' } }))
          .status,
      ).toBe(400);
      expect((await gateway.call('GET', '/api/v1/sessions/demo/device')).body).toEqual({
        device_id: 1,
        phone_number: '628123456789',
        lid: '123456789@lid',
        push_name: 'John Doe',
      });
      expect((await gateway.call('POST', '/api/v1/sessions/demo/connect')).body).toMatchObject({
        status: 'connecting',
      });
      expect((await gateway.call('POST', '/api/v1/sessions/demo/disconnect')).body).toMatchObject({
        status: 'disconnected',
      });
      expect((await gateway.call('POST', '/api/v1/sessions/demo/logout')).body).toMatchObject({
        status: 'disconnected',
      });
      expect((await gateway.call('POST', '/api/v1/sessions/demo/restart')).body).toMatchObject({
        status: 'logged_in',
        is_logged_in: true,
      });
    } finally {
      stop();
      gateway.close();
    }
  });

  test('maps worker outcomes: no worker → 503 + Retry-After, no answer → 504, error codes → their statuses', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database, { rpcTimeoutMs: 300 });
    try {
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'demo' } });
      const noWorker = await gateway.call('GET', '/api/v1/sessions/demo/device');
      expect(noWorker).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
      expect(noWorker.headers.get('retry-after')).toBe('2');

      const worker = await nats.connect('worker');
      const stop = await serveWorkerRpc(worker, {
        'session.device': async () => {
          await delay(1_000);
          return {};
        },
        'session.qr': async () => {
          throw new RpcFailure('conflict', 'the session is logged in; no QR code');
        },
        'session.connect': async () => {
          throw new RpcFailure('not_connected', 'not logged in');
        },
        'session.restart': async () => {
          throw new Error('boom');
        },
        'session.status': async () => ({ status: 'nonsense' }),
      });
      try {
        expect((await gateway.call('GET', '/api/v1/sessions/demo/device')).status).toBe(504);
        expect((await gateway.call('GET', '/api/v1/sessions/demo/qr')).body).toMatchObject({
          error: { code: 'conflict', message: 'the session is logged in; no QR code' },
        });
        expect((await gateway.call('POST', '/api/v1/sessions/demo/connect')).body.error.code).toBe(
          'not_connected',
        );
        expect((await gateway.call('POST', '/api/v1/sessions/demo/connect')).status).toBe(409);
        expect((await gateway.call('POST', '/api/v1/sessions/demo/restart')).status).toBe(502);
        expect((await gateway.call('POST', '/api/accounts/demo/test')).status).toBe(502);
      } finally {
        stop();
      }
    } finally {
      gateway.close();
    }
  });
});
