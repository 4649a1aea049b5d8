import got from 'got';
import { describe, expect } from 'vitest';
import {
  ACCESS_TOKEN,
  APP_SECRET,
  PHONE_NUMBER_ID,
  sampleBusiness,
  statusesIn,
  test,
  USER,
  VERIFY_TOKEN,
} from './test-fixtures';

describe('the HTTP control API under /_fake', () => {
  test('sets up a business, simulates a user and shows what the bridge sent', async ({ fake, receiver }) => {
    const control = got.extend({
      prefixUrl: `${fake.url}/_fake`,
      responseType: 'json',
      throwHttpErrors: false,
    });
    const index = await got.get<{ endpoints: string[] }>(`${fake.url}/_fake`, { responseType: 'json' });
    expect(index.body.endpoints).toContain('POST   /_fake/inbound-messages');

    const created = await control.post('businesses', {
      json: {
        ...sampleBusiness(receiver.url),
        wabaId: '200000000000001',
        phoneNumbers: [
          { phoneNumberId: '300000000000001', displayPhoneNumber: '+34 600 000 000', verifiedName: 'Tienda' },
        ],
        accessTokens: ['EAAGcontrol'],
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatchObject({
      wabaId: '200000000000001',
      phoneNumbers: [
        { phoneNumberId: '300000000000001', qualityRating: 'GREEN', messagingLimitTier: 'TIER_1K' },
      ],
      accessTokens: [{ token: 'EAAGcontrol', revoked: false }],
      webhook: { callbackUrl: receiver.url, verifyToken: VERIFY_TOKEN, apiVersion: 'v21.0' },
    });

    const inbound = await control.post<{ message: { id: string } }>('inbound-messages', {
      json: {
        phoneNumberId: '300000000000001',
        from: USER,
        profileName: 'José',
        message: { type: 'image', image: { caption: '¿Qué tal?' } },
        file: { content: Buffer.from('png bytes').toString('base64'), mimeType: 'image/png' },
      },
    });
    expect(inbound.statusCode).toBe(201);
    const [webhook] = await receiver.waitFor((all) => all.length === 1);
    expect(webhook?.payload?.entry[0]?.changes[0]?.value.messages?.[0]?.id).toBe(inbound.body.message.id);

    expect((await control.put(`recipients/${USER}`, { json: { reads: false } })).statusCode).toBe(204);
    const send = await got.post(`${fake.graphUrl()}/300000000000001/messages`, {
      headers: { authorization: 'Bearer EAAGcontrol' },
      json: { messaging_product: 'whatsapp', to: USER, text: { body: 'Hola' } },
    });
    expect(send.statusCode).toBe(200);
    await fake.waitForWebhooks();
    expect(statusesIn(receiver.received()).map((status) => status.status)).toEqual(['sent', 'delivered']);

    const requests = await control.get<Array<{ operation: string; body: unknown }>>('requests', {
      searchParams: { operation: 'send_message' },
    });
    expect(requests.body).toMatchObject([{ operation: 'send_message', body: { text: { body: 'Hola' } } }]);
    expect((await control.get<unknown[]>('sent-messages')).body).toHaveLength(1);
    // Statuses falling due together may share a POST, so only their delivery is certain.
    const deliveries = await control.get<Array<{ delivered: boolean }>>('webhook-deliveries');
    expect(deliveries.body.every((delivery) => delivery.delivered)).toBe(true);
    expect((await control.delete('records')).statusCode).toBe(204);
    expect((await control.get<unknown[]>('requests')).body).toEqual([]);
  });

  test('injects errors, expires tokens and verifies webhooks over HTTP', async ({ fake }) => {
    const control = got.extend({
      prefixUrl: `${fake.url}/_fake`,
      responseType: 'json',
      throwHttpErrors: false,
    });
    const graph = got.extend({
      prefixUrl: fake.graphUrl(),
      headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
      responseType: 'json',
      throwHttpErrors: false,
      retry: { limit: 0 },
    });
    const injected = await control.post<{ id: number }>('errors', {
      json: { code: 131057, match: { operation: 'get_phone_number' } },
    });
    expect(injected.statusCode).toBe(201);
    expect((await graph.get(PHONE_NUMBER_ID)).statusCode).toBe(500);
    expect((await graph.get(PHONE_NUMBER_ID)).statusCode).toBe(200);

    const verified = await control.post<{ verified: boolean }>('businesses/102290129340398/webhook/verify');
    expect(verified.body.verified).toBe(true);

    expect((await control.post(`access-tokens/${ACCESS_TOKEN}/expire`)).statusCode).toBe(204);
    expect((await graph.get(PHONE_NUMBER_ID)).body).toMatchObject({
      error: { code: 190, error_subcode: 463 },
    });
  });

  test('refuses invalid input with the schema issues and keeps its calls out of the request log', async ({
    fake,
  }) => {
    const control = got.extend({
      prefixUrl: `${fake.url}/_fake`,
      responseType: 'json',
      throwHttpErrors: false,
    });
    const invalid = await control.post<{ error: { issues: unknown[] } }>('errors', { json: { code: 'x' } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body.error.issues).not.toHaveLength(0);
    const unknownBusiness = await control.put('businesses/999999999999/webhook', {
      json: { callbackUrl: 'http://127.0.0.1:1/x', verifyToken: 'v', appSecret: APP_SECRET },
    });
    expect(unknownBusiness.statusCode).toBe(400);
    const malformed = await control.post('businesses', {
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.statusCode).toBe(400);
    expect(fake.requests()).toEqual([]);
  });
});
