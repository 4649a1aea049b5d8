import type { Bus } from '@wagate/bus';
import { createEvent, type WebhookDeliveryJob } from '@wagate/contracts';
import type { WebhookDeliveryLog, WebhookRow, WebhooksRepository } from '@wagate/db';
import type { Logger, MetricsRegistry } from '@wagate/observability';
import { describeError } from '@wagate/runtime';
import type { AttemptLogWriter } from './attempt-log-writer';
import type { EgressGuard } from './egress-guard';
import type { EndpointLanes } from './endpoint-lanes';
import { compatibilitySignature, standardWebhookSignature } from './signing';
import { WebhookHttp } from './webhook-http';

const RESPONSE_SNIPPET_CHARS = 512;

/** A subscription as the sender last read it, with its secret decrypted. */
export interface CachedSubscription {
  webhook: WebhookRow | undefined;
  secret: string | undefined;
}

/** What one HTTP attempt came to. */
export type AttemptResult =
  | { kind: 'response'; statusCode: number; snippet: string; retryAfter?: string; durationMs: number }
  | { kind: 'error'; error: string; durationMs: number };

export interface WebhookSenderDeps {
  bus: Bus;
  webhooks: WebhooksRepository;
  deliveryLog: WebhookDeliveryLog;
  attempts: AttemptLogWriter;
  lanes: EndpointLanes;
  egress: EgressGuard;
  log: Logger;
  metrics?: MetricsRegistry;
  timeoutMs: number;
  /** How long a subscription's settings are reused before they are read again. */
  subscriptionTtlMs: number;
}

/** Whether an attempt's result counts as delivered: 2xx only (Standard Webhooks). */
export function isDelivered(result: AttemptResult): boolean {
  return result.kind === 'response' && result.statusCode >= 200 && result.statusCode < 300;
}

/** How an attempt shows in the delivery log: its status, time, response snippet and error. */
export function loggedResultOf(result: AttemptResult) {
  return result.kind === 'response'
    ? {
        statusCode: result.statusCode,
        durationMs: result.durationMs,
        responseSnippet: result.snippet,
        error: isDelivered(result) ? undefined : `HTTP ${result.statusCode}`,
      }
    : { statusCode: null, durationMs: result.durationMs, responseSnippet: null, error: result.error };
}

/**
 * What both delivery paths share: the HTTP client (`WebhookHttp` on got, never retrying by
 * itself: JetStream owns retries), the subscriptions as last read, the signed POST of one attempt,
 * its metrics, and the subscription's health (failing, healthy, disabled, dead letters). The
 * fan-out's first attempts and the delivery stage's jobs go through one sender, so a subscription
 * disabled by one path is seen at once by the other.
 *
 * @example
 * const sender = new WebhookSender({ bus, webhooks, deliveryLog, attempts, lanes, egress, log, timeoutMs: 15_000, subscriptionTtlMs: 1_000 });
 * const result = await sender.post(webhook, secret, deliveryId, body);
 */
export class WebhookSender {
  readonly deps: WebhookSenderDeps;
  private readonly http: WebhookHttp;
  // The promise is cached, so the deliveries that start together share one query.
  private readonly subscriptions = new Map<
    string,
    { value: Promise<CachedSubscription>; loadedAt: number }
  >();
  private readonly sweep: NodeJS.Timeout;
  private readonly outcomes;
  private readonly latency;

  constructor(deps: WebhookSenderDeps) {
    this.deps = deps;
    this.http = new WebhookHttp({
      timeoutMs: deps.timeoutMs,
      lookup: deps.egress.lookup,
      userAgent: 'wagate-webhooks/1.0',
    });
    this.outcomes = deps.metrics?.counter('wagate_webhook_attempts_total', 'Webhook delivery attempts', [
      'outcome',
    ]);
    this.latency = deps.metrics?.histogram(
      'wagate_webhook_delivery_seconds',
      'Time for one webhook HTTP attempt',
      ['outcome'],
    );
    this.sweep = setInterval(() => {
      deps.lanes.sweep();
      const stale = Date.now() - deps.subscriptionTtlMs;
      for (const [id, entry] of this.subscriptions) if (entry.loadedAt < stale) this.subscriptions.delete(id);
    }, 60_000);
    this.sweep.unref();
  }

