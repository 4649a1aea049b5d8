import type { Bus } from '@wagate/bus';
import { createEvent, type EventData, type EventType, type MessageContent } from '@wagate/contracts';
import { type Database, type EventOutboxRow, WebSessionStore } from '@wagate/db';
import type { Logger } from '@wagate/observability';
import { describeError } from '@wagate/runtime';

const SOURCE = 'wagate/session-worker';

/** An event to write with the state it describes, and publish after the commit. */
export interface PendingEvent {
  accountId: string;
  msgId: string;
  event: ReturnType<typeof createEvent>;
  media?: { chatId: string; messageId: string; mediaId: string };
}

/**
 * Builds an outbox event: a CloudEvents envelope whose `Nats-Msg-Id` is deterministic per real
 * occurrence (`msgId`), so a retried or re-published event is stored once in `WA_EVENTS`.
 *
 * @example
 * outboxEvent('message.received', 'demo', `demo:received:${id}`, data);
 */
export function outboxEvent<T extends EventType>(
  type: T,
  accountId: string,
  msgId: string,
  data: EventData<T>,
  media?: PendingEvent['media'],
): PendingEvent {
  return {
    accountId,
    msgId,
    event: createEvent(type, accountId, data, { source: SOURCE }),
    ...(media ? { media } : {}),
  };
}

/** Downloads received media into the media store; returns the stored content, or undefined. */
export type MediaDownloader = (
  accountId: string,
  media: NonNullable<PendingEvent['media']>,
) => Promise<MessageContent | undefined>;

/** How long published outbox rows wait to be deleted together. */
const SWEEP_INTERVAL_MS = 100;
/** Rows deleted in one statement at most. */
const MAX_SWEEP = 2_000;

/**
 * Deletes the published outbox rows of all of a worker's partitions together, a statement every
 * `SWEEP_INTERVAL_MS` instead of one per publish. A row a crash leaves behind is published again
 * by the next owner under the same `Nats-Msg-Id`, which `WA_EVENTS` stores once.
 *
 * @example
 * const sweeper = new OutboxSweeper(db, log);
 * sweeper.published([41, 42]);
 * await sweeper.sweep();
 */
export class OutboxSweeper {
  private pending: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
  ) {}

  /** These rows' events are published: delete them with the next sweep. */
  published(seqs: number[]): void {
    this.pending.push(...seqs);
    this.schedule();
  }

  /** Deletes every row published so far (a partition hands over). */
  async sweep(): Promise<void> {
    while (this.sweeping) await this.sweeping;
    while (this.pending.length > 0) {
      const seqs = this.pending.splice(0, MAX_SWEEP);
      let removed = true;
      this.sweeping = WebSessionStore.removeEvents(this.db, seqs)
        .catch((error: unknown) => {
          removed = false;
          this.pending.push(...seqs);
          this.log.warn({ err: describeError(error) }, 'deleting published events failed; retrying');
        })
        .finally(() => {
          this.sweeping = undefined;
        });
      await this.sweeping;
      if (!removed) return this.schedule();
    }
  }

  private schedule(): void {
    if (this.timer || this.pending.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sweep();
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }
}

/**
 * Publishes a partition's outbox: events committed with their state are published in order with
 * their `Nats-Msg-Id`, then deleted (by the worker's `OutboxSweeper`). Received media is downloaded
 * into the media store before its event goes out, so the event's `content.media.id` is
 * downloadable at once. On start it publishes what a previous owner left.
 *
 * @example
 * const publisher = new EventPublisher(bus, db, sweeper, 3, log, downloader);
 * await publisher.start();
 * publisher.committed(rows);
 */
export class EventPublisher {
  private queue: Array<Pick<EventOutboxRow, 'seq' | 'accountId' | 'msgId' | 'event' | 'media'>> = [];
  private running: Promise<void> | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    private readonly sweeper: OutboxSweeper,
    readonly partition: number,
    private readonly log: Logger,
    private readonly downloadMedia: MediaDownloader,
  ) {}

  /** Publishes what is left in the outbox of the partition (a previous owner's leftovers). */
  async start(): Promise<void> {
    for (;;) {
      const rows = await WebSessionStore.pendingEvents(this.db, this.partition, 500);
      const known = new Set(this.queue.map((row) => row.seq));
      const fresh = rows.filter((row) => !known.has(row.seq));
      if (fresh.length === 0) break;
      this.queue.push(...fresh);
      await this.kick();
      if (rows.length < 500) break;
    }
  }

  /** Rows just committed: publish them. */
  committed(rows: Array<Pick<EventOutboxRow, 'seq' | 'accountId' | 'msgId' | 'event' | 'media'>>): void {
    if (rows.length === 0) return;
    this.queue.push(...rows);
    void this.kick();
  }

  /** Publishes what is queued, then stops (what fails stays in the outbox for the next owner). */
  async stop(): Promise<void> {
    await this.kick();
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.sweeper.sweep();
  }

  /** Stops at once (ownership lost): the next owner publishes what is left. */
  abort(): void {
    this.stopped = true;
    this.queue = [];
    clearTimeout(this.retryTimer);
  }

  private kick(): Promise<void> {
    if (!this.running && !this.stopped) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }
    return this.running ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const batch = this.queue.slice(0, 256);
      try {
        for (const row of batch) {
          if (row.media) {
            const content = await this.downloadMedia(row.accountId, row.media);
            if (content) {
              const event = row.event as { data: { content: MessageContent } };
              event.data.content = content;
            }
          }
        }
        await Promise.all(
          batch.map((row) => this.bus.publishEvent(row.event as never, { msgId: row.msgId })),
        );
        this.sweeper.published(batch.map((row) => row.seq));
        this.queue.splice(0, batch.length);
      } catch (error) {
        this.log.warn(
          { partition: this.partition, err: describeError(error) },
          'publishing events failed; retrying',
        );
        this.retryTimer = setTimeout(() => void this.kick(), 1_000);
        this.retryTimer.unref();
        return;
      }
    }
  }
}
