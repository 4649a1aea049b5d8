import { createHmac } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Bus } from '@wagate/bus';
import { CloudAccountsRepository, SecretBox } from '@wagate/db';
import { LocalDirectoryMediaStore } from '@wagate/media-store';
import { MetricsRegistry } from '@wagate/observability';
import {
  type DatabaseUnderTest,
  describe,
  expect,
  type NatsUnderTest,
  test,
  testLogger,
} from '@wagate/testing';
import { respondWithError } from '../http/errors';
import { type GatewayEnv, requestContext } from '../http/request-context';
import { metaWebhookRoutes } from './routes';

/** CLOUD-API.md's test vector: Meta's escaped body and the signature Meta computes over its bytes. */
const VECTOR_SECRET = 'test_app_secret';
const VECTOR_BODY =
  '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Luc\\u00eda"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.X","timestamp":"1749416383","type":"text","text":{"body":"ol\\u00e1"}}]},"field":"messages"}]}]}';
const VECTOR_SIGNATURE = 'sha256=fa50c2d5dd5917d10e3c6620e1fb9c3995429183c1b0b6dba2b0438db0f7056a';

const sign = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function webhookApp(nats: NatsUnderTest, database: DatabaseUnderTest) {
  await nats.provision();
  const bus = await nats.connect('gateway');
  const secretBox = SecretBox.fromEncodedKey(SecretBox.generateKey());
  const accounts = new CloudAccountsRepository(database.db, secretBox, nats.topology.partitions);
  await accounts.create({
    id: 'support',
    phoneNumberId: '106540352242922',
    accessToken: 'EAAGtoken',
    verifyToken: 'verify-me',
    appSecret: VECTOR_SECRET,
  });
  await accounts.create({ id: 'unsigned', phoneNumberId: '106540352242923', accessToken: 'EAAGtoken' });
  const log = testLogger('gateway');
  const app = new OpenAPIHono<GatewayEnv>();
  app.use(requestContext(log));
  app.onError(respondWithError);
  app.route(
    '/',
    metaWebhookRoutes({
      db: database.db,
      bus,
      topology: nats.topology,
      secretBox,
      mediaStore: new LocalDirectoryMediaStore('/nonexistent'),
      log,
      metrics: new MetricsRegistry({ collectDefaults: false }),
      rpcTimeoutMs: 1_000,
    }),
  );
  const post = (accountId: string, body: string, signature?: string) =>
    app.request(`/webhooks/meta/${accountId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { 'x-hub-signature-256': signature } : {}),
      },
      body,
    });
  return { app, bus, post };
}

/** What `WA_CLOUD_INBOUND` holds for an account. */
async function storedBodies(bus: Bus, accountId: string): Promise<string[]> {
  const stream = bus.topology.streams.cloudInbound;
  const info = await bus.jsm.streams.info(stream, {
    subjects_filter: bus.topology.cloudInboundSubject(accountId),
  });
  const bodies: string[] = [];
  for (let seq = info.state.first_seq; seq > 0 && seq <= info.state.last_seq; seq += 1) {
    const message = await bus.jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
    if (message?.subject === bus.topology.cloudInboundSubject(accountId)) bodies.push(message.string());
  }
  return bodies;
}

describe("Meta's webhook endpoint", () => {
  test('accepts the CLOUD-API.md test vector and stores its exact bytes for the bridge', async ({
    nats,
    database,
  }) => {
    const { bus, post } = await webhookApp(nats, database);
    expect(sign(VECTOR_SECRET, VECTOR_BODY)).toBe(VECTOR_SIGNATURE);
    const response = await post('support', VECTOR_BODY, VECTOR_SIGNATURE);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    expect(await storedBodies(bus, 'support')).toEqual([VECTOR_BODY]);

    // Meta repeats deliveries: the same bytes are stored once.
    expect((await post('support', VECTOR_BODY, VECTOR_SIGNATURE)).status).toBe(200);
    expect(await storedBodies(bus, 'support')).toEqual([VECTOR_BODY]);
  });

  test('refuses a tampered, unsigned or wrongly signed body with 401 and stores nothing', async ({
    nats,
    database,
  }) => {
    const { bus, post } = await webhookApp(nats, database);
    const tampered = VECTOR_BODY.replace('ol\\u00e1', 'ola');
    const refused = await post('support', tampered, VECTOR_SIGNATURE);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'unauthorized' } });
    // A body re-serialized without Meta's escapes is not the signed text either.
    const reserialized = JSON.stringify(JSON.parse(VECTOR_BODY));
    expect((await post('support', reserialized, VECTOR_SIGNATURE)).status).toBe(401);
    expect((await post('support', VECTOR_BODY)).status).toBe(401);
    expect((await post('support', VECTOR_BODY, sign('another_secret', VECTOR_BODY))).status).toBe(401);
    expect((await post('support', VECTOR_BODY, 'sha256=xyz')).status).toBe(401);
    // Without an app secret nothing can be verified, so nothing is accepted.
    expect((await post('unsigned', VECTOR_BODY, VECTOR_SIGNATURE)).status).toBe(401);
    expect(await storedBodies(bus, 'support')).toEqual([]);
    expect(await storedBodies(bus, 'unsigned')).toEqual([]);
  });

  test('answers 404 for an unknown account, 400 for a signed body that is not a webhook, 413 when too large', async ({
    nats,
    database,
  }) => {
    const { post } = await webhookApp(nats, database);
    expect((await post('nobody', VECTOR_BODY, VECTOR_SIGNATURE)).status).toBe(404);
    const notAWebhook = '{"hello":"world"}';
    const invalid = await post('support', notAWebhook, sign(VECTOR_SECRET, notAWebhook));
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: 'invalid_request' } });
    const huge = `{"object":"whatsapp_business_account","entry":[],"pad":"${'x'.repeat(5 * 1_048_576)}"}`;
    expect((await post('support', huge, sign(VECTOR_SECRET, huge))).status).toBe(413);
  });

  test("answers Meta's verification challenge only with the account's verify token", async ({
    nats,
    database,
  }) => {
    const { app } = await webhookApp(nats, database);
    const verify = (accountId: string, query: string) => app.request(`/webhooks/meta/${accountId}?${query}`);
    const accepted = await verify(
      'support',
      'hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me',
    );
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toBe('1158201444');
    expect(
      (await verify('support', 'hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong')).status,
    ).toBe(403);
    expect(
      (await verify('support', 'hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=verify-me')).status,
    ).toBe(403);
    expect((await verify('support', 'hub.mode=subscribe&hub.verify_token=verify-me')).status).toBe(403);
    expect(
      (await verify('unsigned', 'hub.mode=subscribe&hub.challenge=1&hub.verify_token=verify-me')).status,
    ).toBe(403);
    expect(
      (await verify('nobody', 'hub.mode=subscribe&hub.challenge=1&hub.verify_token=verify-me')).status,
    ).toBe(404);
  });

  test('answers fast: the median of a burst of signed POSTs is far under the 250 ms Meta asks for', async ({
    nats,
    database,
  }) => {
    const { post } = await webhookApp(nats, database);
    const timings: number[] = [];
    for (let index = 0; index < 30; index += 1) {
      const body = VECTOR_BODY.replace('wamid.X', `wamid.X${index}`);
      const started = performance.now();
      expect((await post('support', body, sign(VECTOR_SECRET, body))).status).toBe(200);
      timings.push(performance.now() - started);
    }
    timings.sort((a, b) => a - b);
    expect(timings[15]).toBeLessThan(250);
  });
});
