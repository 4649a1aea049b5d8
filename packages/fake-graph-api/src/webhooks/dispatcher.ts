import got from 'got';
import { z } from 'zod';
import { definedFields } from '../defined-fields';
import { serializeLikeMeta, signMetaPayload, signMetaPayloadSha1 } from '../meta-json';
import type { MetaInboundMessage, MetaMessageStatus, MetaWebhookPayload } from './payload-schemas';

/**
 * A change to how the fake delivers webhooks; Meta retries for 7 days, so tests shorten it.
 *
 * @example
 * fake.configureWebhookDelivery({ batchWindowMs: 200, maxUpdatesPerPost: 3 });
 */
export const WebhookDeliveryPolicyPatch = z.strictObject({
  /** First retry delay after a non-2xx answer or a network failure; doubled each time. */
  retryInitialDelayMs: z.number().int().nonnegative().optional(),
  retryMaxDelayMs: z.number().int().nonnegative().optional(),
  /** Attempts per POST, the first included, before the fake gives up on it. */
  maxAttempts: z.number().int().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  /** Updates due within this window of the first one go out in one POST. */
  batchWindowMs: z.number().int().nonnegative().optional(),
  /** Meta sends up to 1,000 updates per POST. */
  maxUpdatesPerPost: z.number().int().min(1).max(1000).optional(),
});
export type WebhookDeliveryPolicyPatch = z.input<typeof WebhookDeliveryPolicyPatch>;

/**
 * The webhook delivery policy, every knob defaulted.
 *
 * @example
 * new WebhookDispatcher(WebhookDeliveryPolicy.parse({}), resolveTarget);
 */
export const WebhookDeliveryPolicy = WebhookDeliveryPolicyPatch.transform((patch) => ({
  retryInitialDelayMs: 1000,
  retryMaxDelayMs: 60_000,
  maxAttempts: 10,
  timeoutMs: 10_000,
  batchWindowMs: 0,
  maxUpdatesPerPost: 1000,
  ...definedFields(patch),
}));
export type WebhookDeliveryPolicy = z.output<typeof WebhookDeliveryPolicy>;

/** Meta caps a webhook body at 3 MB. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

type WebhookUpdate =
  | { kind: 'status'; status: MetaMessageStatus }
  | { kind: 'message'; contact: { profile: { name: string }; wa_id: string }; message: MetaInboundMessage };

/** One change for the app: a status or an inbound message on a business number. */
interface WebhookEvent {
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumberDigits: string;
  dueAt: number;
  update: WebhookUpdate;
}

interface WebhookTarget {
  callbackUrl: string;
  appSecret: string;
}

/**
 * One POST the fake made (or tried to make) to a callback.
 *
 * @example
 * fake.webhookDeliveries().map((a) => [a.attempt, a.responseStatus]); // [[1, 500], [2, 200]]
 */
export interface WebhookDeliveryAttempt {
  /** Shared by the retries and the duplicate of the same body. */
  deliveryId: number;
  attempt: number;
  /** True for the extra copy sent on demand. */
  duplicate: boolean;
  url: string;
  headers: Record<string, string>;
  /** The exact bytes sent, which the signature covers. */
  body: string;
  startedAt: number;
  responseStatus: number | undefined;
  /** The network error, when there was no HTTP answer. */
  error: string | undefined;
  delivered: boolean;
}

interface Delivery {
  id: number;
  target: WebhookTarget;
  body: string;
}

/**
 * Sends webhook events like Meta: batched per business when they fall due together, serialized
 * with Meta's escaping, signed with the app secret (`X-Hub-Signature-256`, and the legacy SHA-1
 * `X-Hub-Signature`), retried with doubling delays on non-2xx answers, duplicated on demand, and
 * — unlike Meta — in due order per callback.
 *
 * @example
 * const dispatcher = new WebhookDispatcher(WebhookDeliveryPolicy.parse({}), (wabaId) => targets.get(wabaId));
 * dispatcher.enqueue(event);
 * await dispatcher.idle();
 */
