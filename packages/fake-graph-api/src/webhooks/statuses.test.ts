import type { Got } from 'got';
import { describe, expect } from 'vitest';
import { signMetaPayload } from '../meta-json';
import {
  APP_SECRET,
  openWindow,
  PHONE_NUMBER_ID,
  sendText,
  statusesIn,
  test,
  USER,
  WABA_ID,
} from '../test-fixtures';

/** Sends a text and returns its wamid. */
async function send(graph: Got, to: string = USER): Promise<string> {
  const response = await sendText(graph, to);
  expect(response.statusCode).toBe(200);
  return (response.body as { messages: Array<{ id: string }> }).messages[0]!.id;
}

describe('status webhooks of accepted messages', () => {
  test('sends sent, delivered and read, signed over the exact body, in Meta’s envelope', async ({
    fake,
    graph,
    receiver,
  }) => {
    openWindow(fake);
    const wamid = await send(graph);
    const received = await receiver.waitFor((all) => statusesIn(all).length === 3);

    for (const webhook of received) {
      expect(webhook.schemaError).toBeUndefined();
      expect(webhook.signatureValid).toBe(true);
      expect(webhook.headers['x-hub-signature-256']).toBe(signMetaPayload(APP_SECRET, webhook.rawBody));
      expect(webhook.headers['x-hub-signature']).toMatch(/^sha1=[0-9a-f]{40}$/);
      expect(webhook.headers['content-type']).toBe('application/json');
      expect(webhook.headers['user-agent']).toBe('facebookexternalua');
      expect(webhook.payload).toMatchObject({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: WABA_ID,
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
                },
              },
            ],
          },
        ],
      });
    }
    const [sent, delivered, read] = statusesIn(received);
    expect(sent).toMatchObject({
      id: wamid,
      status: 'sent',
      recipient_id: USER,
      timestamp: expect.stringMatching(/^\d{10}$/),
      conversation: {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        expiration_timestamp: expect.stringMatching(/^\d{10}$/),
        origin: { type: 'service' },
      },
      pricing: { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' },
    });
    expect(delivered).toMatchObject({ id: wamid, status: 'delivered', pricing: { category: 'service' } });
    expect(delivered?.conversation).toEqual({ id: sent?.conversation?.id, origin: { type: 'service' } });
    expect(read).toEqual({ id: wamid, status: 'read', timestamp: expect.any(String), recipient_id: USER });
  });

  test('echoes biz_opaque_callback_data and bills templates outside the window', async ({
    fake,
    graph,
    receiver,
  }) => {
    fake.setRecipientBehavior(USER, { reads: false });
    await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      json: {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'template',
        biz_opaque_callback_data: 'campaign-7',
        template: { name: 'spring_sale', language: { code: 'en_US' } },
      },
    });
    const [sent, delivered] = statusesIn(await receiver.waitFor((all) => statusesIn(all).length === 2));
    expect(sent).toMatchObject({
      status: 'sent',
      biz_opaque_callback_data: 'campaign-7',
      conversation: { origin: { type: 'marketing' } },
      pricing: { billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' },
    });
    expect(delivered?.status).toBe('delivered');
    await fake.waitForWebhooks();
    expect(statusesIn(receiver.received())).toHaveLength(2);
  });

  test('skips delivered when the user reads at once, and leaves out conversation from webhook v24.0', async ({
    fake,
    graph,
    receiver,
  }) => {
    fake.subscribeWebhook(WABA_ID, {
      callbackUrl: receiver.url,
      appSecret: APP_SECRET,
      verifyToken: 'x',
      apiVersion: 'v24.0',
    });
    fake.setRecipientBehavior(USER, { skipsDelivered: true });
    openWindow(fake);
    await send(graph);
    await fake.waitForWebhooks();
    const statuses = statusesIn(receiver.received());
    expect(statuses.map((status) => status.status)).toEqual(['sent', 'read']);
    expect(statuses[1]?.pricing).toMatchObject({ category: 'service' });
    for (const status of statuses) expect(status.conversation).toBeUndefined();
  });

  test('fails free-form messages outside the 24-hour window with 131047, but not templates', async ({
    fake,
    graph,
    receiver,
  }) => {
    fake.openCustomerServiceWindow(PHONE_NUMBER_ID, USER, Date.now() - 25 * 60 * 60 * 1000);
    const wamid = await send(graph);
    await fake.waitForWebhooks();
    expect(statusesIn(receiver.received())).toEqual([
      {
        id: wamid,
        status: 'failed',
        timestamp: expect.any(String),
        recipient_id: USER,
        errors: [
          {
            code: 131047,
            title: 'Re-engagement message',
            message: 'Re-engagement message',
            error_data: {
              details:
                'More than 24 hours have passed since the recipient last replied to the sender number.',
            },
            href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
          },
        ],
      },
    ]);

    fake.setCustomerServiceWindow({ delivery: 'response' });
    const refused = await sendText(graph);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatchObject({
      error: { code: 131047, message: '(#131047) Re-engagement message' },
    });

    fake.setCustomerServiceWindow({ enforced: false });
    expect((await sendText(graph)).statusCode).toBe(200);
  });

  test('fails messages to an undeliverable number with 131026 by webhook', async ({
    fake,
    graph,
    receiver,
  }) => {
    fake.setCustomerServiceWindow({ enforced: false });
    fake.markUndeliverable('+1 650 555 9999');
    const wamid = await send(graph, '16505559999');
    await fake.waitForWebhooks();
    expect(statusesIn(receiver.received())).toMatchObject([
      {
        id: wamid,
        status: 'failed',
        recipient_id: '16505559999',
        errors: [{ code: 131026, title: 'Message Undeliverable' }],
      },
    ]);
  });
});

