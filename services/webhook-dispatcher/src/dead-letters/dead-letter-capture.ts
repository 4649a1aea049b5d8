import { type Bus, decodeJson } from '@wagate/bus';
import { WebhookDeliveryJob } from '@wagate/contracts';
import type { WebhookDeliveryLog, WebhooksRepository } from '@wagate/db';
import type { Logger } from '@wagate/observability';
import { describeError } from '@wagate/runtime';
import { z } from 'zod';

/** The fields of JetStream's MAX_DELIVERIES and MSG_TERMINATED advisories that are read here. */
const ConsumerAdvisory = z.object({
  stream_seq: z.number().int().positive(),
  deliveries: z.number().int().nonnegative().optional(),
});

/**
 * Dead-letter capture: JetStream's advisories for delivery jobs that reached the consumer's
 * `max_deliver` or were terminated are turned into dead letters in PostgreSQL, with the job read
 * back from `WA_WEBHOOKS` by its sequence, which is then deleted (a work queue would keep it). The
 * dispatcher records the dead letters it decides itself before it terminates them, so this
 * catches what ends otherwise (the `max_deliver` backstop, jobs terminated by another version).
 * Replicas share the advisories through a queue group; recording is idempotent.
 *
 * @example
 * const capture = startDeadLetterCapture({ bus, webhooks, deliveryLog, log });
 * capture.stop();
 */
export function startDeadLetterCapture(deps: {
  bus: Bus;
  webhooks: WebhooksRepository;
  deliveryLog: WebhookDeliveryLog;
  log: Logger;
}): { stop(): void } {
  const { bus, log } = deps;
  const stream = bus.topology.streams.webhooks;
  const consumer = bus.topology.consumers.webhookDelivery;
  const subscriptions = (['MAX_DELIVERIES', 'MSG_TERMINATED'] as const).map((kind) =>
    bus.nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.${kind}.${stream}.${consumer}`, {
      queue: `${consumer}-dead-letters`,
      callback: (error, msg) => {
        if (error) return;
        void capture(kind, msg.data).catch((captureError: unknown) =>
          log.error({ err: describeError(captureError), kind }, 'could not record a dead letter'),
        );
      },
    }),
  );

  async function capture(kind: 'MAX_DELIVERIES' | 'MSG_TERMINATED', data: Uint8Array): Promise<void> {
    const advisory = ConsumerAdvisory.safeParse(decodeJson(data));
    if (!advisory.success) return;
    const sequence = advisory.data.stream_seq;
    const stored = await bus.jsm.streams.getMessage(stream, { seq: sequence }).catch(() => undefined);
    if (!stored) return;
    const job = WebhookDeliveryJob.safeParse(stored.json());
    if (job.success && (await deps.webhooks.get(job.data.webhookId))) {
      const recorded = await deps.deliveryLog.recordDeadLetter({
        webhookId: job.data.webhookId,
        deliveryId: job.data.deliveryId,
        eventId: job.data.event.id,
        eventType: job.data.event.type,
        accountId: job.data.accountId,
        job: job.data,
        reason: kind === 'MAX_DELIVERIES' ? 'reached the consumer max_deliver' : 'terminated',
        attempts: await deps.deliveryLog.attemptCount(job.data.deliveryId, sequence),
      });
      if (recorded)
        log.warn({ webhook: job.data.webhookId, delivery: job.data.deliveryId, kind }, 'dead letter');
    }
    await bus.jsm.streams.deleteMessage(stream, sequence, false).catch(() => false);
  }

  return {
    stop: () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}
