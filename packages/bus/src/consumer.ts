import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import { inSpan, type Logger, type MetricsRegistry, tracerFor } from '@wagate/observability';
import { describeError } from '@wagate/runtime';
import { decodeJson } from './codec';
import { PermanentError, RetryableError } from './errors';
import { incomingTraceContext } from './headers';

/** One message handed to a handler, with the ways to settle it. */
export interface Delivery<T> {
  readonly subject: string;
  readonly data: T;
  readonly headers: MsgHdrs | undefined;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  readonly streamSequence: number;
  /** When the message was stored, in ms since the epoch. */
  readonly storedAtMs: number;
  /** Done: never deliver again. */
  ack(): void;
  /** Deliver again after `delayMs` (immediately when absent). */
  nak(delayMs?: number): void;
  /** Never deliver again, and raise a "terminated" advisory (dead-letter capture reads it). */
  term(reason?: string): void;
  /** Still working: restart the ack-wait timer. */
  working(): void;
  /** Whether one of ack/nak/term was called. */
  readonly settled: boolean;
}

export interface ConsumeOptions<T> {
  stream: string;
  consumer: string;
  /**
   * Handles one message. Returning settles it with `ack` unless the handler settled it itself;
   * `RetryableError` → `nak(delay)`; `PermanentError` or undecodable data → `term`; any other
   * error → `nak` with `retryDelayMs(deliveryCount)` and an error log.
   */
  handle: (delivery: Delivery<T>) => Promise<void>;
  /** Messages handled at once. Default 1 (in order). */
  concurrency?: number;
  /** Turns bytes into `T`; default JSON. Throwing terminates the message as poison. */
  decode?: (bytes: Uint8Array) => T;
  /** Backoff for unexpected errors. Default: 1 s × 2^(n-1), at most 60 s. */
  retryDelayMs?: (deliveryCount: number) => number;
  log: Logger;
  metrics?: MetricsRegistry;
  /**
   * Whether the server understands `+TERM <reason>` (2.10+). A 2.9 server ignores a terminate
   * that carries a reason, leaving the message pending, so the reason is only sent when it can be.
   */
  termWithReason?: boolean;
}

const defaultRetryDelay = (deliveryCount: number) =>
  Math.min(60_000, 1_000 * 2 ** Math.max(0, deliveryCount - 1));

/**
 * A pull-consumer loop on a durable JetStream consumer with bounded concurrency. It survives
 * reconnects and a consumer that is deleted and recreated (nats.js recovers), and `stop()` lets
 * handlers in flight finish.
 *
 * @example
 * const loop = bus.consume<CommandEnvelope>({ stream, consumer: 'cmd-p3', handle: async (d) => run(d.data) });
 * await loop.stop();
 */
