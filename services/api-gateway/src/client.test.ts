import { readFileSync } from 'node:fs';
import { listen } from '@wagate/runtime';
import { describe, expect, test } from '@wagate/testing';
import createClient from 'openapi-fetch';
import type { paths } from './testing/api-types';
import { apiTypesSource } from './testing/api-types-source';
import { gatewayUnderTest, storedCommand } from './testing/gateway-under-test';

describe('a client generated from /openapi.json', () => {
  test('matches the committed types and drives the server over HTTP (openapi-typescript + openapi-fetch)', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    const server = await listen(gateway.app, { host: '127.0.0.1', port: 0 });
    try {
      const document = await (await fetch(`${server.url}/openapi.json`)).json();
      const committed = readFileSync(new URL('./testing/api-types.ts', import.meta.url), 'utf8');
      expect(
        await apiTypesSource(document),
        'api-types.ts is stale: run src/testing/write-api-types.ts',
      ).toBe(committed);

      const client = createClient<paths>({
        baseUrl: server.url,
        headers: { Authorization: `Bearer ${gateway.adminKey}` },
      });
      const created = await client.POST('/api/v1/sessions', { body: { id: 'typed', name: 'Typed client' } });
      expect(created.response.status).toBe(201);
      expect(created.data?.session).toMatchObject({ id: 'typed', status: 'connecting', is_logged_in: false });

      const sent = await client.POST('/api/v1/sessions/{id}/messages', {
        params: { path: { id: 'typed' } },
        body: {
          to: '+62 812-3456-789',
          content: { type: 'location', latitude: -6.2, longitude: 106.8, name: 'Jakarta' },
        },
        headers: { 'Idempotency-Key': 'typed-1' },
      });
      expect(sent.response.status).toBe(202);
      expect(sent.data?.to).toBe('628123456789@s.whatsapp.net');
      expect(await storedCommand(gateway.bus, 'typed', 'message.send')).toMatchObject({
        payload: { messageId: sent.data?.id },
      });

      const hook = await client.POST('/api/v1/webhooks', {
        body: { url: 'https://example.com/typed', session_id: 'typed', chat_types: ['group'] },
      });
      expect(hook.data?.secret).toMatch(/^whsec_/);
      const hooks = await client.GET('/api/v1/webhooks', { params: { query: { session_id: 'typed' } } });
      expect(hooks.data?.webhooks.map((webhook) => webhook.url)).toEqual(['https://example.com/typed']);

      const status = await client.GET('/api/v1/sessions/{id}/status', { params: { path: { id: 'typed' } } });
      expect(status.data).toMatchObject({ status: 'disconnected', is_logged_in: false });
      const missing = await client.GET('/api/v1/sessions/{id}', { params: { path: { id: 'missing' } } });
      expect(missing.response.status).toBe(404);
      expect(missing.error?.error.code).toBe('not_found');
      const invalid = await client.POST('/api/v1/sessions', { body: { id: 'bad id' } });
      expect(invalid.error?.error.details).toEqual([{ path: 'id', message: expect.any(String) }]);
      const health = await client.GET('/api/v1/health');
      expect(health.data?.status).toBe('ok');
    } finally {
      await server.close();
      gateway.close();
    }
  });
});