export class WebhookDispatcher {
  #policy: WebhookDeliveryPolicy;
  readonly #resolveTarget: (wabaId: string) => WebhookTarget | undefined;
  #pending: WebhookEvent[] = [];
  readonly #attempts: WebhookDeliveryAttempt[] = [];
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  readonly #idleWaiters: Array<() => void> = [];
  readonly #abort = new AbortController();
  #flushTimer: { timer: NodeJS.Timeout; at: number } | undefined;
  #inFlight = 0;
  /** The last POST queued per callback URL. */
  readonly #lanes = new Map<string, Promise<void>>();
  #nextDeliveryId = 1;
  #duplicatesRequested = 0;
  #closed = false;

  constructor(policy: WebhookDeliveryPolicy, resolveTarget: (wabaId: string) => WebhookTarget | undefined) {
    this.#policy = policy;
    this.#resolveTarget = resolveTarget;
  }

  configure(patch: WebhookDeliveryPolicyPatch): void {
    this.#policy = { ...this.#policy, ...definedFields(WebhookDeliveryPolicyPatch.parse(patch)) };
  }

  enqueue(event: WebhookEvent): void {
    if (this.#closed) return;
    this.#pending.push(event);
    this.#scheduleFlush(event.dueAt);
  }

  /** The next `count` POSTs are each sent twice, as Meta sometimes does. */
  duplicateNext(count: number): void {
    this.#duplicatesRequested += count;
  }

  attempts(): readonly WebhookDeliveryAttempt[] {
    return [...this.#attempts];
  }

  clearAttempts(): void {
    this.#attempts.length = 0;
  }

  /** Resolves once nothing is pending, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    this.#pending = [];
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer.timer);
    this.#flushTimer = undefined;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    this.#abort.abort();
    this.#settleIdle();
  }

  #isIdle(): boolean {
    return this.#pending.length === 0 && this.#inFlight === 0 && this.#retryTimers.size === 0;
  }

  #settleIdle(): void {
    if (!this.#isIdle() && !this.#closed) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  /** Makes sure a flush runs no later than the batch window after `dueAt`. */
  #scheduleFlush(dueAt: number): void {
    const flushAt = dueAt + this.#policy.batchWindowMs;
    if (this.#flushTimer !== undefined && this.#flushTimer.at <= flushAt) return;
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer.timer);
    const timer = setTimeout(() => this.#flush(), Math.max(0, flushAt - Date.now()));
    this.#flushTimer = { timer, at: flushAt };
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const now = Date.now();
    const due = this.#pending.filter((event) => event.dueAt <= now);
    this.#pending = this.#pending.filter((event) => event.dueAt > now);
    due.sort((a, b) => a.dueAt - b.dueAt);
    const byBusiness = new Map<string, WebhookEvent[]>();
    for (const event of due) {
      const events = byBusiness.get(event.wabaId) ?? [];
      events.push(event);
      byBusiness.set(event.wabaId, events);
    }
    for (const [wabaId, events] of byBusiness) {
      // Without a subscribed callback Meta has nowhere to send, and the events are lost.
      const target = this.#resolveTarget(wabaId);
      if (target === undefined) continue;
      for (let start = 0; start < events.length; start += this.#policy.maxUpdatesPerPost) {
        for (const body of bodiesWithinSizeLimit(
          wabaId,
          events.slice(start, start + this.#policy.maxUpdatesPerPost),
        )) {
          const delivery = { id: this.#nextDeliveryId++, target, body };
          const duplicate = this.#duplicatesRequested > 0;
          if (duplicate) this.#duplicatesRequested -= 1;
          this.#queueInLane(delivery, duplicate);
        }
      }
    }
    if (this.#pending.length > 0) {
      this.#scheduleFlush(
        this.#pending.reduce((earliest, event) => Math.min(earliest, event.dueAt), Infinity),
      );
    }
    this.#settleIdle();
  }

  /**
   * Meta does not promise an order, but the fake sends a callback's POSTs one after another in the
   * order their updates fell due, so tests see `sent` before `delivered`. Retries wait outside the
   * lane and never hold up later POSTs. The whole lane counts as in flight for `idle`.
   */
  #queueInLane(delivery: Delivery, duplicate: boolean): void {
    this.#inFlight += 1;
    const url = delivery.target.callbackUrl;
    const lane = (this.#lanes.get(url) ?? Promise.resolve())
      .then(async () => {
        await this.#attempt(delivery, 1, false);
        if (duplicate) await this.#attempt(delivery, 1, true);
      })
      .finally(() => {
        this.#inFlight -= 1;
        this.#settleIdle();
      });
    this.#lanes.set(url, lane);
  }

  async #attempt(delivery: Delivery, attempt: number, duplicate: boolean): Promise<void> {
    if (this.#closed) return;
    this.#inFlight += 1;
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
      'x-hub-signature': signMetaPayloadSha1(delivery.target.appSecret, delivery.body),
      'x-hub-signature-256': signMetaPayload(delivery.target.appSecret, delivery.body),
    };
    const record: WebhookDeliveryAttempt = {
      deliveryId: delivery.id,
      attempt,
      duplicate,
      url: delivery.target.callbackUrl,
      headers,
      body: delivery.body,
      startedAt: Date.now(),
      responseStatus: undefined,
      error: undefined,
      delivered: false,
    };
    this.#attempts.push(record);
    try {
      const response = await got.post(delivery.target.callbackUrl, {
        body: delivery.body,
        headers,
        timeout: { request: this.#policy.timeoutMs },
        retry: { limit: 0 },
        throwHttpErrors: false,
        followRedirect: false,
        signal: this.#abort.signal,
      });
      record.responseStatus = response.statusCode;
      record.delivered = response.statusCode >= 200 && response.statusCode < 300;
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.#inFlight -= 1;
    }
    if (!record.delivered && !duplicate && attempt < this.#policy.maxAttempts)
      this.#retryLater(delivery, attempt);
    this.#settleIdle();
  }

  #retryLater(delivery: Delivery, failedAttempt: number): void {
    if (this.#closed) return;
    const delay = Math.min(
      this.#policy.retryInitialDelayMs * 2 ** (failedAttempt - 1),
      this.#policy.retryMaxDelayMs,
    );
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      void this.#attempt(delivery, failedAttempt + 1, false);
    }, delay);
    this.#retryTimers.add(timer);
  }
}

/** The `changes` of one business: one per number and kind, in the order the updates fell due. */
function changesOf(events: readonly WebhookEvent[]): MetaWebhookPayload['entry'][number]['changes'] {
  const groups = new Map<string, { first: WebhookEvent; updates: WebhookUpdate[] }>();
  for (const event of events) {
    const key = `${event.phoneNumberId}:${event.update.kind}`;
    const group = groups.get(key) ?? { first: event, updates: [] };
    group.updates.push(event.update);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ first, updates }) => {
    const metadata = {
      display_phone_number: first.displayPhoneNumberDigits,
      phone_number_id: first.phoneNumberId,
    };
    const statuses = updates.flatMap((update) => (update.kind === 'status' ? [update.status] : []));
    const inbound = updates.flatMap((update) => (update.kind === 'message' ? [update] : []));
    const contacts = [...new Map(inbound.map(({ contact }) => [contact.wa_id, contact])).values()];
    const value =
      first.update.kind === 'status'
        ? { messaging_product: 'whatsapp' as const, metadata, statuses }
        : {
            messaging_product: 'whatsapp' as const,
            metadata,
            contacts,
            messages: inbound.map((u) => u.message),
          };
    return { value, field: 'messages' as const };
  });
}

/** Serialized bodies for a business's events, halved until each fits Meta's 3 MB cap. */
function bodiesWithinSizeLimit(wabaId: string, events: readonly WebhookEvent[]): string[] {
  const payload: MetaWebhookPayload = {
    object: 'whatsapp_business_account',
    entry: [{ id: wabaId, changes: changesOf(events) }],
  };
  const body = serializeLikeMeta(payload);
  if (Buffer.byteLength(body) <= MAX_BODY_BYTES || events.length === 1) return [body];
  const half = Math.ceil(events.length / 2);
  return [
    ...bodiesWithinSizeLimit(wabaId, events.slice(0, half)),
    ...bodiesWithinSizeLimit(wabaId, events.slice(half)),
  ];
}
