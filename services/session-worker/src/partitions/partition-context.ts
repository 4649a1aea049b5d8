import type { Bus } from '@wagate/bus';
import { type Database, WebSessionStore } from '@wagate/db';
import type { MediaStore } from '@wagate/media-store';
import type { Logger } from '@wagate/observability';
import type { SessionWorkerConfig } from '../config';
import type { EventPublisher, PendingEvent } from '../events/event-outbox';
import type { BaileysEnvironment } from '../sessions/baileys-environment';
import type { PartitionWriter } from '../store/partition-writer';

/** Limits how many sessions open their socket at once on a worker. */
export class ConnectSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.waiting.shift()?.();
    };
  }
}

/**
 * What the sessions of one owned partition share: its fenced writer and event publisher, the
 * bus, the database, the media store, the worker's settings.
 */
export class PartitionContext {
  constructor(
    readonly partition: number,
    readonly epoch: number,
    readonly writer: PartitionWriter,
    readonly publisher: EventPublisher,
    readonly bus: Bus,
    readonly db: Database,
    readonly mediaStore: MediaStore,
    readonly log: Logger,
    readonly config: SessionWorkerConfig,
    readonly workerId: string,
    readonly baileys: BaileysEnvironment,
    readonly connectSlots: ConnectSlots,
  ) {}

  /**
   * Runs `work` and writes the events given upfront or emitted by the work (events it learns only
   * inside the transaction, e.g. for messages not seen before) in one fenced transaction, then
   * publishes them.
   *
   * @example
   * await context.commit((tx) => WebSessionStore.insertMessages(tx, rows), events);
   */
  async commit<T>(
    work: (tx: Database, emit: (event: PendingEvent) => void) => Promise<T>,
    upfront: PendingEvent[] = [],
  ): Promise<T> {
    let events: PendingEvent[] = [];
    const { result, seqs } = await this.writer.run(async (tx) => {
      // A retried batch runs the work again: collect afresh each time.
      events = [...upfront];
      const result = await work(tx, (event) => events.push(event));
      const seqs =
        events.length > 0
          ? await WebSessionStore.addEvents(
              tx,
              events.map((pending) => ({
                partition: this.partition,
                accountId: pending.accountId,
                msgId: pending.msgId,
                event: pending.event,
                media: pending.media ?? null,
              })),
            )
          : [];
      return { result, seqs };
    });
    this.publisher.committed(
      events.map((pending, index) => ({
        seq: seqs[index]!,
        accountId: pending.accountId,
        msgId: pending.msgId,
        event: pending.event,
        media: pending.media ?? null,
      })),
    );
    return result;
  }
}
