import type { LoggedAttempt, WebhookDeliveryLog } from '@wagate/db';
import type { Logger } from '@wagate/observability';
import { describeError } from '@wagate/runtime';

/**
 * Writes delivery attempts to the log in groups: the attempts of a few milliseconds go out as one
 * INSERT, and each caller resumes once its row is stored, so a job is settled only after its
 * attempt is logged while thousands of deliveries a second cost a few statements.
 *
 * @example
 * const writer = new AttemptLogWriter(deliveryLog, log);
 * await writer.write({ webhookId, deliveryId, eventId, eventType, accountId, attempt: 1, outcome: 'delivered' });
 */
export class AttemptLogWriter {
  private batch: Array<{ attempt: LoggedAttempt; done: () => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly flushing = new Set<Promise<void>>();

  constructor(
    private readonly deliveryLog: WebhookDeliveryLog,
    private readonly log: Logger,
    private readonly options: { maxBatch: number; lingerMs: number } = { maxBatch: 500, lingerMs: 5 },
  ) {}

  /** Queues an attempt; resolves once it is stored (or its write failed, which is logged). */
  write(attempt: LoggedAttempt): Promise<void> {
    return new Promise((done) => {
      this.batch.push({ attempt, done });
      if (this.batch.length >= this.options.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.lingerMs);
    });
  }

  /** Writes what is queued and waits for every write under way. */
  async close(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.flushing]);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    const write = this.deliveryLog
      .recordAttempts(batch.map((entry) => entry.attempt))
      .catch((error: unknown) => {
        // The deliveries themselves happened; a lost log row costs at most one extra retry.
        this.log.error(
          { err: describeError(error), attempts: batch.length },
          'could not write the delivery log',
        );
      })
      .finally(() => {
        this.flushing.delete(write);
        for (const entry of batch) entry.done();
      });
    this.flushing.add(write);
  }
}
