import {
  type JetStreamClient,
  type JetStreamManager,
  type JetStreamPublishOptions,
  jetstream,
  jetstreamManager,
  type PubAck,
} from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import {
  type MsgHdrs,
  type NatsConnection,
  NoRespondersError as NatsNoRespondersError,
  TimeoutError as NatsTimeoutError,
  RequestError,
  type Subscription,
} from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  type AccountKindForRouting,
  type CommandEnvelope,
  type EventEnvelope,
  RpcReply,
  type Topology,
} from '@wagate/contracts';
import { type Logger, type MetricsRegistry, tracerFor } from '@wagate/observability';
import { describeError, ExpectedError } from '@wagate/runtime';
import { decodeJson, encodeJson } from './codec';
import { type ConsumeOptions, ConsumerLoop } from './consumer';
import { NoRespondersError, RequestTimeoutError } from './errors';
import { incomingTraceContext, outgoingHeaders } from './headers';
import { type RpcHandler, serveRpc } from './rpc';

export interface ConnectBusOptions {
  /** One or more server URLs, comma separated (`nats://a:4222,nats://b:4222`). */
  url: string;
  /** Connection name shown by the server (`nats server report connections`). */
  name: string;
  topology: Topology;
  log: Logger;
  metrics?: MetricsRegistry;
  /** How long the first connection may take before startup fails. Default 5 s. */
  connectTimeoutMs?: number;
}

/** Where a URL list points, without credentials, for messages. */
function describeServers(url: string): string {
  return url
    .split(',')
    .map((server) => server.trim().replace(/\/\/[^@/]*@/, '//'))
    .join(',');
}

/**
 * The product's connection to NATS JetStream: typed publishing with `Nats-Msg-Id`, request/reply
 * with no-responders and timeout errors, pull consumers with ack/nak/term, KV buckets, trace
 * context in headers, and reconnect status in the log.
 *
 * @example
 * const bus = await Bus.connect({ url: 'nats://127.0.0.1:4222', name: 'api-gateway', topology, log });
 * await bus.publishEvent(createEvent('session.status', 'demo', { status: 'connecting' }, { source }));
 * await bus.drain();
 */
