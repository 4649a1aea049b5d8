import { describe, expect, test } from '@wagate/testing';
import { gatewayUnderTest } from '../testing/gateway-under-test';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

describe('a token scoped to session A', () => {
  test('gets 403 or 404 on every route of session B, and sees only A in listings', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    try {
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'session-a' } });
      await gateway.call('POST', '/api/v1/user/phones', { body: { phone: '+628111111111' } });
      const hookB = await gateway.call('POST', '/api/v1/sessions/628111111111/webhooks', {
        body: { url: 'https://example.com/b' },
      });
      const globalHook = await gateway.call('POST', '/api/v1/webhooks', {
        body: { url: 'https://example.com/all' },
      });
      const otherToken = await gateway.call('POST', '/api/v1/tokens', { body: { name: 'someone else' } });
      const scoped = await gateway.call('POST', '/api/v1/tokens', {
        body: { name: 'A only', session_ids: ['session-a'] },
      });
      const token = scoped.body.token as string;
      const sessionB = '628111111111';
      const values: Record<string, string> = {
        id: sessionB,
        phone: sessionB,
        webhook_id: hookB.body.id,
        token_id: otherToken.body.id,
        message_id: 'MSG1',
        media_id: 'med_1',
        contact_id: '628123456789@s.whatsapp.net',
        chat_id: '628123456789@s.whatsapp.net',
        group_id: '120363025246125486@g.us',
        groupId: '120363025246125486',
        action: 'archive',
        delivery_id: 'msg_1',
        dead_letter_id: 'dl_1',
      };

      const document = (await gateway.call('GET', '/openapi.json', { auth: null })).body;
      const walked: string[] = [];
      for (const [path, operations] of Object.entries<Record<string, unknown>>(document.paths)) {
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
        if (!params.some((param) => ['id', 'phone', 'webhook_id', 'token_id'].includes(param))) continue;
        if (path.startsWith('/webhooks/meta/')) continue;
        for (const method of METHODS) {
          if (!operations[method]) continue;
          const url = path.replace(/\{(\w+)\}/g, (_, name: string) =>
            encodeURIComponent(values[name] ?? 'x'),
          );
          const answer = await gateway.call(method.toUpperCase(), url, {
            auth: token,
            body: method === 'get' || method === 'delete' ? undefined : {},
          });
          walked.push(`${method.toUpperCase()} ${path} → ${answer.status}`);
          expect(
            [403, 404],
            `${method.toUpperCase()} ${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`,
          ).toContain(answer.status);
        }
      }
      expect(walked.length).toBeGreaterThan(60);

      const sessions = await gateway.call('GET', '/api/v1/sessions', { auth: token });
      expect(sessions.body.sessions.map((session: { id: string }) => session.id)).toEqual(['session-a']);
      const hooks = await gateway.call('GET', '/api/v1/webhooks', { auth: token });
      expect(hooks.body.webhooks).toEqual([]);
      expect(
        (await gateway.call('GET', `/api/v1/webhooks/${globalHook.body.id}`, { auth: token })).status,
      ).toBe(404);
      expect(
        (await gateway.call('GET', '/api/v1/user/phones', { auth: token })).body.data.map(
          (phone: { session_id: string }) => phone.session_id,
        ),
      ).toEqual(['session-a']);
      expect((await gateway.call('GET', '/api/v1/sessions/session-a', { auth: token })).status).toBe(200);
      expect(
        (
          await gateway.call('POST', '/api/v1/sessions/session-a/messages', {
            auth: token,
            body: { to: '628123456789', content: { type: 'text', text: 'hi' } },
          })
        ).status,
      ).toBe(202);
    } finally {
      gateway.close();
    }
  });
});
