import got, { type Got } from 'got';
import { test as base } from 'vitest';
import type { BusinessRegistration } from './accounts/schemas';
import { type FakeGraphApi, type FakeGraphApiOptions, startFakeGraphApi } from './fake-graph-api';
import { type ReceivedWebhook, startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';
import type { MetaMessageStatus } from './webhooks/payload-schemas';

/**
 * The ids of Meta's own examples, so payloads read like the documentation.
 *
 * @example
 * fake.business(WABA_ID).phoneNumbers;
 */
export const WABA_ID = '102290129340398';
/**
 * The sample business's phone number.
 *
 * @example
 * graph.post(`${PHONE_NUMBER_ID}/messages`, { json });
 */
export const PHONE_NUMBER_ID = '106540352242922';
const DISPLAY_PHONE_NUMBER = '+1 555-078-3881';
/**
 * The sample business's token, which the `graph` fixture sends.
 *
 * @example
 * fake.expireAccessToken(ACCESS_TOKEN);
 */
export const ACCESS_TOKEN = 'EAAGfakeAccessToken';
/**
 * The sample app secret; the test vector of CLOUD-API.md uses the same.
 *
 * @example
 * signMetaPayload(APP_SECRET, webhook.rawBody);
 */
export const APP_SECRET = 'test_app_secret';
/**
 * The sample webhook verify token.
 *
 * @example
 * await fake.verifyWebhook(WABA_ID); // sends hub.verify_token=verify-me
 */
export const VERIFY_TOKEN = 'verify-me';
/**
 * A user who writes to the business.
 *
 * @example
 * openWindow(fake, USER);
 */
export const USER = '16505551234';

/**
 * The sample business of the docs, subscribed to `callbackUrl`, with two templates.
 *
 * @example
 * await startFakeGraphApi({ businesses: [sampleBusiness(receiver.url)] });
 */
export function sampleBusiness(callbackUrl: string): BusinessRegistration {
  return {
    wabaId: WABA_ID,
    name: 'Jaspers Market',
    phoneNumbers: [
      {
        phoneNumberId: PHONE_NUMBER_ID,
        displayPhoneNumber: DISPLAY_PHONE_NUMBER,
        verifiedName: 'Jaspers Market',
        qualityRating: 'GREEN',
        messagingLimitTier: 'TIER_1K',
      },
    ],
    accessTokens: [ACCESS_TOKEN],
    webhook: { callbackUrl, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN },
    templates: [
      {
        name: 'order_update',
        language: 'en_US',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.' }],
      },
      {
        name: 'spring_sale',
        language: 'en_US',
        category: 'MARKETING',
        components: [{ type: 'BODY', text: 'Sale!' }],
      },
    ],
  };
}

/** Webhooks in tests come within milliseconds and retry quickly. */
const FAST_TIMING: FakeGraphApiOptions = {
  statusTiming: { sentMs: 5, deliveredMs: 10, readMs: 15 },
  webhookDelivery: { retryInitialDelayMs: 20, retryMaxDelayMs: 100, maxAttempts: 4, timeoutMs: 2000 },
};

interface FakeFixtures {
  /** A real webhook endpoint subscribed to the sample business. */
  receiver: WebhookReceiver;
  /** A fake with the sample business, closed after the test. */
  fake: FakeGraphApi;
  /** got aimed at `/v21.0` with the sample token, answering every status without throwing. */
  graph: Got;
}

/**
 * `test` with a fresh fake, webhook receiver and Graph client per test, all closed afterwards.
 *
 * @example
 * test('sends', async ({ graph }) => { await graph.post(`${PHONE_NUMBER_ID}/messages`, { json }); });
 */
export const test = base.extend<FakeFixtures>({
  receiver: async ({ task: _task }, use) => {
    const receiver = await startWebhookReceiver({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    await use(receiver);
    await receiver.close();
  },
  fake: async ({ receiver }, use) => {
    const fake = await startFakeGraphApi({ ...FAST_TIMING, businesses: [sampleBusiness(receiver.url)] });
    await use(fake);
    await fake.close();
  },
  graph: async ({ fake }, use) => {
    await use(
      got.extend({
        prefixUrl: fake.graphUrl('v21.0'),
        headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
        throwHttpErrors: false,
        retry: { limit: 0 },
        responseType: 'json',
      }),
    );
  },
});

/**
 * A user who wrote a moment ago, so free-form messages to them are inside the 24-hour window.
 *
 * @example
 * openWindow(fake); // free-form texts to USER are now delivered
 */
export function openWindow(fake: FakeGraphApi, user: string = USER): void {
  fake.openCustomerServiceWindow(PHONE_NUMBER_ID, user);
}

/**
 * Sends a free-form text as the bridge would.
 *
 * @example
 * expect((await sendText(graph)).statusCode).toBe(200);
 */
export function sendText(graph: Got, to: string = USER, body = 'hi') {
  return graph.post<unknown>(`${PHONE_NUMBER_ID}/messages`, {
    json: { messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'text', text: { body } },
  });
}

/**
 * Every status in the webhooks, in arrival order.
 *
 * @example
 * statusesIn(receiver.received()).map((s) => s.status); // ['sent', 'delivered', 'read']
 */
export function statusesIn(received: ReceivedWebhook[]): MetaMessageStatus[] {
  return received.flatMap(
    (webhook) =>
      webhook.payload?.entry.flatMap((entry) =>
        entry.changes.flatMap((change) => change.value.statuses ?? []),
      ) ?? [],
  );
}
