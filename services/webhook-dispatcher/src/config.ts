import { booleanFlag, positiveInt } from '@wagate/runtime';
import { CommonConfig } from '@wagate/service-host';
import { z } from 'zod';
import { RETRY_SCHEDULE_MS } from './delivery/schedule';

/** A comma-separated list from an environment variable (empty entries dropped). */
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean),
);

/** Configuration of the webhook dispatcher: the common settings plus these. */
export const WebhookDispatcherConfig = CommonConfig.extend({
  /** Most time one delivery may take before it counts as failed, in ms (Standard Webhooks: 15-30 s). */
  WEBHOOK_TIMEOUT_MS: positiveInt.max(25_000, 'must be below the 30 s ack wait').default(15_000),
  /**
   * Delivery jobs handled at once in this process (retries, ordered deliveries and those the
   * fan-out could not attempt at once), in flight or waiting for their endpoint.
   */
  DELIVERY_CONCURRENCY: positiveInt.max(20_000).default(4_096),
  /**
   * Events fanned out at once in this process, each until its first attempts are done; at most
   * half of them wait for first attempts at any time, so slow endpoints never stall the fan-out.
   */
  FANOUT_CONCURRENCY: positiveInt.max(2_000).default(256),
  /**
   * Delays before each retry in ms, comma separated; a job gets one attempt more than there are
   * delays. Default Standard Webhooks' schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
   */
  WEBHOOK_RETRY_SCHEDULE_MS: commaList
    .transform((entries) => entries.map(Number))
    .pipe(z.array(z.number().int().positive('must be positive milliseconds')).min(1).max(50))
    .default(RETRY_SCHEDULE_MS),
  /** Attempts in flight at once to one endpoint, per process: a slow endpoint holds no more. */
  WEBHOOK_ENDPOINT_CONCURRENCY: positiveInt.max(1_000).default(64),
  /** Jobs that may wait in the process for a busy endpoint; more wait in JetStream. */
  WEBHOOK_ENDPOINT_QUEUE: positiveInt.max(10_000).default(960),
  /** Failure rate (0-1) over the breaker window that opens an endpoint's circuit. */
  WEBHOOK_BREAKER_FAILURE_RATE: z.coerce.number().gt(0).max(1).default(0.5),
  /** Attempts in the window before the failure rate counts. */
  WEBHOOK_BREAKER_MIN_ATTEMPTS: positiveInt.default(10),
  /** Window of the failure rate, in ms. */
  WEBHOOK_BREAKER_WINDOW_MS: positiveInt.default(30_000),
  /** First open time of a circuit before a probe, in ms; doubles per failed probe up to 5 minutes. */
  WEBHOOK_BREAKER_OPEN_MS: positiveInt.default(5_000),
  /**
   * Deliver to private, loopback and link-local addresses (the SSRF guard off). Default: on in
   * monolithic mode (demos on one machine), off when the dispatcher runs alone.
   */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: booleanFlag.optional(),
  /** Hosts, IP addresses or CIDR ranges webhooks may reach although private, comma separated. */
  WEBHOOK_ALLOWED_HOSTS: commaList.default([]),
  /** How long subscriptions are reused before they are read again from PostgreSQL, in ms. */
  WEBHOOK_SUBSCRIPTION_CACHE_MS: positiveInt.max(60_000).default(1_000),
  /** A subscription whose endpoint has failed for this long is disabled when a job of it dies. */
  WEBHOOK_DISABLE_AFTER_FAILING_HOURS: positiveInt.default(120),
});
export type WebhookDispatcherConfig = z.infer<typeof WebhookDispatcherConfig>;
