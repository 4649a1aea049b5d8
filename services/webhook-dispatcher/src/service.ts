import { AccountsRepository, WebhookDeliveryLog, WebhooksRepository } from '@wagate/db';
import { describeError } from '@wagate/runtime';
import type { ServiceModule } from '@wagate/service-host';
import { WebhookDispatcherConfig } from './config';
import { startDeadLetterCapture } from './dead-letters/dead-letter-capture';
import { AttemptLogWriter } from './delivery/attempt-log-writer';
import { EgressGuard } from './delivery/egress-guard';
import { EndpointLanes } from './delivery/endpoint-lanes';
import { FirstAttempt } from './delivery/first-attempt';
import { startWebhookDelivery } from './delivery/webhook-delivery';
import { WebhookSender } from './delivery/webhook-sender';
import { startEventFanout, storeDeliveryJob } from './fanout/event-fanout';
import { FanoutProgress } from './fanout/fanout-progress';
import { SubscriptionCache } from './fanout/subscription-cache';
import { eventReplay } from './replay/event-replay';

/** How often a dispatcher says it is alive, to share rate limits among the live ones. */
const HEARTBEAT_MS = 5_000;

/**
 * The webhook dispatcher: fans events out to subscriptions and delivers them, signed, isolated per
 * endpoint and retried; records attempts and dead letters; serves replays.
 *
 * @example
 * runMain(() => hostServices([webhookDispatcher]));
 */
export const webhookDispatcher: ServiceModule<typeof WebhookDispatcherConfig> = {
  name: 'webhook-dispatcher',
  config: WebhookDispatcherConfig,
  start: async (context, config) => {
    const { bus, log } = context;
    const webhooks = new WebhooksRepository(context.db, context.secretBox);
    const deliveryLog = new WebhookDeliveryLog(context.db);
    const subscriptions = new SubscriptionCache(
      webhooks,
      new AccountsRepository(context.db, context.topology.partitions),
      config.WEBHOOK_SUBSCRIPTION_CACHE_MS,
    );
    const lanes = new EndpointLanes({
      maxInFlight: config.WEBHOOK_ENDPOINT_CONCURRENCY,
      maxWaiting: config.WEBHOOK_ENDPOINT_QUEUE,
      breaker: {
        windowMs: config.WEBHOOK_BREAKER_WINDOW_MS,
        minAttempts: config.WEBHOOK_BREAKER_MIN_ATTEMPTS,
        failureRate: config.WEBHOOK_BREAKER_FAILURE_RATE,
        openMs: config.WEBHOOK_BREAKER_OPEN_MS,
        maxOpenMs: Math.max(config.WEBHOOK_BREAKER_OPEN_MS, 300_000),
      },
    });
    const beat = async () => {
      try {
        lanes.setReplicas(await deliveryLog.heartbeat(context.instanceId, HEARTBEAT_MS * 3));
      } catch (error) {
        log.warn({ err: describeError(error) }, 'dispatcher heartbeat failed');
      }
    };
    await beat();
    const heartbeat = setInterval(beat, HEARTBEAT_MS);
    const attempts = new AttemptLogWriter(deliveryLog, log);
    const allowPrivateNetworks = config.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? context.mode === 'all';
    const egress = new EgressGuard({ allowPrivateNetworks, allowedHosts: config.WEBHOOK_ALLOWED_HOSTS });

    const deadLetters = startDeadLetterCapture({ bus, webhooks, deliveryLog, log });
    const sender = new WebhookSender({
      bus,
      webhooks,
      deliveryLog,
      attempts,
      lanes,
      egress,
      log,
      metrics: context.metrics,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      subscriptionTtlMs: config.WEBHOOK_SUBSCRIPTION_CACHE_MS,
    });
    const fanout = startEventFanout({
      bus,
      subscriptions,
      deliveryLog,
      firstAttempt: new FirstAttempt({
        sender,
        lanes,
        schedule: config.WEBHOOK_RETRY_SCHEDULE_MS,
        maxInFlight: Math.ceil(config.FANOUT_CONCURRENCY / 2),
        storeJob: (job) => storeDeliveryJob(bus, job),
      }),
      concurrency: config.FANOUT_CONCURRENCY,
    });
    const delivery = startWebhookDelivery({
      bus,
      sender,
      deliveryLog,
      lanes,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      concurrency: config.DELIVERY_CONCURRENCY,
      schedule: config.WEBHOOK_RETRY_SCHEDULE_MS,
      disableAfterFailingMs: config.WEBHOOK_DISABLE_AFTER_FAILING_HOURS * 3_600_000,
      instanceId: context.instanceId,
      fanoutProgress: new FanoutProgress(bus),
      handleReplay: eventReplay({ bus, webhooks, subscriptions, log }),
    });
    log.info(
      { allowPrivateNetworks, allowedHosts: config.WEBHOOK_ALLOWED_HOSTS },
      'webhook dispatcher started',
    );
    return {
      stop: async () => {
        clearInterval(heartbeat);
        await fanout.stop();
        await delivery.stop();
        sender.close();
        await attempts.close();
        deadLetters.stop();
        await deliveryLog.leave(context.instanceId).catch(() => {});
      },
    };
  },
};
