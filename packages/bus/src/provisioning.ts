import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { type NatsConnection, nanos } from '@nats-io/nats-core';
import type { Topology } from '@wagate/contracts';
import type { Logger } from '@wagate/observability';
import { ExpectedError } from '@wagate/runtime';

/** NATS' API error code for "stream name already in use" (not among nats.js' named codes). */
const STREAM_NAME_IN_USE = 10_058;
/**
 * "Subjects overlap with an existing stream": what NATS 2.9 answers the loser of two identical
 * concurrent creates when the winner's stream (same name, same subjects) landed first.
 */
const STREAM_SUBJECTS_OVERLAP = 10_065;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Settings of the JetStream resources; everything has a default suited to one node. */
export interface ProvisioningSettings {
  /** Stream replicas: 1 on one server, 3 on a cluster (`k8s/`). */
  replicas?: number;
  /** How long events stay replayable in `WA_EVENTS`. Default 7 days. */
  eventsMaxAgeMs?: number;
  /** Largest total size of `WA_EVENTS` in bytes; oldest events go first. Default unlimited. */
  eventsMaxBytes?: number;
  /** How long an unconsumed command may wait (e.g. an account with no worker). Default 7 days. */
  commandsMaxAgeMs?: number;
  /** How long a delivery job may be retried before it expires. Default 4 days (the schedule is ~75 h). */
  webhooksMaxAgeMs?: number;
  /** Window in which a repeated `Nats-Msg-Id` is stored once. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Partition lease time-to-live. Default 30 s. */
  leaseTtlMs?: number;
  /** Worker heartbeat time-to-live. Default 15 s. */
  workerTtlMs?: number;
  /** Time a command handler has before redelivery (handlers extend it while working). Default 60 s. */
  commandAckWaitMs?: number;
  /** Time a webhook delivery has before redelivery. Default 30 s. */
  webhookAckWaitMs?: number;
  /**
   * Deliveries of a webhook job before JetStream gives up on it. The dispatcher counts real
   * attempts itself (a job also comes back while its endpoint is busy, open-circuited or
   * rate-limited), so this is only a backstop. Default 1,000.
   */
  webhookMaxDeliver?: number;
  /** Unacknowledged webhook jobs in flight across dispatchers. Default 20,000. */
  webhookMaxAckPending?: number;
}

export interface ConsumerPlan {
  stream: string;
  config: Partial<ConsumerConfig> & { durable_name: string };
}

export interface BucketPlan {
  bucket: string;
  history: number;
  ttlMs: number;
}

/** Every stream, consumer and KV bucket of the design. */
export interface ProvisioningPlan {
  streams: Array<Partial<StreamConfig> & { name: string }>;
  consumers: ConsumerPlan[];
  buckets: BucketPlan[];
}

/**
 * The JetStream resources of the design for a topology: streams `WA_EVENTS` (limits),
 * `WA_COMMANDS`, `WA_WEBHOOKS`, `WA_CLOUD_INBOUND` (work queues), one command consumer per
 * partition plus the dispatcher's and bridge's consumers, and KV buckets `WA_LEASES`, `WA_WORKERS`.
 *
 * @example
 * await provision(bus.nc, bus.jsm, provisioningPlan(topology, { replicas: 3 }), log);
 */
