import { z } from 'zod';
import { EventEnvelope } from './envelope';

/**
 * One delivery job on `wa.hook.<webhookId>`: an event to deliver to one subscription. The
 * `deliveryId` is the `webhook-id` header (stable across retries) and the job's `Nats-Msg-Id`.
 *
 * @example
 * WebhookDeliveryJob.parse(job);
 */
export const WebhookDeliveryJob = z
  .object({
    deliveryId: z.string().min(1),
    webhookId: z.string().min(1),
    accountId: z.string().min(1),
    event: EventEnvelope,
    /** For subscriptions that deliver in order: the chat whose events go one at a time. */
    orderingKey: z.string().min(1).optional(),
    /** For ordered subscriptions: the event's sequence in `WA_EVENTS`, the order to keep. */
    eventSequence: z.number().int().positive().optional(),
  })
  .loose();
export type WebhookDeliveryJob = z.infer<typeof WebhookDeliveryJob>;

/**
 * The delivery id of (event, subscription): Standard Webhooks ids look like `msg_…`.
 *
 * @example
 * deliveryIdOf('01JD…', 'wh_01JE…'); // 'msg_01JD…_wh_01JE…'
 */
export function deliveryIdOf(eventId: string, webhookId: string): string {
  return `msg_${eventId}_${webhookId}`;
}
