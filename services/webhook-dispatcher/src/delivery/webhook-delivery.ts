import { type Bus, type ConsumerLoop, type Delivery, PermanentError } from '@wagate/bus';
import type { WebhookDeliveryLog, WebhookRow } from '@wagate/db';
import type { FanoutProgress } from '../fanout/fanout-progress';
import { DeliveryJob } from './delivery-job';
import type { EndpointLanes } from './endpoint-lanes';
import { parseRetryAfter, retryDelayMs } from './schedule';
import { type AttemptResult, isDelivered, loggedResultOf, type WebhookSender } from './webhook-sender';

/** How long a job may wait here for a free slot of its endpoint before it goes back to JetStream. */
const MAX_SLOT_WAIT_MS = 10_000;
/** Rate-limit waits up to this long happen here; longer ones go back to JetStream. */
const MAX_LOCAL_RATE_WAIT_MS = 2_000;

export interface WebhookDeliveryDeps {
  bus: Bus;
  sender: WebhookSender;
  deliveryLog: WebhookDeliveryLog;
  lanes: EndpointLanes;
  timeoutMs: number;
  concurrency: number;
  /** Delays before each retry; a job gets `schedule.length + 1` attempts. */
  schedule: readonly number[];
  /** A subscription failing for this long is disabled when a job of it dies. */
  disableAfterFailingMs: number;
  /** This process, for the claims of ordered jobs. */
  instanceId: string;
  /** How far the fan-out has come, so ordered jobs never overtake an older event still fanned out. */
  fanoutProgress: FanoutProgress;
  /** Handles replay requests (`wa.hook.<id>.replay`) that share the consumer. */
  handleReplay: (delivery: Delivery<unknown>) => Promise<void>;
}

/**
 * The delivery stage: POSTs each job's event to its subscription through the `WebhookSender`
 * (signed, custom headers). 2xx acks; 410 disables the endpoint; anything else retries on the
 * schedule (or `Retry-After`) with `nak(delay)`; a job out of attempts, or of a disabled
 * subscription, becomes a dead letter. Every attempt goes to the delivery log. Jobs come from the
 * fan-out when its first attempt failed or could not be made at once, from replays and from
 * redelivered dead letters.
 *
 * Isolation: each endpoint has a lane (bounded attempts in flight, a bounded wait line, a
 * circuit breaker and its rate limit), so a slow or dead endpoint holds a bounded part of the
 * process and its jobs wait in JetStream, never in front of other endpoints' jobs. Ordered
 * subscriptions claim each job in PostgreSQL, one per chat at a time, across replicas.
 *
 * @example
 * const loop = startWebhookDelivery({ bus, sender, deliveryLog, lanes, … });
 */
export function startWebhookDelivery(deps: WebhookDeliveryDeps): ConsumerLoop<unknown> {
  return deps.bus.consume<unknown>({
    stream: deps.bus.topology.streams.webhooks,
    consumer: deps.bus.topology.consumers.webhookDelivery,
    concurrency: deps.concurrency,
    handle: async (delivery) => {
      if (delivery.subject.endsWith('.replay')) return deps.handleReplay(delivery);
      const parsed = DeliveryJob.safeParse(delivery.data);
      if (!parsed.success) throw new PermanentError('not a webhook delivery job');
      await deliverJob(parsed.data, delivery, deps);
    },
  });
}

async function deliverJob(
  job: DeliveryJob,
  delivery: Delivery<unknown>,
  context: WebhookDeliveryDeps,
): Promise<void> {
  const { sender } = context;
  if (job.retryAt !== undefined && job.retryAt > Date.now()) {
    // The fan-out made the first attempt; this job carries the retries, on the schedule.
    delivery.nak(job.retryAt - Date.now());
    sender.observe('scheduled');
    return;
  }
  const { webhook, secret } = await sender.subscriptionOf(job.webhookId);
  const record: AttemptRef = {
    webhookId: job.webhookId,
    deliveryId: job.deliveryId,
    eventId: job.event.id,
    eventType: job.event.type,
    accountId: job.accountId,
    jobSequence: delivery.streamSequence,
  };
  const ordered = job.orderingKey && job.eventSequence !== undefined ? orderedRef(job) : undefined;

  if (!webhook) {
    await sender.deps.attempts.write({
      ...record,
      outcome: 'filtered',
      error: 'the subscription was deleted',
    });
    if (ordered) await context.deliveryLog.completeOrdered(ordered);
    delivery.term('subscription deleted');
    return;
  }
  if (!webhook.enabled) {
    const attempts = await context.deliveryLog.attemptCount(job.deliveryId, delivery.streamSequence);
    await deadLetter(job, delivery, context, attempts, 'the subscription is disabled');
    return;
  }

  const lane = context.lanes.of(webhook);
  if (!lane.breaker.wouldAllow()) {
    delivery.nak(jittered(lane.breaker.retryInMs()));
    sender.observe('deferred');
    return;
  }
  let tokenWait = lane.takeToken();
  while (tokenWait > 0 && tokenWait <= MAX_LOCAL_RATE_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, tokenWait));
    tokenWait = lane.takeToken();
  }
  if (tokenWait > 0) {
    delivery.nak(jittered(tokenWait));
    sender.observe('deferred');
    return;
  }
  if (!(await lane.acquire(MAX_SLOT_WAIT_MS))) {
    // The endpoint is saturated (or its circuit just opened): its job waits in JetStream, not in
    // front of others, until about when the endpoint can take it.
    delivery.nak(lane.breaker.isOpen ? jittered(lane.breaker.retryInMs()) : lane.deferralMs());
    sender.observe('deferred');
    return;
  }
  let result: AttemptResult;
  try {
    if (ordered) {
      const claim = (await context.fanoutProgress.waitFor(ordered.eventSequence - 1, 1_000))
        ? await context.deliveryLog.claimOrdered(ordered, context.instanceId, context.timeoutMs + 15_000)
        : 'waiting';
      if (claim === 'waiting') {
        // An older event of the same chat is not delivered yet.
        delivery.nak(jittered(Math.min(100 * 2 ** Math.min(delivery.deliveryCount - 1, 6), 5_000)));
        sender.observe('waiting_for_chat');
        return;
      }
    }
    // Taken last, right before the attempt: in half-open state this is the one probe.
    if (!lane.breaker.tryAcquire()) {
      if (ordered) await context.deliveryLog.releaseOrdered(ordered);
      delivery.nak(jittered(lane.breaker.retryInMs()));
      sender.observe('deferred');
      return;
    }
    result = await sender.post(webhook, secret, job.deliveryId, JSON.stringify(job.event));
    lane.recordAttempt(isDelivered(result), result.durationMs);
  } finally {
    // The slot bounds attempts in flight; logging and settling happen outside it.
    lane.release();
  }
  await settle(job, delivery, context, webhook, record, result);
}

