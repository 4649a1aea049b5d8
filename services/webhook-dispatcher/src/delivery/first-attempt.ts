import type { WebhookDeliveryJob } from '@wagate/contracts';
import type { DeliveryJob } from './delivery-job';
import type { EndpointLanes } from './endpoint-lanes';
import { parseRetryAfter, retryDelayMs } from './schedule';
import { isDelivered, loggedResultOf, type WebhookSender } from './webhook-sender';

/**
 * Endpoints whose attempts take longer than this on average, or whose full lane has freed no slot
 * for this long, get no first attempts from the fan-out: an event waits for its first attempts,
 * and a slow endpoint must not hold events (and the fan-out's ack floor) for long.
 */
const QUICK_ENDPOINT_MS = 1_000;
/** How long a first attempt may wait for a slot of a quick endpoint before it becomes a job. */
const MAX_SLOT_WAIT_MS = 250;

export interface FirstAttemptDeps {
  sender: WebhookSender;
  lanes: EndpointLanes;
  /** Delays before each retry; the one after the first attempt is `schedule[0]`. */
  schedule: readonly number[];
  /** First attempts in flight at once in this process; more become jobs. */
  maxInFlight: number;
  /** Stores a job in `WA_WEBHOOKS` (idempotent by its delivery id); returns its stream sequence. */
  storeJob: (job: DeliveryJob) => Promise<number>;
}

/**
 * The fan-out's fast path: the first attempt of a delivery is made at once, from the event, and a
 * job in `WA_WEBHOOKS` is only written when the attempt fails (then with `retryAt`, so the
 * delivery stage retries it on the schedule) or cannot be made now (subscription deleted or
 * disabled, endpoint slow or saturated, circuit open, rate limit reached, too many first attempts
 * in flight). `deliver` resolves once the delivery is durable: delivered with its attempt logged,
 * a dead letter, or a stored job; only then may the event be acknowledged.
 *
 * @example
 * const first = new FirstAttempt({ sender, lanes, schedule, maxInFlight: 128, storeJob });
 * await first.deliver(job, eventBytes);
 */
export class FirstAttempt {
  private inFlight = 0;

  constructor(private readonly deps: FirstAttemptDeps) {}

  /** Delivers `body` (the event's bytes) for `job`, or stores the job for the delivery stage. */
  async deliver(job: WebhookDeliveryJob, body: Buffer): Promise<void> {
    const { sender, lanes } = this.deps;
    const { webhook, secret } = await sender.subscriptionOf(job.webhookId);
    if (!webhook?.enabled || this.inFlight >= this.deps.maxInFlight) {
      await this.deps.storeJob(job);
      return;
    }
    const lane = lanes.of(webhook);
    if (!lane.answersWithin(QUICK_ENDPOINT_MS) || !(await lane.acquire(MAX_SLOT_WAIT_MS))) {
      await this.deps.storeJob(job);
      return;
    }
    // A token, and in half-open state the one probe, are taken only for an attempt that happens.
    if (lane.takeToken() > 0 || !lane.breaker.tryAcquire()) {
      lane.release();
      await this.deps.storeJob(job);
      return;
    }
    this.inFlight += 1;
    let result: Awaited<ReturnType<WebhookSender['post']>>;
    try {
      result = await sender.post(webhook, secret, job.deliveryId, body);
      lane.recordAttempt(isDelivered(result), result.durationMs);
    } finally {
      lane.release();
      this.inFlight -= 1;
    }

    const { error, ...shown } = loggedResultOf(result);
    const record = {
      webhookId: job.webhookId,
      deliveryId: job.deliveryId,
      eventId: job.event.id,
      eventType: job.event.type,
      accountId: job.accountId,
      attempt: 1,
      ...shown,
    };
    if (isDelivered(result)) {
      sender.observe('delivered', result.durationMs / 1000);
      await Promise.all([
        sender.deps.attempts.write({ ...record, outcome: 'delivered' }),
        sender.markHealthy(webhook),
      ]);
      return;
    }
    sender.observe('failed', result.durationMs / 1000);
    if (shown.statusCode === 410) {
      await sender.deps.attempts.write({ ...record, outcome: 'failed', error });
      await sender.disable(webhook, job.accountId, 'gone', 'the endpoint answered 410 Gone');
      await sender.recordDeadLetter(job, 1, 'the endpoint answered 410 Gone');
      return;
    }
    await sender.markFailing(webhook);
    const retryAfter = result.kind === 'response' ? parseRetryAfter(result.retryAfter) : undefined;
    const retryAt = Date.now() + retryDelayMs(1, retryAfter, this.deps.schedule);
    // Logged under the job that carries the retries, so the delivery stage numbers them from 2.
    const jobSequence = await this.deps.storeJob({ ...job, retryAt });
    await sender.deps.attempts.write({ ...record, outcome: 'retrying', error, jobSequence });
  }
}