export class ConsumerLoop<T> {
  private messages: ConsumerMessages | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private finished: Promise<void> | undefined;
  private readonly settledCounter;
  private readonly handleSeconds;
  private readonly tracer = tracerFor('bus');
  /**
   * Acks of this event-loop turn, sent together: nats.js writes to its socket once per microtask
   * checkpoint, so acks made one by one (as handlers finish) would each cost a socket write.
   */
  private pendingAcks: JsMsg[] = [];

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: ConsumeOptions<T>,
    private readonly onFinished: () => void,
  ) {
    this.settledCounter = options.metrics?.counter(
      'wagate_bus_consumed_total',
      'Messages settled by consumers',
      ['consumer', 'outcome'],
    );
    this.handleSeconds = options.metrics?.histogram(
      'wagate_bus_handle_seconds',
      'Time spent handling one message',
      ['consumer'],
    );
  }

  /** Begins pulling; called by `Bus.consume`. */
  start(): void {
    this.finished = this.run().finally(this.onFinished);
  }

  /** Stops pulling, waits for handlers in flight, and returns once the loop ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.messages?.close().catch(() => {});
    await Promise.allSettled([...this.inFlight]);
    await this.finished;
    this.sendAcks();
  }

  /** Stops pulling without waiting for handlers. */
  abort(): void {
    this.stopping = true;
    this.messages?.stop();
    this.sendAcks();
  }

  private ackSoon(msg: JsMsg): void {
    if (this.pendingAcks.push(msg) === 1) setImmediate(this.sendAcks);
  }

  private readonly sendAcks = (): void => {
    const acks = this.pendingAcks;
    this.pendingAcks = [];
    for (const msg of acks) msg.ack();
  };

  private async run(): Promise<void> {
    const { stream, consumer, log } = this.options;
    const concurrency = Math.max(1, this.options.concurrency ?? 1);
    while (!this.stopping) {
      try {
        const handle = await this.js.consumers.get(stream, consumer);
        this.messages = await handle.consume({ max_messages: Math.max(concurrency * 2, 8), expires: 10_000 });
        if (this.stopping) {
          this.messages.stop();
          break;
        }
        void this.logNotifications(this.messages);
        for await (const msg of this.messages) {
          const task = this.process(msg).finally(() => this.inFlight.delete(task));
          this.inFlight.add(task);
          if (this.inFlight.size >= concurrency) await Promise.race(this.inFlight);
        }
      } catch (error) {
        if (this.stopping) break;
        log.warn({ stream, consumer, err: describeError(error) }, 'consumer unavailable; retrying in 1 s');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private async logNotifications(messages: ConsumerMessages): Promise<void> {
    const { stream, consumer, log } = this.options;
    for await (const status of messages.status()) {
      if (
        status.type === 'consumer_not_found' ||
        status.type === 'stream_not_found' ||
        status.type === 'heartbeats_missed'
      ) {
        log.warn({ stream, consumer, status: status.type }, 'consumer trouble; nats.js keeps retrying');
      }
    }
  }

  private terminate(msg: JsMsg, reason: string | undefined): void {
    if (this.options.termWithReason && reason) msg.term(reason);
    else msg.term();
  }

  private async process(msg: JsMsg): Promise<void> {
    const { consumer, log } = this.options;
    let settled: 'ack' | 'nak' | 'term' | undefined;
    let data: T;
    try {
      data = this.options.decode ? this.options.decode(msg.data) : (decodeJson(msg.data) as T);
    } catch (error) {
      log.error(
        { consumer, subject: msg.subject, seq: msg.seq, err: describeError(error) },
        'undecodable message terminated',
      );
      this.terminate(msg, 'undecodable');
      this.settledCounter?.inc({ consumer, outcome: 'term' });
      return;
    }
    const delivery: Delivery<T> = {
      subject: msg.subject,
      data,
      headers: msg.headers,
      deliveryCount: msg.info.deliveryCount,
      streamSequence: msg.seq,
      storedAtMs: Math.floor(msg.info.timestampNanos / 1e6),
      ack: () => {
        if (settled) return;
        settled = 'ack';
        this.ackSoon(msg);
      },
      nak: (delayMs) => {
        if (settled) return;
        settled = 'nak';
        msg.nak(delayMs);
      },
      term: (reason) => {
        if (settled) return;
        settled = 'term';
        this.terminate(msg, reason);
      },
      working: () => msg.working(),
      get settled() {
        return settled !== undefined;
      },
    };
    const timer = this.handleSeconds?.startTimer({ consumer });
    try {
      await inSpan(
        this.tracer,
        `handle ${consumer}`,
        { parent: incomingTraceContext(msg.headers), attributes: { 'messaging.destination': msg.subject } },
        () => this.options.handle(delivery),
      );
      delivery.ack();
    } catch (error) {
      if (error instanceof PermanentError) {
        log.warn({ consumer, subject: msg.subject, err: error.message }, 'message terminated');
        delivery.term(error.message.slice(0, 200));
      } else if (error instanceof RetryableError) {
        delivery.nak(
          error.delayMs ?? (this.options.retryDelayMs ?? defaultRetryDelay)(delivery.deliveryCount),
        );
      } else {
        log.error(
          { consumer, subject: msg.subject, err: describeError(error) },
          'handler failed; will retry',
        );
        delivery.nak((this.options.retryDelayMs ?? defaultRetryDelay)(delivery.deliveryCount));
      }
    } finally {
      timer?.();
      this.settledCounter?.inc({ consumer, outcome: settled ?? 'none' });
    }
  }
}