export function provisioningPlan(topology: Topology, settings: ProvisioningSettings = {}): ProvisioningPlan {
  const replicas = settings.replicas ?? 1;
  const duplicateWindow = nanos(settings.duplicateWindowMs ?? 2 * MINUTE);
  const stream = (name: string, subjects: string[], retention: RetentionPolicy, maxAgeMs: number) => ({
    name,
    subjects,
    retention,
    storage: StorageType.File,
    num_replicas: replicas,
    max_age: nanos(maxAgeMs),
    duplicate_window: duplicateWindow,
    discard: DiscardPolicy.Old,
  });
  const commandAckWait = nanos(settings.commandAckWaitMs ?? MINUTE);
  const streams = topology.streams;
  return {
    streams: [
      {
        ...stream(
          streams.events,
          [topology.eventFilter()],
          RetentionPolicy.Limits,
          settings.eventsMaxAgeMs ?? 7 * DAY,
        ),
        max_bytes: settings.eventsMaxBytes ?? -1,
        description: 'Every normalized event; any internal service may subscribe; replayable.',
      },
      {
        ...stream(
          streams.commands,
          [topology.commandFilterAll()],
          RetentionPolicy.Workqueue,
          settings.commandsMaxAgeMs ?? 7 * DAY,
        ),
        description: 'Durable commands: one consumer per partition, one for cloud accounts.',
      },
      {
        ...stream(
          streams.webhooks,
          [topology.webhookFilter()],
          RetentionPolicy.Workqueue,
          settings.webhooksMaxAgeMs ?? 4 * DAY,
        ),
        description: 'One delivery job per (event, webhook subscription).',
      },
      {
        ...stream(streams.cloudInbound, [topology.cloudInboundFilter()], RetentionPolicy.Workqueue, 7 * DAY),
        description: "Meta's webhook bodies, accepted by the gateway, processed by the cloud bridge.",
      },
    ],
    consumers: [
      ...Array.from({ length: topology.partitions }, (_, partition) => ({
        stream: streams.commands,
        config: {
          durable_name: topology.partitionCommandConsumer(partition),
          filter_subject: topology.partitionCommandFilter(partition),
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: commandAckWait,
          max_ack_pending: 1_000,
          description: `Commands of partition ${partition}, consumed by its lease holder.`,
        },
      })),
      {
        stream: streams.commands,
        config: {
          durable_name: topology.consumers.cloudCommands,
          filter_subject: topology.cloudCommandFilter(),
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: commandAckWait,
          max_ack_pending: 10_000,
          description: 'Commands of cloud accounts, shared by cloud bridges.',
        },
      },
      {
        stream: streams.events,
        config: {
          durable_name: topology.consumers.webhookFanout,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.New,
          ack_wait: nanos(30_000),
          max_ack_pending: 5_000,
          description: 'Fan-out of events into webhook delivery jobs.',
        },
      },
      {
        stream: streams.webhooks,
        config: {
          durable_name: topology.consumers.webhookDelivery,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: nanos(settings.webhookAckWaitMs ?? 30_000),
          max_deliver: settings.webhookMaxDeliver ?? 1_000,
          max_ack_pending: settings.webhookMaxAckPending ?? 20_000,
          description: 'Webhook deliveries; retries by nak(delay).',
        },
      },
      {
        stream: streams.cloudInbound,
        config: {
          durable_name: topology.consumers.cloudInbound,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: nanos(30_000),
          max_ack_pending: 1_000,
          description: "Processing of Meta's webhooks.",
        },
      },
    ],
    buckets: [
      { bucket: topology.buckets.leases, history: 1, ttlMs: settings.leaseTtlMs ?? 30_000 },
      { bucket: topology.buckets.workers, history: 1, ttlMs: settings.workerTtlMs ?? 15_000 },
    ],
  };
}

export interface ProvisioningReport {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/** Fields that a NATS 2.9 server cannot change on an existing stream. */
const IMMUTABLE_STREAM_FIELDS = ['retention', 'storage'] as const;

function isNotFound(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamNotFound || error.code === JetStreamApiCodes.ConsumerNotFound)
  );
}

function differs(wanted: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  return Object.keys(wanted).filter((key) => JSON.stringify(wanted[key]) !== JSON.stringify(actual[key]));
}

/**
 * Creates what is missing and updates what changed; running it twice changes nothing, and several
 * services may run it at once. A change the server cannot apply (e.g. retention) is an
 * `ExpectedError` that tells the operator what to do.
 *
 * @example
 * const report = await provision(bus.nc, bus.jsm, provisioningPlan(topology), log);
 */
