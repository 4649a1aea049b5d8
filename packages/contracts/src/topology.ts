import { DEFAULT_PARTITION_COUNT, partitionOf } from './partition';

/** Token that takes the place of a partition number in the subjects of cloud (Business API) accounts. */
export const CLOUD_PARTITION_TOKEN = 'cloud';

export interface TopologyOptions {
  /**
   * Prefix that lets several deployments (or tests) share one NATS server without seeing each
   * other: `acme` turns `WA_EVENTS` into `acme_WA_EVENTS` and `wa.evt.>` into `acme.wa.evt.>`.
   * Empty (the default) gives the canonical names of the public contract.
   */
  namespace?: string;
  /** Number of partitions P; fixed for the life of a deployment. */
  partitions?: number;
}

const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]*$/;

/**
 * Every stream, consumer, KV bucket and subject name of the product, in one place.
 *
 * @example
 * const topology = new Topology();
 * topology.streams.events; // 'WA_EVENTS'
 * topology.eventSubject('demo', 'session.status'); // 'wa.evt.demo.session.status'
 */
export class Topology {
  readonly namespace: string;
  readonly partitions: number;
  readonly streams: {
    /** Every normalized event (limits retention, replayable). */
    readonly events: string;
    /** Durable commands (work queue), one consumer per partition plus one for cloud accounts. */
    readonly commands: string;
    /** One delivery job per (event, webhook subscription) (work queue). */
    readonly webhooks: string;
    /** Meta's webhook POSTs, accepted fast by the gateway and processed by the bridge (work queue). */
    readonly cloudInbound: string;
  };
  readonly buckets: {
    /** Partition leases `p.<p>` → `{ owner, epoch }`, TTL-bound. */
    readonly leases: string;
    /** Worker heartbeats `<workerId>`, TTL-bound. */
    readonly workers: string;
    /** Object store of media bytes, when media live in JetStream. */
    readonly media: string;
  };
  readonly consumers = {
    /** The webhook dispatcher's fan-out of WA_EVENTS into delivery jobs. */
    webhookFanout: 'webhook-fanout',
    /** The webhook dispatcher's delivery of jobs from WA_WEBHOOKS. */
    webhookDelivery: 'webhook-delivery',
    /** The cloud bridge's commands (all cloud accounts share it). */
    cloudCommands: 'cloud-commands',
    /** The cloud bridge's processing of Meta webhooks. */
    cloudInbound: 'cloud-inbound',
  } as const;

  private readonly subjectPrefix: string;

