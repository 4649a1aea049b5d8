import { WebhooksRepository } from '@wagate/db';
import { describe, expect, test } from '@wagate/testing';
import { gatewayUnderTest } from '../testing/gateway-under-test';

describe('webhooks CRUD', () => {
  test('create (secret once, headers masked, seed 003 filters), list, get, update, delete, delete all', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    const repository = new WebhooksRepository(database.db, gateway.deps.secretBox);
    try {
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'demo' } });
      const created = await gateway.call('POST', '/api/v1/sessions/demo/webhooks', {
        body: {
          url: 'https://example.com/hook',
          events: ['message.received', 'message.*'],
          chat_types: ['group'],
          message_types: ['text', 'image'],
          mentions: ['me'],
          headers: { Authorization: 'Bearer receiver-secret-token' },
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        id: expect.stringMatching(/^wh_/),
        session_id: 'demo',
        secret: expect.stringMatching(/^whsec_/),
        chat_types: ['group'],
        message_types: ['text', 'image'],
        mentions: ['me'],
        enabled: true,
      });
      expect(created.body.headers.Authorization).not.toContain('receiver-secret');
      const stored = await repository.get(created.body.id);
      expect(stored?.filters).toEqual({
        chatTypes: ['group'],
        messageTypes: ['text', 'image'],
        mentions: ['me'],
      });
      expect(stored?.secretCiphertext).not.toContain(created.body.secret);
      expect(repository.secretOf(stored!)).toBe(created.body.secret);

      const fetched = await gateway.call('GET', `/api/v1/webhooks/${created.body.id}`);
      expect(fetched.body).not.toHaveProperty('secret');
      expect(
        (
          await gateway.call('POST', '/api/v1/sessions/demo/webhooks', {
            body: { url: 'https://example.com/hook' },
          })
        ).status,
      ).toBe(409);

      for (const [body, field] of [
        [
          { url: 'https://example.com/a', settings_types: ['system'], chat_types: ['group'] },
          'settings_types',
        ],
        [
          { url: 'https://example.com/b', settings_types: ['chats'], message_types: ['text'] },
          'settings_types',
        ],
        [{ url: 'ftp://example.com/c' }, 'url'],
        [{ url: 'https://example.com/d', chat_ids: ['12345'] }, 'chat_ids'],
        [{ url: 'https://example.com/e', events: ['message.nope'] }, 'events'],
        [{ url: 'https://example.com/f', headers: { 'webhook-signature': 'x' } }, 'headers'],
        [{ url: 'https://example.com/g', chat_types: ['room'] }, 'chat_types'],
      ] as const) {
        const refused = await gateway.call('POST', '/api/v1/webhooks', {
          body: { ...body, session_id: 'demo' },
        });
        expect(refused.status, JSON.stringify(body)).toBe(400);
        expect(JSON.stringify(refused.body.error.details)).toContain(field);
      }

      const settings = await gateway.call('POST', '/api/v1/webhooks', {
        body: {
          url: 'https://example.com/settings',
          settings_types: ['system', 'groups'],
          secret: 'my-own-secret',
        },
      });
      expect(settings).toMatchObject({
        status: 201,
        body: { session_id: null, secret: 'my-own-secret', settings_types: ['system', 'groups'] },
      });
      const combining = await gateway.call('PATCH', `/api/v1/webhooks/${settings.body.id}`, {
        body: { chat_types: ['contact'] },
      });
      expect(combining.status).toBe(400);
      const updated = await gateway.call('PATCH', `/api/v1/webhooks/${created.body.id}`, {
        body: { url: 'https://example.com/hook2', enabled: false, chat_types: ['contact'] },
      });
      expect(updated.body).toMatchObject({
        url: 'https://example.com/hook2',
        enabled: false,
        chat_types: ['contact'],
        message_types: ['text', 'image'],
      });
      const clash = await gateway.call('POST', '/api/v1/sessions/demo/webhooks', {
        body: { url: 'https://example.com/other' },
      });
      expect(
        (
          await gateway.call('PATCH', `/api/v1/webhooks/${clash.body.id}`, {
            body: { url: 'https://example.com/hook2' },
          })
        ).status,
      ).toBe(409);

      expect((await gateway.call('GET', '/api/v1/webhooks')).body.total).toBe(3);
      expect((await gateway.call('GET', '/api/v1/webhooks?session_id=demo')).body.total).toBe(2);
      expect((await gateway.call('GET', '/api/v1/sessions/demo/webhooks')).body.total).toBe(2);
      expect((await gateway.call('GET', '/api/v1/webhooks/events')).body.events).toContainEqual(
        expect.objectContaining({ type: 'message.received', version: 1 }),
      );

      expect((await gateway.call('DELETE', `/api/v1/webhooks/${settings.body.id}`)).body).toEqual({
        success: true,
        deleted: 1,
      });
      expect((await gateway.call('GET', `/api/v1/webhooks/${settings.body.id}`)).status).toBe(404);
      expect((await gateway.call('DELETE', '/api/v1/sessions/demo/webhooks')).body).toEqual({
        success: true,
        deleted: 2,
      });
      expect(await repository.list()).toEqual([]);
    } finally {
      gateway.close();
    }
  });

  test('seed 002 /api/v1/user/webhooks: services, one webhook per service', async ({ nats, database }) => {
    const gateway = await gatewayUnderTest(nats, database);
    try {
      const created = await gateway.call('POST', '/api/v1/user/webhooks', {
        body: { url: 'https://example.com/in', services: ['message.received'] },
      });
      expect(created).toMatchObject({
        status: 201,
        body: { success: true, data: { url: 'https://example.com/in', services: ['message.received'] } },
      });
      const second = await gateway.call('POST', '/api/v1/user/webhooks', {
        body: { url: 'https://example.com/in2', services: ['message.received'] },
      });
      expect(second.status).toBe(409);
      const id = created.body.data.id;
      expect(
        (
          await gateway.call('PUT', `/api/v1/user/webhooks/${id}`, {
            body: { url: 'https://example.com/in3', services: ['message.ack'] },
          })
        ).body,
      ).toMatchObject({
        data: { url: 'https://example.com/in3', services: ['message.ack'] },
      });
      expect((await gateway.call('GET', '/api/v1/user/webhooks')).body.data).toHaveLength(1);
      expect((await gateway.call('DELETE', `/api/v1/user/webhooks/${id}`)).status).toBe(200);
      expect((await gateway.call('DELETE', `/api/v1/user/webhooks/${id}`)).status).toBe(404);
    } finally {
      gateway.close();
    }
  });
});