describe('webhook delivery', () => {
  test('batches updates that fall due together into one POST, up to the configured size', async ({
    fake,
    graph,
    receiver,
  }) => {
    fake.setCustomerServiceWindow({ enforced: false });
    fake.setRecipientBehavior(USER, { delivers: false });
    fake.configureWebhookDelivery({ batchWindowMs: 200, maxUpdatesPerPost: 3 });
    await Promise.all(Array.from({ length: 4 }, () => send(graph)));
    await fake.waitForWebhooks();
    const posts = receiver.received();
    expect(posts.map((post) => statusesIn([post]).length)).toEqual([3, 1]);
    expect(posts[0]?.payload?.entry[0]?.changes).toHaveLength(1);
  });

  test('retries a POST answered with non-2xx, with the same body and signature, until accepted', async ({
    fake,
    graph,
    receiver,
  }) => {
    openWindow(fake);
    fake.setRecipientBehavior(USER, { delivers: false });
    receiver.answerNext(500, 503);
    await send(graph);
    await fake.waitForWebhooks();
    const attempts = fake.webhookDeliveries();
    expect(attempts.map((attempt) => [attempt.attempt, attempt.responseStatus, attempt.delivered])).toEqual([
      [1, 500, false],
      [2, 503, false],
      [3, 200, true],
    ]);
    expect(new Set(attempts.map((attempt) => attempt.body)).size).toBe(1);
    // Doubling backoff from the fixture's 20 ms (1 ms of slack for timer rounding).
    expect(attempts[1]!.startedAt - attempts[0]!.startedAt).toBeGreaterThanOrEqual(19);
    expect(attempts[2]!.startedAt - attempts[1]!.startedAt).toBeGreaterThanOrEqual(39);
    expect(receiver.received().map((post) => post.rawBody)).toEqual(attempts.map((attempt) => attempt.body));
  });

  test('gives up after the configured attempts', async ({ fake, graph, receiver }) => {
    openWindow(fake);
    fake.setRecipientBehavior(USER, { delivers: false });
    receiver.answerNext(500, 500, 500, 500, 500);
    await send(graph);
    await fake.waitForWebhooks();
    expect(fake.webhookDeliveries().map((attempt) => attempt.delivered)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  test('delivers the same body twice on demand, as Meta’s duplicates', async ({ fake, graph, receiver }) => {
    openWindow(fake);
    fake.setRecipientBehavior(USER, { delivers: false });
    fake.duplicateNextWebhooks(1);
    await send(graph);
    await fake.waitForWebhooks();
    const [first, second] = receiver.received();
    expect(second?.rawBody).toBe(first?.rawBody);
    expect(fake.webhookDeliveries().map((attempt) => attempt.duplicate)).toEqual([false, true]);
  });

  test('performs Meta’s verification handshake against the callback', async ({ fake, receiver }) => {
    const verified = await fake.verifyWebhook(WABA_ID);
    expect(verified).toMatchObject({ verified: true, responseStatus: 200 });
    expect(verified.responseBody).toBe(verified.challenge);
    expect(receiver.verificationRequests()[0]).toEqual({
      'hub.mode': 'subscribe',
      'hub.challenge': verified.challenge,
      'hub.verify_token': 'verify-me',
    });

    fake.subscribeWebhook(WABA_ID, {
      callbackUrl: receiver.url,
      appSecret: APP_SECRET,
      verifyToken: 'wrong-token',
    });
    expect(await fake.verifyWebhook(WABA_ID)).toMatchObject({ verified: false, responseStatus: 403 });
  });
});