  constructor(options: TopologyOptions = {}) {
    const namespace = options.namespace ?? '';
    if (!NAMESPACE_PATTERN.test(namespace)) {
      throw new RangeError(`namespace may hold only letters, digits, "_" and "-", got "${namespace}"`);
    }
    const partitions = options.partitions ?? DEFAULT_PARTITION_COUNT;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 4096) {
      throw new RangeError(`partitions must be an integer in [1, 4096], got ${partitions}`);
    }
    this.namespace = namespace;
    this.partitions = partitions;
    const streamName = (name: string) => (namespace ? `${namespace}_${name}` : name);
    this.subjectPrefix = namespace ? `${namespace}.` : '';
    this.streams = {
      events: streamName('WA_EVENTS'),
      commands: streamName('WA_COMMANDS'),
      webhooks: streamName('WA_WEBHOOKS'),
      cloudInbound: streamName('WA_CLOUD_INBOUND'),
    };
    this.buckets = {
      leases: streamName('WA_LEASES'),
      workers: streamName('WA_WORKERS'),
      media: streamName('WA_MEDIA'),
    };
  }

  /** Partition of an account in this deployment. */
  partitionOf(accountId: string): number {
    return partitionOf(accountId, this.partitions);
  }

  /** `wa.evt.<accountId>.<type…>`: the subject of one event (`type` dots become tokens). */
  eventSubject(accountId: string, type: string): string {
    return `${this.subjectPrefix}wa.evt.${accountId}.${type}`;
  }

  /** Filter for all events, or all events of one account. */
  eventFilter(accountId?: string): string {
    return `${this.subjectPrefix}wa.evt.${accountId ?? '*'}.>`;
  }

  /** Account id and event type encoded in an event subject. */
  parseEventSubject(subject: string): { accountId: string; type: string } | undefined {
    const prefix = `${this.subjectPrefix}wa.evt.`;
    if (!subject.startsWith(prefix)) return undefined;
    const rest = subject.slice(prefix.length);
    const dot = rest.indexOf('.');
    if (dot <= 0 || dot === rest.length - 1) return undefined;
    return { accountId: rest.slice(0, dot), type: rest.slice(dot + 1) };
  }

  /** `wa.cmd.<p>.<accountId>.<op>` for web accounts, `wa.cmd.cloud.<accountId>.<op>` for cloud accounts. */
  commandSubject(accountId: string, op: string, kind: AccountKindForRouting = 'web'): string {
    return `${this.subjectPrefix}wa.cmd.${this.routeToken(accountId, kind)}.${accountId}.${op}`;
  }

  /** Filter of every command (the subjects of the `WA_COMMANDS` stream). */
  commandFilterAll(): string {
    return `${this.subjectPrefix}wa.cmd.>`;
  }

  /** Filter of one partition's commands (the filter of its durable consumer). */
  partitionCommandFilter(partition: number): string {
    return `${this.subjectPrefix}wa.cmd.${partition}.>`;
  }

  /** Filter of every cloud account's commands. */
  cloudCommandFilter(): string {
    return `${this.subjectPrefix}wa.cmd.${CLOUD_PARTITION_TOKEN}.>`;
  }

  /** Durable consumer name of a partition's commands. */
  partitionCommandConsumer(partition: number): string {
    return `cmd-p${partition}`;
  }

  /** `wa.rpc.<p>.<accountId>.<op>` (web) or `wa.rpc.cloud.<accountId>.<op>` (cloud). */
  rpcSubject(accountId: string, op: string, kind: AccountKindForRouting = 'web'): string {
    return `${this.subjectPrefix}wa.rpc.${this.routeToken(accountId, kind)}.${accountId}.${op}`;
  }

  /** What the owner of a partition subscribes to for RPCs. */
  partitionRpcFilter(partition: number): string {
    return `${this.subjectPrefix}wa.rpc.${partition}.>`;
  }

  /** What cloud bridges subscribe to (as a queue group) for RPCs. */
  cloudRpcFilter(): string {
    return `${this.subjectPrefix}wa.rpc.${CLOUD_PARTITION_TOKEN}.>`;
  }

  /** Account id and operation encoded in a command or RPC subject. */
  parseRoutedSubject(subject: string): { route: string; accountId: string; op: string } | undefined {
    const tokens = subject.slice(this.subjectPrefix.length).split('.');
    if (tokens.length < 5 || (tokens[1] !== 'cmd' && tokens[1] !== 'rpc')) return undefined;
    const [, , route, accountId, ...op] = tokens;
    return { route: route!, accountId: accountId!, op: op.join('.') };
  }

  /** `wa.hook.<subscriptionId>`: delivery jobs of one webhook subscription. */
  webhookSubject(subscriptionId: string): string {
    return `${this.subjectPrefix}wa.hook.${subscriptionId}`;
  }

  /** Filter of every delivery job. */
  webhookFilter(): string {
    return `${this.subjectPrefix}wa.hook.>`;
  }

  /** `wa.cloud.in.<accountId>`: Meta webhook bodies accepted for one cloud account. */
  cloudInboundSubject(accountId: string): string {
    return `${this.subjectPrefix}wa.cloud.in.${accountId}`;
  }

  /** Filter of every accepted Meta webhook body. */
  cloudInboundFilter(): string {
    return `${this.subjectPrefix}wa.cloud.in.>`;
  }

  /** KV key of a partition lease. */
  leaseKey(partition: number): string {
    return `p.${partition}`;
  }

  /** Partition of a lease key, or undefined when the key is not a lease key. */
  parseLeaseKey(key: string): number | undefined {
    const match = /^p\.(\d+)$/.exec(key);
    if (!match) return undefined;
    const partition = Number(match[1]);
    return partition < this.partitions ? partition : undefined;
  }

  private routeToken(accountId: string, kind: AccountKindForRouting): string {
    return kind === 'cloud' ? CLOUD_PARTITION_TOKEN : String(this.partitionOf(accountId));
  }
}

/** Which service routes an account's commands: session workers (web) or the cloud bridge (cloud). */
export type AccountKindForRouting = 'web' | 'cloud';