async function settle(
  job: DeliveryJob,
  delivery: Delivery<unknown>,
  context: WebhookDeliveryDeps,
  webhook: WebhookRow,
  record: AttemptRef,
  result: AttemptResult,
): Promise<void> {
  const { sender } = context;
  const ordered = job.orderingKey && job.eventSequence !== undefined ? orderedRef(job) : undefined;
  const { error, ...shown } = loggedResultOf(result);
  // The first delivery of a job the fan-out did not try is attempt 1; otherwise the log counts
  // the attempts of this job message (the fan-out's attempt is logged under it too).
  const firstAttempt = delivery.deliveryCount === 1 && job.retryAt === undefined;
  if (isDelivered(result)) {
    sender.observe('delivered', result.durationMs / 1000);
    const logged = sender.deps.attempts.write({
      ...record,
      ...shown,
      attempt: firstAttempt ? 1 : undefined,
      outcome: 'delivered',
    });
    const done = ordered ? context.deliveryLog.completeOrdered(ordered) : undefined;
    await Promise.all([logged, sender.markHealthy(webhook), done]);
    delivery.ack();
    return;
  }
  sender.observe('failed', result.durationMs / 1000);
  if (shown.statusCode === 410) {
    const attempt = await attemptNumber(context, record, firstAttempt);
    await sender.deps.attempts.write({ ...record, ...shown, attempt, outcome: 'failed', error });
    await sender.disable(webhook, job.accountId, 'gone', 'the endpoint answered 410 Gone');
    await deadLetter(job, delivery, context, attempt, 'the endpoint answered 410 Gone');
    return;
  }
  await sender.markFailing(webhook);
  const attempt = await attemptNumber(context, record, firstAttempt);
  const lastAttempt = attempt > context.schedule.length;
  await sender.deps.attempts.write({
    ...record,
    ...shown,
    attempt,
    outcome: lastAttempt ? 'failed' : 'retrying',
    error,
  });
  if (lastAttempt) {
    const failingFor = webhook.failingSince ? Date.now() - webhook.failingSince.getTime() : 0;
    if (failingFor >= context.disableAfterFailingMs) {
      await sender.disable(webhook, job.accountId, 'failing', 'the endpoint failed for too long');
    }
    await deadLetter(job, delivery, context, attempt, `out of attempts (last: ${error})`);
    return;
  }
  if (ordered) await context.deliveryLog.releaseOrdered(ordered);
  const retryAfter = result.kind === 'response' ? parseRetryAfter(result.retryAfter) : undefined;
  delivery.nak(retryDelayMs(attempt, retryAfter, context.schedule));
}

/** What identifies an attempt in the log: the delivery and the job message it belongs to. */
interface AttemptRef {
  webhookId: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  accountId: string;
  jobSequence: number;
}

/**
 * The number of the attempt that just failed. Attempts are counted in the log per job message:
 * NATS redeliveries also count the times a job waited for its endpoint, which are no attempts.
 * A job's first attempt skips this query.
 */
async function attemptNumber(
  context: WebhookDeliveryDeps,
  record: AttemptRef,
  firstAttempt: boolean,
): Promise<number> {
  if (firstAttempt) return 1;
  return 1 + (await context.deliveryLog.attemptCount(record.deliveryId, record.jobSequence));
}

async function deadLetter(
  job: DeliveryJob,
  delivery: Delivery<unknown>,
  context: WebhookDeliveryDeps,
  attempts: number,
  reason: string,
): Promise<void> {
  await context.sender.recordDeadLetter(job, attempts, reason);
  if (job.orderingKey && job.eventSequence !== undefined)
    await context.deliveryLog.completeOrdered(orderedRef(job));
  delivery.term(reason.slice(0, 200));
}

function orderedRef(job: DeliveryJob) {
  return { webhookId: job.webhookId, orderingKey: job.orderingKey!, eventSequence: job.eventSequence! };
}

/** A delay with ±10 % jitter, so deferred jobs do not all come back at once. */
function jittered(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}
