import { CloudAccountsRepository } from '@wagate/db';
import { describe, expect, test } from '@wagate/testing';
import { gatewayUnderTest, storedCommand } from '../testing/gateway-under-test';

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  'content-type': 'application/json',
});

describe('accounts admin', () => {
  test('seed 000 curl examples work literally with Basic auth: add, update, disable, enable, remove', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    try {
      await gateway.call('POST', '/api/v1/auth/change-password', { body: { newPassword: 'password' } });
      const headers = basic('admin', 'password');
      const add = await gateway.call('POST', '/api/accounts/add', {
        auth: null,
        headers,
        rawBody:
          '{\n"id": "new-account",\n"type": "whatsmeow",\n"phone_number": "+1234567890",\n"session_path": "./sessions/new-account",\n"show_qr": true\n}',
      });
      expect(add).toMatchObject({ status: 201, body: { status: 'ok', account_id: 'new-account' } });
      expect(await storedCommand(gateway.bus, 'new-account', 'session.connect')).toBeDefined();

      const business = await gateway.call('POST', '/api/accounts/add', {
        auth: null,
        headers,
        body: {
          id: 'business',
          type: 'business-api',
          phone_number: '+27663602295',
          disabled: false,
          business_api: {
            phone_number_id: '889966060876308',
            access_token: 'EAAG-original-token-value',
            business_account_id: '1602055757491196',
            api_version: 'v21.0',
            verify_token: 'verify-me',
          },
        },
      });
      expect(business.status).toBe(201);
      expect(
        (
          await gateway.call('POST', '/api/accounts/add', {
            auth: null,
            headers,
            body: { id: 'business', type: 'whatsmeow' },
          })
        ).status,
      ).toBe(409);
      expect(
        (
          await gateway.call('POST', '/api/accounts/add', {
            auth: null,
            headers,
            body: { id: 'x', type: 'business-api' },
          })
        ).status,
      ).toBe(400);

      const update = await gateway.call('POST', '/api/accounts/update', {
        auth: null,
        headers,
        rawBody:
          '{\n"id": "business",\n"type": "business-api",\n"phone_number": "+27663602295",\n"business_api": {\n"phone_number_id": "889966060876308",\n"access_token": "NEW_TOKEN_HERE",\n"api_version": "v21.0"\n}\n}',
      });
      expect(update).toMatchObject({ status: 200, body: { status: 'ok', account_id: 'business' } });
      expect(
        (await new CloudAccountsRepository(database.db, gateway.deps.secretBox).credentials('business'))
          ?.accessToken,
      ).toBe('NEW_TOKEN_HERE');
      expect(
        (await gateway.call('PUT', '/api/accounts/update', { auth: null, headers, body: { id: 'ghost' } }))
          .status,
      ).toBe(404);

      const list = await gateway.call('GET', '/api/accounts', { auth: null, headers });
      expect(list.body.status).toBe('success');
      expect(JSON.stringify(list.body)).not.toContain('NEW_TOKEN_HERE');
      expect(list.body.data.items).toContainEqual(
        expect.objectContaining({
          id: 'business',
          type: 'business-api',
          phone_number_id: '889966060876308',
          access_token: 'NEW_…HERE',
        }),
      );

      expect(
        (
          await gateway.call('POST', '/api/accounts/disable', {
            auth: null,
            headers,
            rawBody: '{"id": "new-account"}',
          })
        ).body,
      ).toEqual({
        status: 'ok',
        account_id: 'new-account',
      });
      expect((await gateway.call('GET', '/api/v1/accounts/new-account')).body).toMatchObject({
        disabled: true,
        type: 'web',
      });
      expect(
        (
          await gateway.call('POST', '/api/accounts/enable', {
            auth: null,
            headers,
            rawBody: '{"id": "new-account"}',
          })
        ).status,
      ).toBe(200);
      expect((await gateway.call('GET', '/api/v1/accounts/new-account')).body.disabled).toBe(false);
      expect(
        (await gateway.call('POST', '/api/accounts/disable', { auth: null, headers, body: { id: 'ghost' } }))
          .status,
      ).toBe(404);
      expect(
        (
          await gateway.call('POST', '/api/accounts/remove', {
            auth: null,
            headers,
            rawBody: '{"id": "new-account"}',
          })
        ).body,
      ).toEqual({ status: 'ok' });
      expect(
        (
          await gateway.call('DELETE', '/api/accounts/remove', {
            auth: null,
            headers,
            body: { id: 'new-account' },
          })
        ).status,
      ).toBe(404);
    } finally {
      gateway.close();
    }
  });

  test('seed 001 REST and the test connection through the cloud bridge', async ({ nats, database }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database, { rpcTimeoutMs: 1_000 });
    const bridge = await nats.connect('cloud-bridge');
    try {
      const created = await gateway.call('POST', '/api/accounts', {
        body: {
          name: 'Support Line',
          phone_number_id: '123456789',
          business_account_id: '987654321',
          access_token: 'EAAxxxx-secret-xxxx',
          webhook_verify_token: 'your_custom_verify_token',
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        status: 'success',
        data: { name: 'Support Line', status: 'pending' },
      });
      const id = created.body.data.id as string;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const got = await gateway.call('GET', `/api/accounts/${id}`);
      expect(got.body.data).toMatchObject({
        phone_number_id: '123456789',
        business_account_id: '987654321',
        access_token: 'EAAx…xxxx',
      });
      expect(JSON.stringify(got.body)).not.toContain('secret');

      const noBridge = await gateway.call('POST', `/api/accounts/${id}/test`);
      expect(noBridge.status).toBe(503);
      bridge.serve(gateway.deps.topology.rpcSubject(id, 'account.test', 'cloud'), async () => ({
        connected: true,
        phone_number: '+1234567890',
        display_phone_number: '(123) 456-7890',
        verified_name: 'Your Business Name',
        quality_rating: 'GREEN',
        messaging_limit: 'TIER_1K',
      }));
      await bridge.nc.flush();
      expect((await gateway.call('POST', `/api/accounts/${id}/test`)).body).toMatchObject({
        status: 'success',
        data: {
          connected: true,
          display_phone_number: '(123) 456-7890',
          verified_name: 'Your Business Name',
          quality_rating: 'GREEN',
        },
      });

      const put = await gateway.call('PUT', `/api/accounts/${id}`, {
        body: { name: 'Customer Support', access_token: 'EAAyyyy-new' },
      });
      expect(put.body.data).toMatchObject({ name: 'Customer Support' });
      const sent = await gateway.call('POST', `/api/v1/sessions/${id}/messages`, {
        body: {
          to: '+1 202-456-1111',
          content: { type: 'template', name: 'hello_world', language: 'en_US' },
        },
      });
      expect(sent.status).toBe(202);
      expect(await storedCommand(gateway.bus, id, 'message.send', 'cloud')).toMatchObject({
        payload: { to: '12024561111@s.whatsapp.net' },
      });
      expect((await gateway.call('GET', '/api/v1/accounts')).body.accounts).toHaveLength(1);
      expect((await gateway.call('DELETE', `/api/accounts/${id}`)).body).toEqual({
        status: 'success',
        data: null,
      });
      expect((await gateway.call('GET', `/api/accounts/${id}`)).status).toBe(404);
      expect((await gateway.call('POST', '/api/accounts', { body: { name: 'x' } })).status).toBe(400);
    } finally {
      gateway.close();
    }
  });

  test('native accounts API: create web and cloud, update, disable, enable, delete; scoped tokens are refused', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    try {
      const web = await gateway.call('POST', '/api/v1/accounts', {
        body: { id: 'web-1', type: 'web', name: 'Web' },
      });
      expect(web).toMatchObject({
        status: 201,
        body: { id: 'web-1', type: 'web', status: 'pending', cloud: null },
      });
      const cloud = await gateway.call('POST', '/api/v1/accounts', {
        body: {
          id: 'cloud-1',
          type: 'cloud',
          cloud: { phone_number_id: '555', access_token: 'EAAG-long-secret-token' },
        },
      });
      expect(cloud.body.cloud).toMatchObject({
        phone_number_id: '555',
        access_token: 'EAAG…oken',
        api_version: 'v21.0',
      });
      expect(
        (
          await gateway.call('POST', '/api/v1/accounts', {
            body: { id: 'cloud-2', type: 'cloud', cloud: { phone_number_id: '555', access_token: 'x' } },
          })
        ).status,
      ).toBe(409);
      expect(
        (await gateway.call('PATCH', '/api/v1/accounts/web-1', { body: { cloud: { access_token: 'x' } } }))
          .status,
      ).toBe(400);
      expect(
        (
          await gateway.call('PATCH', '/api/v1/accounts/cloud-1', {
            body: { name: 'Cloud', cloud: { api_version: 'v22.0' } },
          })
        ).body,
      ).toMatchObject({
        name: 'Cloud',
        cloud: { api_version: 'v22.0' },
      });
      expect((await gateway.call('POST', '/api/v1/accounts/web-1/disable')).body.disabled).toBe(true);
      expect((await gateway.call('POST', '/api/v1/accounts/web-1/enable')).body.disabled).toBe(false);
      const scoped = (
        await gateway.call('POST', '/api/v1/tokens', { body: { name: 'scoped', session_ids: ['web-1'] } })
      ).body.token;
      for (const [method, path] of [
        ['GET', '/api/v1/accounts'],
        ['GET', '/api/v1/accounts/web-1'],
        ['GET', '/api/accounts'],
        ['POST', '/api/accounts/disable'],
      ] as const) {
        expect(
          (
            await gateway.call(method, path, {
              auth: scoped,
              body: method === 'POST' ? { id: 'web-1' } : undefined,
            })
          ).status,
        ).toBe(403);
      }
      expect((await gateway.call('DELETE', '/api/v1/accounts/web-1?delete_session_data=true')).body).toEqual({
        success: true,
      });
      expect((await gateway.call('DELETE', '/api/v1/accounts/cloud-1')).status).toBe(200);
      expect((await gateway.call('GET', '/api/v1/accounts')).body.total).toBe(0);
    } finally {
      gateway.close();
    }
  });
});
