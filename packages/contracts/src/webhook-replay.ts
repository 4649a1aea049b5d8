import { z } from 'zod';
import type { Topology } from './topology';

/**
 * A request to deliver events to a subscription again, on `wa.hook.<webhookId>.replay` in
 * `WA_WEBHOOKS`: one delivery (`eventId`, with its account and type to find it in `WA_EVENTS`) or
 * every event since a time that the subscription selects. The dispatcher turns it into delivery
 * jobs with the usual `webhook-id`s, so receivers can tell a replay from a new event.
 *
 * @example
 * await bus.publish(webhookReplaySubject(topology, id), request, { msgId: request.replayId });
 */
export const WebhookReplayRequest = z
  .object({
    replayId: z.string().min(1),
    webhookId: z.string().min(1),
    /** Replay every selected event stored since this time. */
    since: z.iso.datetime({ offset: true }).optional(),
    /** Replay one event (as delivered before). */
    event: z
      .object({ id: z.string().min(1), accountId: z.string().min(1), type: z.string().min(1) })
      .optional(),
  })
  .loose();
export type WebhookReplayRequest = z.infer<typeof WebhookReplayRequest>;

/**
 * The subject of replay requests for one subscription (inside `WA_WEBHOOKS`).
 *
 * @example
 * webhookReplaySubject(new Topology(), 'wh_1'); // 'wa.hook.wh_1.replay'
 */
export function webhookReplaySubject(topology: Topology, webhookId: string): string {
  return `${topology.webhookSubject(webhookId)}.replay`;
}
