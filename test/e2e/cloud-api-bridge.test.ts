import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeGraphApi, MetaSendMessageBody, startFakeGraphApi } from '@wagate/fake-graph-api';
import {
  type DatabaseUnderTest,
  describe,
  expect,
  type NatsUnderTest,
  type ServiceProcess,
  startServiceProcess,
  test,
  waitFor,
} from '@wagate/testing';
import { adminApi } from './admin-api';

// biome-ignore lint/suspicious/noExplicitAny: the test reads answers as loose JSON, asserting on what it needs
type LooseJson = any;

const WABA_ID = '102290129340398';
const PHONE_NUMBER_ID = '106540352242922';
const ACCESS_TOKEN = 'EAAGe2eCloudAccessToken';
const APP_SECRET = 'e2e_app_secret';
const VERIFY_TOKEN = 'e2e-verify-token';
const USER = '16505551234';

interface CloudStack {
  fake: FakeGraphApi;
  gatewayUrl: string;
  /** The account created through seed 001's `POST /api/accounts`. */
  accountId: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: LooseJson }>;
  /** The stored message once `ready` says it is. */
  messageWhen(id: string, ready: (message: LooseJson) => boolean, what: string): Promise<LooseJson>;
  stop(): Promise<void>;
}

/**
 * The fake Graph API on loopback, the cloud bridge and the gateway as separate processes, and a
 * cloud account created through the gateway with the fake's credentials.
 */
