import { messages } from '@wagate/db';
import { describe, expect, test } from '@wagate/testing';
import { commandCount, gatewayUnderTest, storedCommand } from '../testing/gateway-under-test';

describe('messages', () => {
  test('a send answers 202 with the message id once the command is in JetStream, with recipients normalized', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    try {
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'demo' } });
      const sent = await gateway.call('POST', '/api/v1/sessions/demo/messages', {
        body: {
          to: '+62 812-3456-789',
          content: { type: 'text', text: 'Hello' },
          link_preview: true,
          mentions: ['628111111111'],
        },
      });
      expect(sent.status).toBe(202);
      expect(sent.body).toEqual({
        id: expect.stringMatching(/^3EB0[0-9A-F]{18}$/),
        status: 'pending',
        to: '628123456789@s.whatsapp.net',
        command_id: expect.stringMatching(/^cmd_/),
        send_at: null,
      });
      const command = await storedCommand(gateway.bus, 'demo', 'message.send');
      expect(command).toMatchObject({
        id: sent.body.command_id,
        accountId: 'demo',
        payload: {
          to: '628123456789@s.whatsapp.net',
          messageId: sent.body.id,
          content: { type: 'text', text: 'Hello' },
          linkPreview: true,
          mentions: ['628111111111@s.whatsapp.net'],
        },
      });

      const scheduled = await gateway.call('POST', '/api/v1/sessions/demo/messages', {
        body: {
          to: '120363025246125486@g.us',
          content: { type: 'image', media: { url: 'https://example.com/a.jpg' }, caption: 'hi' },
          send_at: '2030-01-01T10:00:00Z',
        },
      });
      expect(scheduled.status).toBe(202);
      expect(await storedCommand(gateway.bus, 'demo', 'message.send')).toMatchObject({
        notBefore: '2030-01-01T10:00:00Z',
      });

      const count = await commandCount(gateway.bus);
      for (const [body, path] of [
        [{ to: 'not a number', content: { type: 'text', text: 'x' } }, 'to'],
        [{ to: '08123456789', country: 'ZZ', content: { type: 'text', text: 'x' } }, 'country'],
        [{ to: '628123456789', content: { type: 'image', media: {} } }, 'content.media'],
        [
          { to: '628123456789', content: { type: 'poll', name: 'x', options: ['only one'] } },
          'content.options',
        ],
        [{ to: '628123456789', content: { type: 'fax' } }, 'content.type'],
      ] as const) {
        const refused = await gateway.call('POST', '/api/v1/sessions/demo/messages', { body });
        expect(refused.status, JSON.stringify(body)).toBe(400);
        expect(JSON.stringify(refused.body.error.details)).toContain(path);
      }
      expect(
        (
          await gateway.call('POST', '/api/v1/sessions/ghost/messages', {
            body: { to: '628123456789', content: { type: 'text', text: 'x' } },
          })
        ).status,
      ).toBe(404);
      expect(await commandCount(gateway.bus)).toBe(count);
    } finally {
      gateway.close();
    }
  });

  test('Idempotency-Key: a retried POST returns the first answer and queues one command; another body is 422', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    try {
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'demo' } });
      const before = await commandCount(gateway.bus);
      const body = { to: '628123456789', content: { type: 'text', text: 'once' } };
      const headers = { 'Idempotency-Key': 'order-42' };
      const first = await gateway.call('POST', '/api/v1/sessions/demo/messages', { body, headers });
      const retry = await gateway.call('POST', '/api/v1/sessions/demo/messages', { body, headers });
      expect(first.status).toBe(202);
      expect(retry.status).toBe(202);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(await commandCount(gateway.bus)).toBe(before + 1);
      const other = await gateway.call('POST', '/api/v1/sessions/demo/messages', {
        body: { ...body, content: { type: 'text', text: 'twice' } },
        headers,
      });
      expect(other).toMatchObject({ status: 422, body: { error: { code: 'idempotency_mismatch' } } });
      // Keys belong to a caller: another token's same key is a new request.
      const token = (await gateway.call('POST', '/api/v1/tokens', { body: { name: 'other client' } })).body
        .token;
      const fromOther = await gateway.call('POST', '/api/v1/sessions/demo/messages', {
        body,
        headers,
        auth: token,
      });
      expect(fromOther.body.id).not.toBe(first.body.id);
      expect(
        (
          await gateway.call('POST', '/api/v1/sessions/demo/messages', {
            body,
            headers: { 'Idempotency-Key': ' bad key' },
          })
        ).status,
      ).toBe(400);
    } finally {
      gateway.close();
    }
  });

  test('history, one message, edit, delete, forward, mark read, presence', async ({ nats, database }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    try {
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'demo' } });
      const chatId = '628123456789@s.whatsapp.net';
      await database.db.insert(messages).values(
        [1, 2, 3].map((n) => ({
          accountId: 'demo',
          chatId,
          id: `MSG${n}`,
          fromMe: n !== 2,
          sender: n === 2 ? chatId : '628000000000@s.whatsapp.net',
          type: 'text',
          content: { type: 'text' as const, text: `message ${n}` },
          status: 'delivered' as const,
          sentAt: 1_767_000_000 + n,
        })),
      );
      const page = await gateway.call('GET', '/api/v1/sessions/demo/messages?limit=2');
      expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
      expect(page.body.messages.map((message: { id: string }) => message.id)).toEqual(['MSG3', 'MSG2']);
      const incoming = await gateway.call(
        'GET',
        `/api/v1/sessions/demo/messages?from_me=false&chat_id=${encodeURIComponent(chatId)}`,
      );
      expect(incoming.body.messages).toHaveLength(1);
      expect((await gateway.call('GET', '/api/v1/sessions/demo/messages/MSG1')).body).toMatchObject({
        id: 'MSG1',
        chat_id: chatId,
        content: { type: 'text', text: 'message 1' },
        status: 'delivered',
      });
      expect((await gateway.call('GET', '/api/v1/sessions/demo/messages/NOPE')).status).toBe(404);

      const edited = await gateway.call('PATCH', '/api/v1/sessions/demo/messages/MSG1', {
        body: { text: 'fixed' },
      });
      expect(edited.status).toBe(202);
      expect(await storedCommand(gateway.bus, 'demo', 'message.edit')).toMatchObject({
        payload: { chatId, messageId: 'MSG1', text: 'fixed' },
      });
      expect(
        (await gateway.call('PATCH', '/api/v1/sessions/demo/messages/UNKNOWN', { body: { text: 'x' } }))
          .status,
      ).toBe(404);
      expect((await gateway.call('DELETE', '/api/v1/sessions/demo/messages/MSG1')).status).toBe(202);
      expect(await storedCommand(gateway.bus, 'demo', 'message.delete')).toMatchObject({
        payload: { chatId, messageId: 'MSG1' },
      });
      const forwarded = await gateway.call('POST', '/api/v1/sessions/demo/messages/MSG2/forward', {
        body: { to: '628999999999' },
      });
      expect(forwarded.status).toBe(202);
      expect(await storedCommand(gateway.bus, 'demo', 'message.forward')).toMatchObject({
        payload: {
          chatId,
          messageId: 'MSG2',
          to: '628999999999@s.whatsapp.net',
          newMessageId: forwarded.body.id,
        },
      });
      expect(
        (
          await gateway.call('POST', '/api/v1/sessions/demo/messages/read', {
            body: { chat_id: chatId, message_ids: ['MSG2'] },
          })
        ).status,
      ).toBe(202);
      expect(await storedCommand(gateway.bus, 'demo', 'chat.mark_read')).toMatchObject({
        payload: { chatId, messageIds: ['MSG2'] },
      });
      expect(
        (
          await gateway.call('POST', '/api/v1/sessions/demo/presence', {
            body: { chat_id: chatId, presence: 'composing' },
          })
        ).status,
      ).toBe(202);
      expect(await storedCommand(gateway.bus, 'demo', 'presence.send')).toMatchObject({
        payload: { chatId, presence: 'composing' },
      });
      expect(
        (await gateway.call('POST', '/api/v1/sessions/demo/presence', { body: { presence: 'dancing' } }))
          .status,
      ).toBe(400);
    } finally {
      gateway.close();
    }
  });

  test('media: upload (raw and multipart) and download of the same bytes; too large is 413', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    try {
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'demo' } });
      const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
      const raw = await gateway.call('POST', '/api/v1/sessions/demo/media', {
        rawBody: bytes,
        headers: { 'content-type': 'image/png', 'x-file-name': 'dot.png' },
      });
      expect(raw).toMatchObject({
        status: 201,
        body: { id: expect.stringMatching(/^med_/), mime_type: 'image/png', size: 7, file_name: 'dot.png' },
      });
      const download = await gateway.app.request(`/api/v1/sessions/demo/media/${raw.body.id}`, {
        headers: { authorization: `Bearer ${gateway.adminKey}` },
      });
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('image/png');
      expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);

      const form = new FormData();
      form.set(
        'file',
        new File([new TextEncoder().encode('%PDF-1.4')], 'doc.pdf', { type: 'application/pdf' }),
      );
      const multipart = await gateway.call('POST', '/api/v1/sessions/demo/media', { rawBody: form });
      expect(multipart.body).toMatchObject({ mime_type: 'application/pdf', file_name: 'doc.pdf', size: 8 });

      const sent = await gateway.call('POST', '/api/v1/sessions/demo/messages', {
        body: {
          to: '628123456789',
          content: { type: 'document', media: { mediaId: multipart.body.id }, fileName: 'doc.pdf' },
        },
      });
      expect(sent.status).toBe(202);
      expect((await gateway.call('GET', '/api/v1/sessions/demo/media/med_nothing')).status).toBe(404);
      const huge = await gateway.call('POST', '/api/v1/sessions/demo/media', {
        rawBody: new Uint8Array(5 * 1_048_576),
        headers: { 'content-type': 'video/mp4' },
      });
      expect(huge.status).toBe(413);
    } finally {
      gateway.close();
    }
  });
});
