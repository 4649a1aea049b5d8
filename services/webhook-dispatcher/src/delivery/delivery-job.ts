import { WebhookDeliveryJob } from '@wagate/contracts';
import { z } from 'zod';

/**
 * A delivery job as the dispatcher reads it: the contract's job, plus `retryAt` on a job that the
 * fan-out wrote after its first attempt failed. Such a job is not tried before `retryAt`, so the
 * retry keeps the schedule although JetStream hands the job out at once. Older dispatchers
 * ignore the field (the contract's job is loose) and retry a little early during a rolling deploy.
 *
 * @example
 * const job = DeliveryJob.parse({ ...job, retryAt: Date.now() + 5_000 });
 */
export const DeliveryJob = WebhookDeliveryJob.extend({
  /** When the next attempt is due, in ms since the epoch; the attempt before it is in the log. */
  retryAt: z.number().int().positive().optional(),
});
export type DeliveryJob = z.infer<typeof DeliveryJob>;
