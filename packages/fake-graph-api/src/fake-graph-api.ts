import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { z } from 'zod';
import type { PhoneNumberRecord, TemplateRecord } from './accounts/accounts';
import {
  type AccessTokenRegistration,
  BusinessRegistration,
  type PhoneNumberRegistration,
  type PhoneNumberUpdate,
  type TemplateRegistration,
  TemplateStatus,
  type WebhookSubscription,
} from './accounts/schemas';
import { controlRoutes } from './control-routes';
import { definedFields } from './defined-fields';
import { unknownPathError } from './errors/graph-error';
import type { ErrorInjection } from './errors/injections';
import { type GraphEnv, graphError } from './graph-http';
import { graphRoutes } from './graph-routes';
import type { PairRateLimit } from './messages/rate-limits';
import { type CustomerServiceWindowPolicyPatch, MetaPlatform, PlatformSettings } from './platform';
import type { RecordedRequest } from './recording/request-log';
import type { WebhookDeliveryAttempt, WebhookDeliveryPolicyPatch } from './webhooks/dispatcher';
import type { BuiltInboundMessage, InboundMessageInput } from './webhooks/inbound';
import { type RecipientBehaviorPatch, type SentMessage, StatusTimingPatch } from './webhooks/statuses';
import { verifyWebhookCallback, type WebhookVerificationResult } from './webhooks/verification';

/**
 * Everything `startFakeGraphApi` accepts; every field has Meta's behaviour as its default.
 *
 * @example
 * await startFakeGraphApi({ port: 0, statusTiming: { sentMs: 5 }, webhookDelivery: { retryInitialDelayMs: 20 } });
 */
export const FakeGraphApiOptions = PlatformSettings.extend({
  /** 0 picks a free port. The fake always binds 127.0.0.1. */
  port: z.number().int().min(0).max(65_535).default(0),
  /** Businesses to register before the first request. */
  businesses: z.array(BusinessRegistration).default([]),
});
export type FakeGraphApiOptions = z.input<typeof FakeGraphApiOptions>;

/**
 * A business as the control API reports it.
 *
 * @example
 * fake.business('102290129340398').phoneNumbers[0]?.qualityRating; // 'GREEN'
 */
export interface BusinessSnapshot {
  wabaId: string;
  name: string;
  phoneNumbers: PhoneNumberRecord[];
  accessTokens: Array<{ token: string; expiresAt: number | undefined; revoked: boolean }>;
  templates: TemplateRecord[];
  webhook: { callbackUrl: string; verifyToken: string; apiVersion: string } | undefined;
}

/** The control API lives apart from Graph paths, and its calls are not recorded. */
const CONTROL_PATH_PREFIX = '/_fake';

/**
 * A running fake of Meta's WhatsApp Cloud API (Graph API) on 127.0.0.1, with the control API that
 * tests use to set up accounts, provoke errors, simulate users and observe what was sent.
 *
 * @example
 * const fake = await startFakeGraphApi({ businesses: [{ wabaId: '102290129340398', ... }] });
 * await got.post(`${fake.url}/v21.0/106540352242922/messages`, { headers, json });
 * await fake.close();
 */
export class FakeGraphApi {
  readonly #platform: MetaPlatform;
  readonly #closeServer: () => Promise<void>;

  /** @internal Use `startFakeGraphApi`. */
  constructor(
    readonly url: string,
    platform: MetaPlatform,
    closeServer: () => Promise<void>,
  ) {
    this.#platform = platform;
    this.#closeServer = closeServer;
  }

  /** The Graph base URL for a version, e.g. `http://127.0.0.1:4123/v21.0`. */
  graphUrl(version = 'v21.0'): string {
    return `${this.url}/${version}`;
  }

