import { newId } from '@wagate/contracts';
import { and, count, desc, eq, gt, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../client';
import {
  type WebhookDeadLetterRow,
  type WebhookDeliveryRow,
  webhookDeadLetters,
  webhookDeliveries,
  webhookDispatchers,
  webhookOrderedJobs,
  webhooks,
} from '../schema';
import type { DeliveryAttemptRecord } from './webhooks';

/** One attempt for the delivery log, with the job message it belonged to. */
export interface LoggedAttempt extends Omit<DeliveryAttemptRecord, 'attempt'> {
  /** Stream sequence of the job in `WA_WEBHOOKS`. */
  jobSequence?: number | null;
  /** Its number; absent, it is counted when stored (attempts of the same job message so far + 1). */
  attempt?: number;
}

/** A job that will not be retried any more, for the dead-letter list. */
export interface DeadLetterInput {
  webhookId: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  accountId: string;
  /** The delivery job as it was in `WA_WEBHOOKS`. */
  job: unknown;
  reason: string;
  attempts: number;
}

/** A page of a list and the cursor of the next one (absent at the end). */
export interface DeliveryLogPage<T> {
  items: T[];
  nextCursor?: string;
}

/** An ordered job's claim: it may go now, must wait for older events of its chat, or is not queued. */
export type OrderedClaim = 'claimed' | 'waiting' | 'not_queued';

type OrderedJobRef = { webhookId: string; orderingKey: string; eventSequence: number };

function orderedJobIs(job: OrderedJobRef) {
  return and(
    eq(webhookOrderedJobs.webhookId, job.webhookId),
    eq(webhookOrderedJobs.orderingKey, job.orderingKey),
    eq(webhookOrderedJobs.eventSequence, job.eventSequence),
  );
}

/**
 * A page of rows ordered by id, newest first (ids are ULIDs, so by creation time); one row more
 * than `limit` tells whether a next page exists, and the last id is its cursor.
 */
function toPage<T extends { id: string }>(rows: T[], limit: number): DeliveryLogPage<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items.at(-1)!.id : undefined };
}

/**
 * The dispatcher's records in PostgreSQL: the delivery log (every attempt), dead letters, the
 * per-chat queue of ordered subscriptions, and the heartbeats of live dispatchers.
 *
 * @example
 * const log = new WebhookDeliveryLog(db);
 * await log.recordAttempts([{ webhookId, deliveryId, eventId, eventType, accountId, attempt: 1, outcome: 'delivered' }]);
 */
export class WebhookDeliveryLog {
  constructor(private readonly db: Database) {}

  /**
   * Writes attempts in one statement (the dispatcher groups the attempts of a few milliseconds).
   * The rows travel as one JSON parameter: building a statement with a parameter per column of
   * hundreds of rows costs more than the insert itself.
   */
  async recordAttempts(attempts: LoggedAttempt[]): Promise<void> {
    if (attempts.length === 0) return;
    const rows = attempts.map((attempt) => ({
      id: `att_${newId()}`,
      webhook_id: attempt.webhookId,
      delivery_id: attempt.deliveryId,
      event_id: attempt.eventId,
      event_type: attempt.eventType,
      account_id: attempt.accountId,
      attempt: attempt.attempt ?? null,
      outcome: attempt.outcome,
      status_code: attempt.statusCode ?? null,
      duration_ms: attempt.durationMs ?? null,
      response_snippet: attempt.responseSnippet ?? null,
      error: attempt.error ?? null,
      job_sequence: attempt.jobSequence ?? null,
    }));
    await this.db.execute(sql`
      insert into ${webhookDeliveries} (id, webhook_id, delivery_id, event_id, event_type, account_id,
        attempt, outcome, status_code, duration_ms, response_snippet, error, job_sequence)
      select r.id, r.webhook_id, r.delivery_id, r.event_id, r.event_type, r.account_id,
        coalesce(r.attempt, (select count(*) + 1 from ${webhookDeliveries} d
          where d.delivery_id = r.delivery_id and d.job_sequence = r.job_sequence)),
        r.outcome, r.status_code, r.duration_ms, r.response_snippet, r.error, r.job_sequence
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id text, webhook_id text,
        delivery_id text, event_id text, event_type text, account_id text, attempt integer,
        outcome text, status_code integer, duration_ms integer, response_snippet text, error text,
        job_sequence bigint)`);
  }