export async function provision(
  nc: NatsConnection,
  jsm: JetStreamManager,
  plan: ProvisioningPlan,
  log: Logger,
): Promise<ProvisioningReport> {
  const report: ProvisioningReport = { created: [], updated: [], unchanged: [] };
  const kvm = new Kvm(nc);

  for (const bucket of plan.buckets) {
    const label = `kv:${bucket.bucket}`;
    if (!(await streamExists(jsm, `KV_${bucket.bucket}`))) {
      try {
        await kvm.create(bucket.bucket, {
          history: bucket.history,
          ttl: bucket.ttlMs,
          replicas: plan.streams[0]?.num_replicas ?? 1,
        });
        report.created.push(label);
        continue;
      } catch (error) {
        // Another service created it at the same moment: compare with theirs below.
        if (!(await streamExists(jsm, `KV_${bucket.bucket}`))) throw error;
      }
    }
    await ensureStream(
      jsm,
      {
        name: `KV_${bucket.bucket}`,
        max_age: nanos(bucket.ttlMs),
        max_msgs_per_subject: bucket.history,
        // The server refuses a duplicate window longer than the age limit.
        duplicate_window: nanos(Math.min(bucket.ttlMs, 2 * MINUTE)),
      },
      label,
      report,
      log,
    );
  }

  for (const stream of plan.streams) await ensureStream(jsm, stream, `stream:${stream.name}`, report, log);

  for (const { stream, config } of plan.consumers) {
    const label = `consumer:${stream}/${config.durable_name}`;
    const info = await jsm.consumers.info(stream, config.durable_name).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (!info) {
      await jsm.consumers.add(stream, config);
      report.created.push(label);
      continue;
    }
    const changed = differs(config, info.config as unknown as Record<string, unknown>);
    if (changed.length === 0) {
      report.unchanged.push(label);
      continue;
    }
    if (changed.some((key) => key === 'filter_subject' || key === 'deliver_policy')) {
      throw new ExpectedError(
        `${label} exists with a different ${changed.join(', ')}; delete it (nats consumer rm) to let it be recreated`,
      );
    }
    await jsm.consumers.update(stream, config.durable_name, config);
    log.info({ consumer: label, changed }, 'updated consumer configuration');
    report.updated.push(label);
  }
  return report;
}

async function streamExists(jsm: JetStreamManager, name: string): Promise<boolean> {
  return jsm.streams.info(name).then(
    () => true,
    (error: unknown) => {
      if (isNotFound(error)) return false;
      throw error;
    },
  );
}

async function ensureStream(
  jsm: JetStreamManager,
  wanted: Partial<StreamConfig> & { name: string },
  label: string,
  report: ProvisioningReport,
  log: Logger,
): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    const info = await jsm.streams.info(wanted.name).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (!info) {
      try {
        await jsm.streams.add(wanted);
        report.created.push(label);
        return;
      } catch (error) {
        // Another service created it between our info and add: compare with theirs. A real
        // overlap with another stream fails again on the second attempt and is thrown then.
        if (
          attempt === 0 &&
          error instanceof JetStreamApiError &&
          (error.code === STREAM_NAME_IN_USE || error.code === STREAM_SUBJECTS_OVERLAP)
        )
          continue;
        throw error;
      }
    }
    const changed = differs(wanted, info.config as unknown as Record<string, unknown>);
    if (changed.length === 0) {
      report.unchanged.push(label);
      return;
    }
    const immutable = changed.filter((key) => (IMMUTABLE_STREAM_FIELDS as readonly string[]).includes(key));
    if (immutable.length > 0) {
      throw new ExpectedError(
        `${label} exists with a different ${immutable.join(', ')}, which NATS cannot change in place; ` +
          'back it up and delete it (nats stream rm) to let it be recreated',
      );
    }
    await jsm.streams.update(wanted.name, { ...info.config, ...wanted });
    log.info({ stream: label, changed }, 'updated stream configuration');
    report.updated.push(label);
    return;
  }
}