async function startCloudStack(nats: NatsUnderTest, database: DatabaseUnderTest): Promise<CloudStack> {
  const fake = await startFakeGraphApi({ statusTiming: { sentMs: 20, deliveredMs: 40, readMs: 60 } });
  fake.registerBusiness({
    wabaId: WABA_ID,
    name: 'Jaspers Market',
    phoneNumbers: [
      {
        phoneNumberId: PHONE_NUMBER_ID,
        displayPhoneNumber: '+1 555-078-3881',
        verifiedName: 'Jaspers Market',
      },
    ],
    accessTokens: [ACCESS_TOKEN],
    templates: [
      { name: 'shipping_update', language: 'en_US', components: [{ type: 'BODY', text: 'Shipped.' }] },
    ],
  });
  fake.openCustomerServiceWindow(PHONE_NUMBER_ID, USER);
  const adminKey = randomBytes(24).toString('base64url');
  const env = {
    NATS_URL: nats.url,
    NATS_NAMESPACE: nats.namespace,
    PARTITIONS: '8',
    DATABASE_URL: database.url,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ADMIN_API_KEY: adminKey,
    PORT: '0',
    LOG_LEVEL: 'info',
    MEDIA_STORE: 'local',
    MEDIA_DIR: mkdtempSync(join(tmpdir(), 'wagate-e2e-cloud-media-')),
    GRAPH_API_URL: fake.url,
  };
  const processes: ServiceProcess[] = [];
  const stop = async () => {
    for (const service of processes.reverse())
      expect(await service.stop('SIGTERM'), `${service.name} exit code`).toBe(0);
    await fake.close();
  };
  try {
    processes.push(
      await startServiceProcess({
        name: 'cloud-api-bridge',
        entry: 'services/cloud-api-bridge/src/main.ts',
        env,
      }),
    );
    const gateway = await startServiceProcess({
      name: 'api-gateway',
      entry: 'services/api-gateway/src/main.ts',
      env,
    });
    processes.push(gateway);
    const api = adminApi<LooseJson>(gateway.url, adminKey);
    const created = await api('POST', '/api/accounts', {
      name: 'Support Line',
      phone_number_id: PHONE_NUMBER_ID,
      business_account_id: WABA_ID,
      access_token: ACCESS_TOKEN,
      webhook_verify_token: VERIFY_TOKEN,
      app_secret: APP_SECRET,
    });
    expect(created.status).toBe(201);
    const accountId = created.body.data.id as string;
    return {
      fake,
      gatewayUrl: gateway.url,
      accountId,
      api,
      messageWhen: (id, ready, what) =>
        waitFor(
          async () => {
            const message = await api('GET', `/api/v1/sessions/${accountId}/messages/${id}`);
            return message.status === 200 && ready(message.body) && message.body;
          },
          { timeoutMs: 20_000, message: what },
        ),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

describe('cloud accounts through the API: gateway → cloud bridge → fake Graph API', () => {
  test('a seed 001 account is tested, sends every kind through the send route, and an expired token marks it', async ({
    nats,
    database,
  }) => {
    const stack = await startCloudStack(nats, database);
    const { api, fake, accountId } = stack;
    try {
      const tested = await api('POST', `/api/accounts/${accountId}/test`);
      expect(tested).toMatchObject({
        status: 200,
        body: {
          status: 'success',
          data: {
            connected: true,
            display_phone_number: '+1 555-078-3881',
            verified_name: 'Jaspers Market',
            quality_rating: 'GREEN',
          },
        },
      });
      const shown = await api('GET', `/api/accounts/${accountId}`);
      expect(shown.body.data).toMatchObject({ status: 'active', quality_rating: 'GREEN' });
      expect(JSON.stringify(shown.body)).not.toContain(ACCESS_TOKEN);
      expect(JSON.stringify(shown.body)).not.toContain(APP_SECRET);

      const first = await api('POST', `/api/v1/sessions/${accountId}/messages`, {
        to: USER,
        content: { type: 'text', text: 'Your order has shipped 📦' },
      });
      expect(first.status).toBe(202);
      await waitFor(() => fake.sentMessages().length === 1, { message: 'the first message at Meta' });
      const firstWamid = fake.sentMessages()[0]!.id;
      expect(fake.requests('send_message')[0]?.body).toMatchObject({
        messaging_product: 'whatsapp',
        to: USER,
        type: 'text',
        text: { body: 'Your order has shipped 📦' },
      });
      await stack.messageWhen(first.body.id, (message) => message.from_me, 'the first message in history');

      const kinds: Array<[unknown, Record<string, unknown>]> = [
        [
          { type: 'image', media: { url: 'https://example.com/parcel.jpg' }, caption: 'parcel' },
          { type: 'image' },
        ],
        [{ type: 'location', latitude: 37.48, longitude: -122.15, name: 'Depot' }, { type: 'location' }],
        [
          { type: 'contacts', contacts: [{ name: 'Ana', phones: [{ number: '+5511999999999' }] }] },
          { type: 'contacts' },
        ],
        [
          { type: 'reaction', messageId: first.body.id, emoji: '✅' },
          { type: 'reaction', reaction: { message_id: firstWamid, emoji: '✅' } },
        ],
        [
          { type: 'buttons', text: 'Rate us', buttons: [{ id: 'good', title: 'Good' }] },
          { type: 'interactive', interactive: expect.objectContaining({ type: 'button' }) },
        ],
        [
          {
            type: 'list',
            text: 'Pick',
            buttonText: 'Options',
            sections: [{ rows: [{ id: 'a', title: 'A' }] }],
          },
          { type: 'interactive', interactive: expect.objectContaining({ type: 'list' }) },
        ],
        [
          { type: 'cta_url', text: 'Track', displayText: 'Open', url: 'https://example.com/t' },
          { type: 'interactive', interactive: expect.objectContaining({ type: 'cta_url' }) },
        ],
        [{ type: 'template', name: 'shipping_update', language: 'en_US' }, { type: 'template' }],
      ];
      for (const [content] of kinds) {
        const response = await api('POST', `/api/v1/sessions/${accountId}/messages`, {
          to: USER,
          content,
          reply_to: first.body.id,
        });
        expect(response.status).toBe(202);
      }
      await waitFor(() => fake.sentMessages().length === 1 + kinds.length, { message: 'every kind at Meta' });
      // Sends run concurrently, so Meta may see them in any order.
      const bodies = fake
        .requests('send_message')
        .slice(1)
        .map((request) => request.body as Record<string, unknown>);
      expect(bodies.every((body) => MetaSendMessageBody.safeParse(body).success)).toBe(true);
      expect(bodies).toEqual(
        expect.arrayContaining(kinds.map(([, expected]) => expect.objectContaining(expected))),
      );
      // Replies carry Meta's id of the quoted message; a reaction names it and never carries a context.
      for (const body of bodies) {
        if (body.type === 'reaction') expect(body).not.toHaveProperty('context');
        else expect(body).toMatchObject({ context: { message_id: firstWamid } });
      }

      fake.expireAccessToken(ACCESS_TOKEN);
      const doomed = await api('POST', `/api/v1/sessions/${accountId}/messages`, {
        to: USER,
        content: { type: 'text', text: 'after the token expired' },
      });
      const failed = await stack.messageWhen(
        doomed.body.id,
        (message) => message.status === 'failed',
        'the message failed with 190',
      );
      expect(failed.error).toMatchObject({ code: 190 });
      expect((await api('GET', `/api/accounts/${accountId}`)).body.data.status).toBe('disconnected');
    } finally {
      await stack.stop();
    }
  }, 120_000);

  test("Meta's signed webhooks reach the bridge through the gateway: statuses and received messages in history", async ({
    nats,
    database,
    skip,
  }) => {
    const stack = await startCloudStack(nats, database);
    const { api, fake, accountId, gatewayUrl } = stack;
    try {
      // Meta's webhooks reach the bridge once the gateway mounts `metaWebhookRoutes`
      // (services/api-gateway/src/meta-webhooks); a gateway without it answers 404 "no route".
      const probe = await fetch(
        `${gatewayUrl}/webhooks/meta/${accountId}?hub.mode=subscribe&hub.challenge=1&hub.verify_token=${VERIFY_TOKEN}`,
      );
      if (probe.status === 404) skip('the gateway does not mount metaWebhookRoutes yet');

      // Meta's subscription handshake reaches the gateway and is answered with the challenge.
      fake.subscribeWebhook(WABA_ID, {
        callbackUrl: `${gatewayUrl}/webhooks/meta/${accountId}`,
        appSecret: APP_SECRET,
        verifyToken: VERIFY_TOKEN,
      });
      expect(await fake.verifyWebhook(WABA_ID)).toMatchObject({ verified: true });

      const sent = await api('POST', `/api/v1/sessions/${accountId}/messages`, {
        to: USER,
        content: { type: 'image', media: { url: 'https://example.com/parcel.jpg' }, caption: 'your parcel' },
      });
      const read = await stack.messageWhen(
        sent.body.id,
        (message) => message.status === 'read',
        'the sent message read',
      );
      expect(read).toMatchObject({ from_me: true, chat_id: `${USER}@s.whatsapp.net`, type: 'image' });

      const inbound = fake.sendInboundMessage({
        phoneNumberId: PHONE_NUMBER_ID,
        from: USER,
        profileName: 'Lucía',
        message: {
          type: 'text',
          text: { body: 'olá, obrigado!' },
          context: { id: fake.sentMessages()[0]!.id },
        },
      });
      const received = await stack.messageWhen(
        inbound.message.id,
        () => true,
        'the received message in history',
      );
      expect(received).toMatchObject({
        from_me: false,
        push_name: 'Lucía',
        content: { type: 'text', text: 'olá, obrigado!' },
        quoted_id: sent.body.id,
      });
      // Meta signed those bodies with their \u escapes; the gateway checked the raw bytes.
      expect(fake.webhookDeliveries().every((attempt) => attempt.responseStatus === 200)).toBe(true);
      expect(fake.webhookDeliveries().some((attempt) => attempt.body.includes('Luc\\u00eda'))).toBe(true);

      const forged = '{"object":"whatsapp_business_account","entry":[]}';
      const refused = await fetch(`${gatewayUrl}/webhooks/meta/${accountId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': `sha256=${createHmac('sha256', 'not-the-secret').update(forged).digest('hex')}`,
        },
        body: forged,
      });
      expect(refused.status).toBe(401);
    } finally {
      await stack.stop();
    }
  }, 120_000);
});