export class Bus {
  private readonly kvm: Kvm;
  private readonly buckets = new Map<string, Promise<KV>>();
  private readonly consumers = new Set<ConsumerLoop<unknown>>();
  private readonly published;
  private reconnecting = false;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly topology: Topology,
    readonly log: Logger,
    readonly metrics: MetricsRegistry | undefined,
  ) {
    this.kvm = new Kvm(nc);
    this.published = metrics?.counter('wagate_bus_published_total', 'Messages published to JetStream', [
      'stream',
    ]);
    void this.watchStatus();
  }

  /**
   * Connects, checks that JetStream is enabled, and keeps reconnecting forever after the first
   * success. A server that does not answer at startup is an `ExpectedError` naming the URL.
   */
  static async connect(options: ConnectBusOptions): Promise<Bus> {
    const servers = options.url.split(',').map((server) => server.trim());
    const where = describeServers(options.url);
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers,
        name: options.name,
        timeout: options.connectTimeoutMs ?? 5_000,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1_000,
        pingInterval: 20_000,
        // Every publish to JetStream is a request; by default each builds two errors upfront (with
        // stack traces) only to enrich a timeout that rarely happens, a measurable share of a busy
        // publisher's CPU. Errors still say what failed; only the call site is left out.
        noAsyncTraces: true,
      });
    } catch (error) {
      throw new ExpectedError(
        `cannot reach NATS at ${where} (${describeError(error)}); start nats-server with JetStream (-js) or set NATS_URL`,
      );
    }
    let jsm: JetStreamManager;
    try {
      jsm = await jetstreamManager(nc, { timeout: 5_000 });
    } catch (error) {
      await nc.close();
      throw new ExpectedError(
        `NATS at ${where} has no usable JetStream (${describeError(error)}); start nats-server with -js`,
      );
    }
    options.log.info({ server: where, version: nc.info?.version }, 'connected to NATS');
    return new Bus(nc, jetstream(nc), jsm, options.topology, options.log, options.metrics);
  }

  /** NATS server version, e.g. `2.9.10`, to gate features of newer servers. */
  get serverVersion(): string {
    return this.nc.info?.version ?? '0.0.0';
  }

  /** Whether the server is at least `major.minor`. */
  serverAtLeast(major: number, minor: number): boolean {
    const [serverMajor = 0, serverMinor = 0] = this.serverVersion.split('.').map(Number);
    return serverMajor > major || (serverMajor === major && serverMinor >= minor);
  }

  /** Readiness check: throws while disconnected or closed. */
  async assertConnected(): Promise<void> {
    if (this.nc.isClosed()) throw new Error('NATS connection is closed');
    if (this.reconnecting) throw new Error('NATS connection is reconnecting');
    await this.nc.flush();
  }

  /**
   * Publishes JSON to a stream subject and waits for the stream's acknowledgement. `msgId` becomes
   * `Nats-Msg-Id`, so a retried publish within the duplicate window is stored once.
   */
  async publish(
    subject: string,
    payload: unknown,
    options: {
      msgId?: string;
      headers?: Record<string, string>;
      expect?: JetStreamPublishOptions['expect'];
    } = {},
  ): Promise<PubAck> {
    const ack = await this.js.publish(subject, encodeJson(payload), {
      msgID: options.msgId,
      headers: outgoingHeaders(options.headers),
      expect: options.expect,
    });
    this.published?.inc({ stream: ack.stream });
    return ack;
  }

  /** Publishes an event to `WA_EVENTS` on `wa.evt.<account>.<type>`; its id is the `Nats-Msg-Id`. */
  publishEvent(event: EventEnvelope, options: { msgId?: string } = {}): Promise<PubAck> {
    return this.publish(this.topology.eventSubject(event.subject, event.type), event, {
      msgId: options.msgId ?? event.id,
    });
  }

  /** Publishes a durable command to `WA_COMMANDS`; its id is the `Nats-Msg-Id`. */
  publishCommand(command: CommandEnvelope, kind: AccountKindForRouting = 'web'): Promise<PubAck> {
    return this.publish(this.topology.commandSubject(command.accountId, command.op, kind), command, {
      msgId: command.id,
    });
  }

  /**
   * Sends an RPC and returns its reply. Nobody listening → `NoRespondersError` (HTTP 503), no
   * answer in time → `RequestTimeoutError` (HTTP 504).
   */
  async request(subject: string, payload: unknown, options: { timeoutMs?: number } = {}): Promise<RpcReply> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    try {
      const reply = await this.nc.request(subject, encodeJson(payload), {
        timeout: timeoutMs,
        headers: outgoingHeaders(),
      });
      return RpcReply.parse(decodeJson(reply.data));
    } catch (error) {
      if (isNoResponders(error)) throw new NoRespondersError(subject);
      if (
        error instanceof NatsTimeoutError ||
        (error instanceof RequestError && error.cause instanceof NatsTimeoutError)
      ) {
        throw new RequestTimeoutError(subject, timeoutMs);
      }
      throw error;
    }
  }

  /** Answers RPCs on `subject` (optionally as a queue group); see `serveRpc`. */
  serve(subject: string, handler: RpcHandler, options: { queue?: string } = {}): Subscription {
    return serveRpc(this, subject, handler, options);
  }

  /**
   * Starts a pull consumer loop on a durable consumer; see `ConsumerLoop`. Stopped by `stop()` on
   * the loop or by `drain()`.
   */
  consume<T>(options: Omit<ConsumeOptions<T>, 'log' | 'metrics'> & { log?: Logger }): ConsumerLoop<T> {
    const settings = {
      ...options,
      log: options.log ?? this.log,
      metrics: this.metrics,
      termWithReason: this.serverAtLeast(2, 10),
    };
    const loop = new ConsumerLoop<T>(this.js, settings, () =>
      this.consumers.delete(loop as ConsumerLoop<unknown>),
    );
    this.consumers.add(loop as ConsumerLoop<unknown>);
    loop.start();
    return loop;
  }

  /** Opens (never creates) a provisioned KV bucket. */
  kv(bucket: string): Promise<KV> {
    let opened = this.buckets.get(bucket);
    if (!opened) {
      opened = this.kvm.open(bucket);
      this.buckets.set(bucket, opened);
      opened.catch(() => this.buckets.delete(bucket));
    }
    return opened;
  }

  /** Trace context of an incoming message, to parent a handling span. */
  traceParentOf(headers: MsgHdrs | undefined) {
    return incomingTraceContext(headers);
  }

  readonly tracer = tracerFor('bus');

  /** Stops every consumer loop (letting handlers finish), then drains the connection. */
  async drain(): Promise<void> {
    await Promise.all([...this.consumers].map((loop) => loop.stop()));
    if (!this.nc.isClosed()) await this.nc.drain();
  }

  /** Closes at once, without waiting for handlers (tests, fatal errors). */
  async close(): Promise<void> {
    for (const loop of this.consumers) loop.abort();
    if (!this.nc.isClosed()) await this.nc.close();
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.reconnecting = true;
          this.log.warn({ server: status.server }, 'disconnected from NATS; reconnecting');
          break;
        case 'reconnect':
          this.reconnecting = false;
          this.log.info({ server: status.server }, 'reconnected to NATS');
          break;
        case 'error':
          this.log.error({ err: describeError(status.error) }, 'NATS connection error');
          break;
        case 'ldm':
          this.log.warn('NATS server entering lame-duck mode; moving to another server');
          break;
        default:
          break;
      }
    }
  }
}

function isNoResponders(error: unknown): boolean {
  return (
    error instanceof NatsNoRespondersError ||
    (error instanceof RequestError && error.cause instanceof NatsNoRespondersError)
  );
}
