import { type Bus, type Delivery, decodeJson, type JsMsg, PermanentError } from '@wagate/bus';
import {
  deliveryIdOf,
  EventEnvelope,
  type WebhookDeliveryJob,
  WebhookReplayRequest,
} from '@wagate/contracts';
import type { WebhooksRepository } from '@wagate/db';
import type { Logger } from '@wagate/observability';
import { selectsEvent } from '../fanout/event-selection';
import type { SubscriptionCache } from '../fanout/subscription-cache';
import { matchesFilters } from '../fanout/webhook-filters';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** How far past an event's creation time its storage in WA_EVENTS is searched. */
const EVENT_SEARCH_WINDOW_MS = 5 * 60_000;

/** The creation time a ULID carries (its first 10 characters), or undefined for other ids. */
function ulidTime(id: string): number | undefined {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/i.test(id)) return undefined;
  let time = 0;
  for (const char of id.slice(0, 10).toUpperCase()) time = time * 32 + CROCKFORD.indexOf(char);
  return time;
}

/**
 * Replays for the delivery API: a request on `wa.hook.<id>.replay` (published by the gateway) is
 * turned into delivery jobs by reading `WA_EVENTS` again — one event, or every event since a time
 * that the subscription's event list and filters select. Jobs keep their `webhook-id` (receivers
 * deduplicate by it) and carry a `Nats-Msg-Id` of their own, so a replay is never mistaken for
 * the first delivery by JetStream's duplicate window; a redelivered request is idempotent.
 *
 * @example
 * const handleReplay = eventReplay({ bus, webhooks, subscriptions, log });
 */
export function eventReplay(deps: {
  bus: Bus;
  webhooks: WebhooksRepository;
  subscriptions: SubscriptionCache;
  log: Logger;
}): (delivery: Delivery<unknown>) => Promise<void> {
  const { bus } = deps;
  return async (delivery) => {
    const parsed = WebhookReplayRequest.safeParse(delivery.data);
    if (!parsed.success) throw new PermanentError('not a webhook replay request');
    const request = parsed.data;
    const webhook = await deps.webhooks.get(request.webhookId);
    if (!webhook) throw new PermanentError(`subscription ${request.webhookId} does not exist`);

    const publishJob = (event: EventEnvelope) => {
      const job: WebhookDeliveryJob = {
        deliveryId: deliveryIdOf(event.id, webhook.id),
        webhookId: webhook.id,
        accountId: event.subject,
        event,
      };
      return bus.publish(bus.topology.webhookSubject(webhook.id), job, {
        msgId: `${job.deliveryId}:${request.replayId}`,
      });
    };

    if (request.event) {
      const { id, accountId, type } = request.event;
      const createdAt = ulidTime(id);
      let found = false;
      await scanEvents(bus, {
        filter: bus.topology.eventSubject(accountId, type),
        since: new Date((createdAt ?? Date.now() - EVENT_SEARCH_WINDOW_MS) - 5_000),
        until: createdAt === undefined ? undefined : createdAt + EVENT_SEARCH_WINDOW_MS,
        onEvent: async (event) => {
          if (event.id !== id) return true;
          await publishJob(event);
          found = true;
          return false;
        },
        keepAlive: () => delivery.working(),
      });
      if (!found) deps.log.warn({ webhook: webhook.id, event: id }, 'event to replay is no longer stored');
      return;
    }

    const since = new Date(request.since ?? Date.now());
    let replayed = 0;
    await scanEvents(bus, {
      filter: bus.topology.eventFilter(webhook.accountId ?? undefined),
      since,
      onEvent: async (event) => {
        if (!selectsEvent(webhook.events, event.type)) return true;
        const self = await deps.subscriptions.identityOf(event.subject);
        if (!matchesFilters(webhook.filters, event, self)) return true;
        await publishJob(event);
        replayed += 1;
        return true;
      },
      keepAlive: () => delivery.working(),
    });
    deps.log.info({ webhook: webhook.id, since: since.toISOString(), replayed }, 'replayed events');
  };
}

/**
 * Reads `WA_EVENTS` from `since` up to what was stored when the scan began, with an ordered
 * consumer; `onEvent` returns false to stop early.
 */
async function scanEvents(
  bus: Bus,
  options: {
    filter: string;
    since: Date;
    until?: number;
    onEvent: (event: EventEnvelope) => Promise<boolean>;
    keepAlive: () => void;
  },
): Promise<void> {
  const stream = bus.topology.streams.events;
  const lastSequence = (await bus.jsm.streams.info(stream)).state.last_seq;
  const consumer = await bus.js.consumers.get(stream, {
    filter_subjects: options.filter,
    deliver_policy: 'by_start_time',
    opt_start_time: options.since.toISOString(),
  });
  let handled = 0;
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 256, expires: 2_000 });
    let received = 0;
    for await (const msg of batch) {
      received += 1;
      if (!(await handleStored(msg, options))) return;
      handled += 1;
      if (handled % 1_000 === 0) options.keepAlive();
      if (msg.seq >= lastSequence) return;
    }
    if (received === 0) return;
  }
}

async function handleStored(
  msg: JsMsg,
  options: { until?: number; onEvent: (event: EventEnvelope) => Promise<boolean> },
): Promise<boolean> {
  if (options.until !== undefined && msg.info.timestampNanos / 1e6 > options.until) return false;
  let raw: unknown;
  try {
    raw = decodeJson(msg.data);
  } catch {
    return true;
  }
  const event = EventEnvelope.safeParse(raw);
  return event.success ? options.onEvent(event.data) : true;
}