  /** Adds a WABA with its numbers, tokens, webhook subscription and templates. */
  registerBusiness(input: BusinessRegistration): BusinessSnapshot {
    return this.business(this.#platform.accounts.registerBusiness(input).wabaId);
  }

  /** A copy of what the fake holds for a WABA. */
  business(wabaId: string): BusinessSnapshot {
    const { accounts } = this.#platform;
    const business = accounts.business(wabaId);
    return structuredClone({
      wabaId: business.wabaId,
      name: business.name,
      phoneNumbers: business.phoneNumberIds.map((id) => accounts.phoneNumber(id)),
      accessTokens: [...accounts.accessTokens.values()]
        .filter((token) => token.wabaIds.has(wabaId))
        .map(({ token, expiresAt, revoked }) => ({ token, expiresAt, revoked })),
      templates: business.templates,
      webhook:
        business.webhook === undefined
          ? undefined
          : {
              callbackUrl: business.webhook.callbackUrl,
              verifyToken: business.webhook.verifyToken,
              apiVersion: business.webhook.apiVersion,
            },
    });
  }

  /** Copies of every registered WABA. */
  businesses(): BusinessSnapshot[] {
    return [...this.#platform.accounts.businesses.keys()].map((wabaId) => this.business(wabaId));
  }

  /** Adds a business number; its id is generated like Meta's when not given. */
  addPhoneNumber(wabaId: string, input: PhoneNumberRegistration): PhoneNumberRecord {
    return structuredClone(this.#platform.accounts.addPhoneNumber(wabaId, input));
  }

  /** Changes what Meta reports for a number (quality rating, messaging limit, throughput…). */
  updatePhoneNumber(phoneNumberId: string, update: PhoneNumberUpdate): PhoneNumberRecord {
    return structuredClone(this.#platform.accounts.updatePhoneNumber(phoneNumberId, update));
  }

  /** Messages per second the number may handle before 130429 (Meta: 80, upgraded to 1,000). */
  setThroughputLimit(phoneNumberId: string, perSecond: number): void {
    this.#platform.accounts.updatePhoneNumber(phoneNumberId, { throughputPerSecond: perSecond });
  }

  /** Lets a token reach one or more businesses, optionally until `expiresAt`. */
  addAccessToken(wabaIds: string | readonly string[], token: AccessTokenRegistration): void {
    this.#platform.accounts.addAccessToken(typeof wabaIds === 'string' ? [wabaIds] : wabaIds, token);
  }

  /** From `at` (default now) the token answers 190 with subcode 463, as an expired session. */
  expireAccessToken(token: string, at: number = Date.now()): void {
    this.#platform.accounts.accessToken(token).expiresAt = at;
  }

  /** The token answers 190 with subcode 460, as after a password change. */
  revokeAccessToken(token: string): void {
    this.#platform.accounts.accessToken(token).revoked = true;
  }

  /** Sets (or replaces) the app's callback URL, app secret and verify token for a WABA. */
  subscribeWebhook(wabaId: string, subscription: WebhookSubscription): void {
    this.#platform.accounts.subscribeWebhook(wabaId, subscription);
  }

  /** Performs Meta's `hub.challenge` handshake against the business's callback URL. */
  async verifyWebhook(wabaId: string): Promise<WebhookVerificationResult> {
    const webhook = this.#platform.accounts.business(wabaId).webhook;
    if (webhook === undefined) throw new Error(`business ${wabaId} has no webhook subscription`);
    return verifyWebhookCallback(webhook, 10_000);
  }

  /** Adds a message template (approved unless a status is given). */
  addTemplate(wabaId: string, template: TemplateRegistration): TemplateRecord {
    return structuredClone(this.#platform.accounts.addTemplate(wabaId, template));
  }

  /** Moves a template through review or quality states (PAUSED → 132015, DISABLED → 132016). */
  setTemplateStatus(wabaId: string, name: string, language: string, status: TemplateStatus): TemplateRecord {
    return structuredClone(
      this.#platform.accounts.setTemplateStatus(wabaId, name, language, TemplateStatus.parse(status)),
    );
  }

  /** Answers matching requests with a Meta error; returns an id for `removeInjectedError`. */
  injectError(injection: ErrorInjection): number {
    return this.#platform.injections.add(injection);
  }

  /** Withdraws one injection before it is used up. */
  removeInjectedError(id: number): void {
    this.#platform.injections.remove(id);
  }

  /** Withdraws every injection. */
  clearInjectedErrors(): void {
    this.#platform.injections.clear();
  }

  /** The same-recipient rule (Meta: one message per 6 s, bursts of 45); resets all pairs. */
  setPairRateLimit(rule: PairRateLimit): void {
    this.#platform.pairRate.configure(rule);
  }

  /** Turns the 24-hour rule on or off, or makes it fail in the response instead of by webhook. */
  setCustomerServiceWindow(patch: CustomerServiceWindowPolicyPatch): void {
    this.#platform.setWindowPolicy(patch);
  }

  /** Records that the user last wrote at `at` (default now), without sending a webhook. */
  openCustomerServiceWindow(phoneNumberId: string, waId: string, at: number = Date.now()): void {
    this.#platform.accounts.phoneNumber(phoneNumberId);
    this.#platform.windows.setLastInbound(phoneNumberId, waId, at);
  }

  /** How one user's phone answers (receipts, read at once, undeliverable); unset traits stay. */
  setRecipientBehavior(waId: string, patch: RecipientBehaviorPatch): void {
    this.#platform.setRecipientBehavior(waId, patch);
  }

  /** Every message to this user fails with 131026 by webhook. */
  markUndeliverable(waId: string, undeliverable = true): void {
    this.#platform.setRecipientBehavior(waId, { undeliverable });
  }

  /** Delays from an accepted send to its `sent`, `delivered` and `read` webhooks. */
  setStatusTiming(patch: StatusTimingPatch): void {
    this.#platform.statusTiming = {
      ...this.#platform.statusTiming,
      ...definedFields(StatusTimingPatch.parse(patch)),
    };
  }

  /** Retry backoff, attempts, timeout and batching of webhook POSTs. */
  configureWebhookDelivery(patch: WebhookDeliveryPolicyPatch): void {
    this.#platform.webhooks.configure(patch);
  }

  /** The next `count` webhook POSTs are each delivered twice. */
  duplicateNextWebhooks(count = 1): void {
    this.#platform.webhooks.duplicateNext(z.number().int().positive().parse(count));
  }

  /** A user writes to a business number; the message reaches the webhook after `delayMs`. */
  sendInboundMessage(input: InboundMessageInput): BuiltInboundMessage {
    return structuredClone(this.#platform.receive(input));
  }

  /** Graph requests in arrival order, optionally only one operation's. */
  requests(operation?: RecordedRequest['operation']): RecordedRequest[] {
    return structuredClone(
      this.#platform.requestLog
        .requests()
        .filter((request) => operation === undefined || request.operation === operation),
    );
  }

  /** Messages the fake accepted, in acceptance order. */
  sentMessages(): SentMessage[] {
    return structuredClone([...this.#platform.sentMessages.values()]);
  }

  /** Every webhook POST attempt with its exact body, headers and answer. */
  webhookDeliveries(): WebhookDeliveryAttempt[] {
    return structuredClone([...this.#platform.webhooks.attempts()]);
  }

  /** Resolves when every due or scheduled webhook, retries included, has been delivered or given up. */
  waitForWebhooks(): Promise<void> {
    return this.#platform.webhooks.idle();
  }

  /** Forgets recorded requests and webhook attempts (state and settings stay). */
  clearRecords(): void {
    this.#platform.requestLog.clear();
    this.#platform.webhooks.clearAttempts();
  }

  /** Stops webhooks (pending ones are dropped) and the HTTP server. */
  async close(): Promise<void> {
    this.#platform.webhooks.close();
    await this.#closeServer();
  }
}

async function responseBodyOf(response: Response): Promise<unknown> {
  if (!response.headers.get('content-type')?.includes('application/json')) return undefined;
  const text = await response.clone().text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function createApp(platform: MetaPlatform, fake: () => FakeGraphApi): Hono<GraphEnv> {
  const app = new Hono<GraphEnv>();
  app.use('*', async (c, next) => {
    await next();
    if (c.req.path.startsWith(CONTROL_PATH_PREFIX)) return;
    platform.requestLog.record({
      receivedAt: Date.now(),
      operation: c.get('operation'),
      method: c.req.method,
      path: c.req.path,
      query: c.req.query(),
      headers: Object.fromEntries(c.req.raw.headers),
      body: c.get('recordedBody'),
      responseStatus: c.res.status,
      responseBody: await responseBodyOf(c.res),
    });
  });
  app.route(CONTROL_PATH_PREFIX, controlRoutes(fake));
  app.route('/', graphRoutes(platform));
  app.notFound((c) => graphError(c, unknownPathError(c.req.path)));
  return app;
}

/**
 * Starts the fake on 127.0.0.1 (port 0 by default) and resolves once it listens.
 *
 * @example
 * const fake = await startFakeGraphApi({
 *   businesses: [{ wabaId: '102290129340398', accessTokens: ['EAAGtest'],
 *     phoneNumbers: [{ phoneNumberId: '106540352242922', displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Jaspers Market' }] }],
 * });
 * fake.graphUrl('v21.0'); // 'http://127.0.0.1:41234/v21.0'
 */
export async function startFakeGraphApi(options: FakeGraphApiOptions = {}): Promise<FakeGraphApi> {
  const settings = FakeGraphApiOptions.parse(options);
  const platform = new MetaPlatform(settings);
  for (const business of settings.businesses) platform.accounts.registerBusiness(business);
  let handle: FakeGraphApi | undefined;
  const app = createApp(platform, () => {
    if (handle === undefined) throw new Error('the fake is still starting');
    return handle;
  });
  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const closeServer = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error === undefined ? resolve() : reject(error)));
      if ('closeAllConnections' in server) server.closeAllConnections();
    });
  handle = new FakeGraphApi(`http://127.0.0.1:${port}`, platform, closeServer);
  return handle;
}
