import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { verifyMetaSignature } from './meta-json';
import { MetaWebhookPayload } from './webhooks/payload-schemas';

/**
 * One POST that reached the receiver.
 *
 * @example
 * expect(webhook.signatureValid).toBe(true);
 */
export interface ReceivedWebhook {
  receivedAt: number;
  /** Lowercased header names. */
  headers: Record<string, string>;
  /** The exact body, as signed. */
  rawBody: string;
  /** Whether `X-Hub-Signature-256` matches the raw body under the app secret. */
  signatureValid: boolean;
  /** The body when it matches Meta's payload schema. */
  payload: MetaWebhookPayload | undefined;
  /** Why the body does not match Meta's payload schema, if it does not. */
  schemaError: string | undefined;
  /** The status the receiver answered with. */
  answeredStatus: number;
}

/**
 * A running webhook endpoint and what reached it.
 *
 * @example
 * const [webhook] = await receiver.waitFor((all) => all.length === 1);
 */
export interface WebhookReceiver {
  /** The callback URL to subscribe. */
  url: string;
  received(): ReceivedWebhook[];
  /** Query strings of the verification GETs, in order. */
  verificationRequests(): Array<Record<string, string>>;
  /** Answers the next POSTs with these statuses, in order, then 200 again. */
  answerNext(...statuses: number[]): void;
  /** Resolves with all webhooks so far once `predicate` holds for them; rejects after `timeoutMs`. */
  waitFor(
    predicate: (received: ReceivedWebhook[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * A webhook endpoint as an app would run it, for tests: answers Meta's `hub.challenge` handshake
 * when the verify token matches (403 otherwise), records every POST with its raw body and whether
 * its signature is valid, and answers 200 unless told to fail. Binds 127.0.0.1.
 *
 * @example
 * const receiver = await startWebhookReceiver({ appSecret: 'secret', verifyToken: 'token' });
 * fake.subscribeWebhook(wabaId, { callbackUrl: receiver.url, appSecret: 'secret', verifyToken: 'token' });
 * const [webhook] = await receiver.waitFor((all) => all.length === 1);
 */
export async function startWebhookReceiver(options: {
  appSecret: string;
  verifyToken: string;
}): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const verifications: Array<Record<string, string>> = [];
  const scriptedStatuses: number[] = [];
  const waiters = new Set<() => void>();

  const app = new Hono();
  app.get('/webhook', (c) => {
    const query = c.req.query();
    verifications.push(query);
    return query['hub.mode'] === 'subscribe' && query['hub.verify_token'] === options.verifyToken
      ? c.text(query['hub.challenge'] ?? '', 200)
      : c.text('Forbidden', 403);
  });
  app.post('/webhook', async (c) => {
    const rawBody = await c.req.text();
    const answeredStatus = scriptedStatuses.shift() ?? 200;
    const parsed = MetaWebhookPayload.safeParse(JSON.parse(rawBody));
    received.push({
      receivedAt: Date.now(),
      headers: Object.fromEntries(c.req.raw.headers),
      rawBody,
      signatureValid: verifyMetaSignature(options.appSecret, rawBody, c.req.header('x-hub-signature-256')),
      payload: parsed.success ? parsed.data : undefined,
      schemaError: parsed.success ? undefined : parsed.error.message,
      answeredStatus,
    });
    for (const wake of waiters) wake();
    return c.body(null, answeredStatus as 200);
  });

  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received: () => [...received],
    verificationRequests: () => [...verifications],
    answerNext: (...statuses) => scriptedStatuses.push(...statuses),
    waitFor: (predicate, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate([...received])) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve([...received]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `webhook receiver: condition not met within ${timeoutMs} ms (${received.length} received)`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
