import { type Bus, type ConsumerLoop, PermanentError } from '@wagate/bus';
import { deliveryIdOf, EventEnvelope, type WebhookDeliveryJob } from '@wagate/contracts';
import type { WebhookDeliveryLog } from '@wagate/db';
import type { DeliveryJob } from '../delivery/delivery-job';
import type { FirstAttempt } from '../delivery/first-attempt';
import { selectsEvent } from './event-selection';
import type { SubscriptionCache } from './subscription-cache';
import { matchesFilters, needsSessionIdentity, orderingKeyOf, type SessionIdentity } from './webhook-filters';

const NOBODY: SessionIdentity = { users: [] };

/** An event message as the fan-out reads it: its bytes (the body that is signed and sent) and its JSON. */
interface EventMessage {
  body: Buffer;
  value: unknown;
}

/**
 * The fan-out stage: a durable consumer of `WA_EVENTS` that finds the enabled subscriptions whose
 * event list and filters (seed 003) select each event and makes the first attempt of each
 * delivery at once (`FirstAttempt`), sending the event's stored bytes. A delivery whose first
 * attempt fails or cannot be made now, and every delivery of an ordered subscription, becomes a
 * job in `WA_WEBHOOKS` for the delivery stage. A job's `Nats-Msg-Id` is its delivery id, so an
 * event redelivered after a crash produces no second job within the duplicate window. The event
 * is acknowledged only once every delivery is delivered, a dead letter or a stored job, so a
 * crash at any point delivers it again (at least once, with the same `webhook-id`).
 *
 * @example
 * const loop = startEventFanout({ bus, subscriptions, deliveryLog, firstAttempt, concurrency: 256 });
 */
export function startEventFanout(deps: {
  bus: Bus;
  subscriptions: SubscriptionCache;
  deliveryLog: WebhookDeliveryLog;
  firstAttempt: FirstAttempt;
  concurrency: number;
}): ConsumerLoop<EventMessage> {
  const { bus, subscriptions } = deps;
  return bus.consume<EventMessage>({
    stream: bus.topology.streams.events,
    consumer: bus.topology.consumers.webhookFanout,
    concurrency: deps.concurrency,
    // A copy: the bytes outlive the connection's read buffer while their attempts are in flight.
    decode: (bytes) => {
      const body = Buffer.from(bytes);
      return { body, value: JSON.parse(body.toString('utf8')) };
    },
    handle: async (delivery) => {
      const parsed = EventEnvelope.safeParse(delivery.data.value);
      if (!parsed.success) throw new PermanentError('not an event envelope');
      const event = parsed.data;
      const candidates = (await subscriptions.subscriptionsOf(event.subject)).filter((subscription) =>
        selectsEvent(subscription.events, event.type),
      );
      if (candidates.length === 0) return;
      const self = candidates.some((subscription) => needsSessionIdentity(subscription.filters))
        ? await subscriptions.identityOf(event.subject)
        : NOBODY;
      const jobs = candidates
        .filter((subscription) => matchesFilters(subscription.filters, event, self))
        .map(
          (subscription): WebhookDeliveryJob => ({
            deliveryId: deliveryIdOf(event.id, subscription.id),
            webhookId: subscription.id,
            accountId: event.subject,
            event,
            ...(subscription.ordered
              ? { orderingKey: orderingKeyOf(event), eventSequence: delivery.streamSequence }
              : {}),
          }),
        );
      // Ordered jobs are queued per chat before they exist, so none can overtake an older one.
      await deps.deliveryLog.enqueueOrdered(
        jobs.flatMap((job) =>
          job.orderingKey && job.eventSequence !== undefined
            ? [
                {
                  webhookId: job.webhookId,
                  orderingKey: job.orderingKey,
                  eventSequence: job.eventSequence,
                  deliveryId: job.deliveryId,
                },
              ]
            : [],
        ),
      );
      await Promise.all(
        jobs.map((job) =>
          job.orderingKey ? storeDeliveryJob(bus, job) : deps.firstAttempt.deliver(job, delivery.data.body),
        ),
      );
    },
  });
}

/**
 * Stores a delivery job in `WA_WEBHOOKS`, its delivery id as `Nats-Msg-Id`; returns its stream
 * sequence (the stored one's, when it was stored before).
 *
 * @example
 * const sequence = await storeDeliveryJob(bus, job);
 */
export async function storeDeliveryJob(bus: Bus, job: DeliveryJob): Promise<number> {
  const ack = await bus.publish(bus.topology.webhookSubject(job.webhookId), job, { msgId: job.deliveryId });
  return ack.seq;
}