  /** How many attempts delivered one job message (`jobSequence`) of a delivery. */
  async attemptCount(deliveryId: string, jobSequence: number): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(webhookDeliveries)
      .where(
        and(eq(webhookDeliveries.deliveryId, deliveryId), eq(webhookDeliveries.jobSequence, jobSequence)),
      );
    return row?.n ?? 0;
  }

  /** Attempts to a subscription, newest first, optionally of one delivery; paged by `cursor`. */
  async listAttempts(
    webhookId: string,
    options: { limit: number; cursor?: string; deliveryId?: string },
  ): Promise<DeliveryLogPage<WebhookDeliveryRow>> {
    const rows = await this.db
      .select()
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.webhookId, webhookId),
          options.deliveryId ? eq(webhookDeliveries.deliveryId, options.deliveryId) : undefined,
          options.cursor ? lt(webhookDeliveries.id, options.cursor) : undefined,
        ),
      )
      .orderBy(desc(webhookDeliveries.id))
      .limit(options.limit + 1);
    return toPage(rows, options.limit);
  }

  /** The latest attempt of a delivery to a subscription (what a replay of it needs). */
  async latestAttempt(webhookId: string, deliveryId: string): Promise<WebhookDeliveryRow | undefined> {
    const [row] = await this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.deliveryId, deliveryId)))
      .orderBy(desc(webhookDeliveries.createdAt))
      .limit(1);
    return row;
  }

  /**
   * Records a dead letter; the same delivery dying again (after a redelivery) replaces its entry.
   * Returns false when it was recorded already and not redelivered since.
   */
  async recordDeadLetter(input: DeadLetterInput): Promise<boolean> {
    const rows = await this.db
      .insert(webhookDeadLetters)
      .values({ id: `dl_${newId()}`, ...input })
      .onConflictDoUpdate({
        target: webhookDeadLetters.deliveryId,
        set: {
          job: input.job,
          reason: input.reason,
          attempts: input.attempts,
          createdAt: new Date(),
          redeliveredAt: null,
        },
        setWhere: sql`${webhookDeadLetters.redeliveredAt} is not null`,
      })
      .returning({ id: webhookDeadLetters.id });
    return rows.length > 0;
  }

  /** Dead letters of a subscription, newest first; `pending` leaves out the redelivered ones. */
  async listDeadLetters(
    webhookId: string,
    options: { limit: number; cursor?: string; pending?: boolean },
  ): Promise<DeliveryLogPage<WebhookDeadLetterRow>> {
    const rows = await this.db
      .select()
      .from(webhookDeadLetters)
      .where(
        and(
          eq(webhookDeadLetters.webhookId, webhookId),
          options.pending ? isNull(webhookDeadLetters.redeliveredAt) : undefined,
          options.cursor ? lt(webhookDeadLetters.id, options.cursor) : undefined,
        ),
      )
      .orderBy(desc(webhookDeadLetters.id))
      .limit(options.limit + 1);
    return toPage(rows, options.limit);
  }

  /** One dead letter of a subscription. */
  async deadLetter(webhookId: string, id: string): Promise<WebhookDeadLetterRow | undefined> {
    const [row] = await this.db
      .select()
      .from(webhookDeadLetters)
      .where(and(eq(webhookDeadLetters.webhookId, webhookId), eq(webhookDeadLetters.id, id)));
    return row;
  }

  /** Makes dead letters pending again (their redelivery could not be queued). */
  async restoreDeadLetters(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .update(webhookDeadLetters)
      .set({ redeliveredAt: null })
      .where(sql`${webhookDeadLetters.id} in ${ids}`);
  }

  /** Marks dead letters redelivered; returns those that were not already (each is redelivered once). */
  async markRedelivered(webhookId: string, ids: string[] | 'all'): Promise<WebhookDeadLetterRow[]> {
    return this.db
      .update(webhookDeadLetters)
      .set({ redeliveredAt: new Date() })
      .where(
        and(
          eq(webhookDeadLetters.webhookId, webhookId),
          isNull(webhookDeadLetters.redeliveredAt),
          ids === 'all' ? undefined : sql`${webhookDeadLetters.id} in ${ids}`,
        ),
      )
      .returning();
  }

  /** Queues jobs of ordered subscriptions (before they are published; idempotent). */
  async enqueueOrdered(
    jobs: Array<{ webhookId: string; orderingKey: string; eventSequence: number; deliveryId: string }>,
  ): Promise<void> {
    if (jobs.length === 0) return;
    await this.db.insert(webhookOrderedJobs).values(jobs).onConflictDoNothing();
  }

  /**
   * Claims an ordered job for `leaseMs`: it succeeds only for the oldest job of its chat that no
   * other live dispatcher holds, so events of one chat go out one at a time and in order.
   */
  async claimOrdered(job: OrderedJobRef, instanceId: string, leaseMs: number): Promise<OrderedClaim> {
    const sameChat = and(
      eq(webhookOrderedJobs.webhookId, job.webhookId),
      eq(webhookOrderedJobs.orderingKey, job.orderingKey),
    );
    const claimed = await this.db
      .update(webhookOrderedJobs)
      .set({ leasedBy: instanceId, leasedUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
      .where(
        and(
          sameChat,
          eq(webhookOrderedJobs.eventSequence, job.eventSequence),
          sql`(${webhookOrderedJobs.leasedUntil} is null or ${webhookOrderedJobs.leasedUntil} < now() or ${webhookOrderedJobs.leasedBy} = ${instanceId})`,
          sql`${webhookOrderedJobs.eventSequence} = (select min(${webhookOrderedJobs.eventSequence}) from ${webhookOrderedJobs} where ${sameChat})`,
        ),
      )
      .returning({ deliveryId: webhookOrderedJobs.deliveryId });
    if (claimed.length > 0) return 'claimed';
    const [queued] = await this.db
      .select({ n: count() })
      .from(webhookOrderedJobs)
      .where(and(sameChat, eq(webhookOrderedJobs.eventSequence, job.eventSequence)));
    return (queued?.n ?? 0) > 0 ? 'waiting' : 'not_queued';
  }

  /** Gives up a claim after a failed attempt: the job stays the head of its chat. */
  async releaseOrdered(job: {
    webhookId: string;
    orderingKey: string;
    eventSequence: number;
  }): Promise<void> {
    await this.db
      .update(webhookOrderedJobs)
      .set({ leasedBy: null, leasedUntil: null })
      .where(orderedJobIs(job));
  }

  /** Removes a delivered or dead job from its chat's queue, letting the next one go. */
  async completeOrdered(job: {
    webhookId: string;
    orderingKey: string;
    eventSequence: number;
  }): Promise<void> {
    await this.db.delete(webhookOrderedJobs).where(orderedJobIs(job));
  }

  /** Notes that a subscription started failing (kept from the first failure until a success). */
  async markFailing(webhookId: string): Promise<Date | undefined> {
    const [row] = await this.db
      .update(webhooks)
      .set({ failingSince: sql`coalesce(${webhooks.failingSince}, now())` })
      .where(eq(webhooks.id, webhookId))
      .returning({ failingSince: webhooks.failingSince });
    return row?.failingSince ?? undefined;
  }

  /** Notes that a subscription delivers again. */
  async markHealthy(webhookId: string): Promise<void> {
    await this.db
      .update(webhooks)
      .set({ failingSince: null })
      .where(and(eq(webhooks.id, webhookId), isNotNull(webhooks.failingSince)));
  }

  /** Says this dispatcher is alive; returns how many dispatchers were seen within `liveMs`. */
  async heartbeat(instanceId: string, liveMs: number): Promise<number> {
    await this.db
      .insert(webhookDispatchers)
      .values({ instanceId })
      .onConflictDoUpdate({ target: webhookDispatchers.instanceId, set: { seenAt: sql`now()` } });
    await this.db
      .delete(webhookDispatchers)
      .where(lt(webhookDispatchers.seenAt, sql`now() - ${`${liveMs * 10} milliseconds`}::interval`));
    const [row] = await this.db
      .select({ n: count() })
      .from(webhookDispatchers)
      .where(gt(webhookDispatchers.seenAt, sql`now() - ${`${liveMs} milliseconds`}::interval`));
    return Math.max(1, row?.n ?? 1);
  }

  /** Removes this dispatcher from the live ones at a clean shutdown. */
  async leave(instanceId: string): Promise<void> {
    await this.db.delete(webhookDispatchers).where(eq(webhookDispatchers.instanceId, instanceId));
  }
}