  /** A subscription and its secret, read at most once per `subscriptionTtlMs`. */
  subscriptionOf(id: string): Promise<CachedSubscription> {
    const cached = this.subscriptions.get(id);
    if (cached && Date.now() - cached.loadedAt < this.deps.subscriptionTtlMs) return cached.value;
    const value = this.deps.webhooks.get(id).then((webhook) => ({
      webhook,
      secret: webhook && this.deps.webhooks.secretOf(webhook),
    }));
    this.subscriptions.set(id, { value, loadedAt: Date.now() });
    value.catch(() => {
      if (this.subscriptions.get(id)?.value === value) this.subscriptions.delete(id);
    });
    return value;
  }

  /** Counts an outcome (and the attempt's time, when one was made). */
  observe(outcome: string, seconds?: number): void {
    this.outcomes?.inc({ outcome });
    if (seconds !== undefined) this.latency?.observe({ outcome }, seconds);
  }

  /**
   * One attempt: POSTs `body` (the exact bytes that are signed) to the subscription's URL with
   * Standard Webhooks headers, `X-Webhook-Signature` and the custom headers. Never throws.
   */
  async post(
    webhook: WebhookRow,
    secret: string | undefined,
    deliveryId: string,
    body: string | Buffer,
  ): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      this.deps.egress.assertUrl(webhook.url);
      const answer = await this.http.post(
        webhook.url,
        signedHeaders(webhook, secret, deliveryId, body),
        body,
      );
      return {
        kind: 'response',
        statusCode: answer.statusCode,
        // Shown in the log as text; NUL bytes cannot be stored in PostgreSQL text.
        snippet: answer.body.slice(0, RESPONSE_SNIPPET_CHARS).replaceAll('\u0000', ''),
        retryAfter: answer.retryAfter,
        durationMs: elapsed(),
      };
    } catch (error) {
      return { kind: 'error', error: describeError(error).slice(0, 500), durationMs: elapsed() };
    }
  }

  /** Notes a success: a failing subscription is healthy again. */
  async markHealthy(webhook: WebhookRow): Promise<void> {
    if (!webhook.failingSince) return;
    await this.deps.deliveryLog.markHealthy(webhook.id);
    this.subscriptions.delete(webhook.id);
  }

  /** Notes a failure: the subscription is failing from now unless it already was. */
  async markFailing(webhook: WebhookRow): Promise<void> {
    if (webhook.failingSince) return;
    await this.deps.deliveryLog.markFailing(webhook.id);
    this.subscriptions.delete(webhook.id);
  }

  /** Disables a subscription and announces it with a `webhook.disabled` event. */
  async disable(
    webhook: WebhookRow,
    accountId: string,
    reason: 'gone' | 'failing',
    why: string,
  ): Promise<void> {
    this.subscriptions.delete(webhook.id);
    if (!(await this.deps.webhooks.disable(webhook.id, why))) return;
    this.deps.log.warn({ webhook: webhook.id, reason }, 'webhook endpoint disabled');
    await this.deps.bus.publishEvent(
      createEvent(
        'webhook.disabled',
        webhook.accountId ?? accountId,
        { webhookId: webhook.id, url: webhook.url, reason },
        { source: 'wagate/webhook-dispatcher' },
      ),
    );
  }

  /** Records a job that will not be tried again in the dead-letter list. */
  async recordDeadLetter(job: WebhookDeliveryJob, attempts: number, reason: string): Promise<void> {
    await this.deps.deliveryLog.recordDeadLetter({
      webhookId: job.webhookId,
      deliveryId: job.deliveryId,
      eventId: job.event.id,
      eventType: job.event.type,
      accountId: job.accountId,
      job,
      reason,
      attempts,
    });
    this.observe('dead_letter');
  }

  /** Stops the periodic clean-up of lanes and subscriptions and closes idle connections. */
  close(): void {
    clearInterval(this.sweep);
    this.http.close();
  }
}

function signedHeaders(
  webhook: WebhookRow,
  secret: string | undefined,
  deliveryId: string,
  body: string | Buffer,
): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    ...webhook.headers,
    'content-type': 'application/json',
    'webhook-id': deliveryId,
    'webhook-timestamp': String(timestamp),
  };
  if (secret) {
    headers['webhook-signature'] = standardWebhookSignature(secret, deliveryId, timestamp, body);
    headers['x-webhook-signature'] = compatibilitySignature(secret, body);
  }
  return headers;
}
