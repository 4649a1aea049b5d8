import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { createEvent, deliveryIdOf, webhookReplaySubject } from '@wagate/contracts';
import { AccountsRepository, SecretBox, WebhookDeliveryLog, WebhooksRepository } from '@wagate/db';
import { LocalDirectoryMediaStore } from '@wagate/media-store';
import { describe, expect, test, testLogger } from '@wagate/testing';
import type { Principal } from '../auth/principal';
import { respondWithError } from '../http/errors';
import { type GatewayEnv, requestContext } from '../http/request-context';
import { webhookDeliveryRoutes } from './routes';

describe('webhook delivery routes', () => {
  test('delivery log, replays, dead letters and their redelivery, visible only to allowed principals', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const bus = await nats.connect('gateway-test');
    const secretBox = SecretBox.fromEncodedKey(SecretBox.generateKey());
    const log = testLogger('gateway');
    let principal: Principal = { kind: 'admin', id: 'admin' };
    const app = new OpenAPIHono<GatewayEnv>();
    app.use(requestContext(log));
    app.use(async (c, next) => {
      c.set('principal', principal);
      await next();
    });
    app.onError(respondWithError);
    app.route(
      '/',
      webhookDeliveryRoutes({
        db: database.db,
        bus,
        topology: nats.topology,
        secretBox,
        mediaStore: new LocalDirectoryMediaStore(mkdtempSync(join(tmpdir(), 'wagate-media-'))),
        log,
        rpcTimeoutMs: 1_000,
      }),
    );
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      // biome-ignore lint/suspicious/noExplicitAny: tests read answers as loose JSON, asserting on what they need
    ): Promise<{ status: number; body: any }> => {
      const response = await app.request(path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };

    await new AccountsRepository(database.db, 8).create({ id: 'demo', kind: 'web' });
    const webhooks = new WebhooksRepository(database.db, secretBox);
    const { webhook } = await webhooks.create({ accountId: 'demo', url: 'https://example.com/hook' });
    const { webhook: global } = await webhooks.create({ accountId: null, url: 'https://example.com/all' });
    const deliveryLog = new WebhookDeliveryLog(database.db);
    const event = createEvent('session.status', 'demo', { status: 'connecting' }, { source: 'test' });
    const deliveryId = deliveryIdOf(event.id, webhook.id);
    const attempt = {
      webhookId: webhook.id,
      deliveryId,
      eventId: event.id,
      eventType: event.type,
      accountId: 'demo',
    };
    await deliveryLog.recordAttempts([
      {
        ...attempt,
        attempt: 1,
        outcome: 'retrying',
        statusCode: 500,
        durationMs: 12,
        responseSnippet: 'busy',
      },
      { ...attempt, attempt: 2, outcome: 'failed', statusCode: 503, durationMs: 9, error: 'HTTP 503' },
    ]);
    await deliveryLog.recordDeadLetter({
      ...attempt,
      job: { deliveryId, webhookId: webhook.id, accountId: 'demo', event },
      reason: 'out of attempts (last: HTTP 503)',
      attempts: 2,
    });

    const first = await call('GET', `/api/v1/webhooks/${webhook.id}/deliveries?limit=1`);
    expect(first.status).toBe(200);
    expect(first.body.attempts).toEqual([
      expect.objectContaining({ delivery_id: deliveryId, attempt: 2, outcome: 'failed', status_code: 503 }),
    ]);
    const second = await call(
      'GET',
      `/api/v1/webhooks/${webhook.id}/deliveries?limit=1&cursor=${first.body.next_cursor}`,
    );
    expect(second.body).toEqual({
      attempts: [expect.objectContaining({ attempt: 1, response_snippet: 'busy', duration_ms: 12 })],
      next_cursor: null,
    });
    expect((await call('GET', '/api/v1/webhooks/wh_missing/deliveries')).status).toBe(404);

    const deadLetters = await call('GET', `/api/v1/webhooks/${webhook.id}/dead-letters?pending=true`);
    expect(deadLetters.body.dead_letters).toEqual([
      expect.objectContaining({ event_id: event.id, attempts: 2, redelivered_at: null }),
    ]);
    const deadLetterId = deadLetters.body.dead_letters[0].id;
    const redelivered = await call(
      'POST',
      `/api/v1/webhooks/${webhook.id}/dead-letters/${deadLetterId}/redeliver`,
    );
    expect(redelivered).toEqual({ status: 202, body: { redelivered: 1 } });
    const job = await bus.jsm.streams.getMessage(nats.topology.streams.webhooks, {
      last_by_subj: nats.topology.webhookSubject(webhook.id),
    });
    expect(job?.json()).toMatchObject({ deliveryId, event: { id: event.id } });
    expect((await call('POST', `/api/v1/webhooks/${webhook.id}/dead-letters/redeliver`, {})).body).toEqual({
      redelivered: 0,
    });
    expect(
      (await call('GET', `/api/v1/webhooks/${webhook.id}/dead-letters?pending=true`)).body.dead_letters,
    ).toEqual([]);

    const replayedOne = await call('POST', `/api/v1/webhooks/${webhook.id}/deliveries/${deliveryId}/replay`);
    expect(replayedOne.status).toBe(202);
    const replaySubject = webhookReplaySubject(nats.topology, webhook.id);
    const oneRequest = await bus.jsm.streams.getMessage(nats.topology.streams.webhooks, {
      last_by_subj: replaySubject,
    });
    expect(oneRequest?.json()).toEqual({
      replayId: replayedOne.body.replay_id,
      webhookId: webhook.id,
      event: { id: event.id, accountId: 'demo', type: 'session.status' },
    });
    const since = new Date(Date.now() - 60_000).toISOString();
    const replayedSince = await call('POST', `/api/v1/webhooks/${webhook.id}/replay`, { since });
    expect(replayedSince.status).toBe(202);
    const sinceRequest = await bus.jsm.streams.getMessage(nats.topology.streams.webhooks, {
      last_by_subj: replaySubject,
    });
    expect(sinceRequest?.json()).toEqual({
      replayId: replayedSince.body.replay_id,
      webhookId: webhook.id,
      since,
    });
    expect((await call('POST', `/api/v1/webhooks/${webhook.id}/replay`, { since: 'yesterday' })).status).toBe(
      400,
    );

    principal = { kind: 'token', id: 't-other', sessionIds: ['other'] };
    expect((await call('GET', `/api/v1/webhooks/${webhook.id}/deliveries`)).status).toBe(404);
    expect((await call('POST', `/api/v1/webhooks/${webhook.id}/replay`, { since })).status).toBe(404);
    principal = { kind: 'token', id: 't-demo', sessionIds: ['demo'] };
    expect((await call('GET', `/api/v1/webhooks/${webhook.id}/deliveries`)).status).toBe(200);
    expect((await call('GET', `/api/v1/webhooks/${global.id}/dead-letters`)).status).toBe(404);

    principal = { kind: 'admin', id: 'admin' };
    await webhooks.disable(webhook.id, 'the endpoint answered 410 Gone');
    expect((await call('POST', `/api/v1/webhooks/${webhook.id}/replay`, { since })).status).toBe(409);
  });
});
