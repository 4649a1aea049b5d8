import { randomBytes } from 'node:crypto';
import { newId } from '@wagate/contracts';
import { and, asc, eq, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { type WebhookFilters, type WebhookRow, webhookDeliveries, webhooks } from '../schema';
import type { SecretBox } from '../secret-box';

/** A subscription with this URL exists already for the account. */
export class WebhookUrlTakenError extends Error {
  override readonly name = 'WebhookUrlTakenError';
  constructor(readonly url: string) {
    super(`a webhook for ${url} exists already for this account`);
  }
}

/** What a subscription update may change; absent fields stay as they are. */
export interface UpdateWebhookInput {
  url?: string;
  events?: string[];
  filters?: WebhookFilters;
  headers?: Record<string, string>;
  enabled?: boolean;
  rateLimitPerSecond?: number | null;
  ordered?: boolean;
}

export interface CreateWebhookInput {
  /** Null for a global subscription (every account). */
  accountId: string | null;
  url: string;
  events?: string[];
  filters?: WebhookFilters;
  headers?: Record<string, string>;
  /** Signing secret; a Standard Webhooks `whsec_` secret is generated when absent. */
  secret?: string;
  rateLimitPerSecond?: number | null;
  ordered?: boolean;
}

/** One attempt to deliver, for the delivery log. */
export interface DeliveryAttemptRecord {
  webhookId: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  accountId: string;
  attempt: number;
  outcome: 'delivered' | 'retrying' | 'failed' | 'filtered';
  statusCode?: number | null;
  durationMs?: number | null;
  responseSnippet?: string | null;
  error?: string | null;
}

/**
 * A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes.
 *
 * @example
 * generateWebhookSecret(); // 'whsec_…'
 */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Webhook subscriptions (secrets sealed at rest) and the delivery log.
 *
 * @example
 * const repo = new WebhooksRepository(db, secretBox);
 * const { webhook, secret } = await repo.create({ accountId: 'demo', url: 'https://example.com/hook' });
 */
export class WebhooksRepository {
  constructor(
    private readonly db: Database,
    private readonly secretBox: SecretBox,
  ) {}

  /** Creates a subscription; returns it with its plaintext secret (shown to the caller once). */
  async create(input: CreateWebhookInput): Promise<{ webhook: WebhookRow; secret: string }> {
    const secret = input.secret ?? generateWebhookSecret();
    const [webhook] = await this.db
      .insert(webhooks)
      .values({
        id: `wh_${newId()}`,
        accountId: input.accountId,
        url: input.url,
        events: input.events ?? [],
        filters: input.filters ?? {},
        headers: input.headers ?? {},
        secretCiphertext: this.secretBox.seal(secret),
        rateLimitPerSecond: input.rateLimitPerSecond ?? null,
        ordered: input.ordered ?? false,
      })
      .onConflictDoNothing()
      .returning();
    if (!webhook) throw new WebhookUrlTakenError(input.url);
    return { webhook, secret };
  }

  async get(id: string): Promise<WebhookRow | undefined> {
    const [row] = await this.db.select().from(webhooks).where(eq(webhooks.id, id));
    return row;
  }

  /**
   * Subscriptions in creation order: of one account (`accountId`), global ones (`accountId: null`),
   * or of several accounts (`accountIds`, with `global` to add the global ones).
   */
  list(
    scope: { accountId?: string | null; accountIds?: string[]; global?: boolean } = {},
  ): Promise<WebhookRow[]> {
    const conditions: SQL[] = [];
    if (scope.accountId === null) conditions.push(isNull(webhooks.accountId));
    else if (scope.accountId !== undefined) conditions.push(eq(webhooks.accountId, scope.accountId));
    if (scope.accountIds) {
      const own = scope.accountIds.length > 0 ? inArray(webhooks.accountId, scope.accountIds) : sql`false`;
      conditions.push(scope.global ? or(own, isNull(webhooks.accountId))! : own);
    }
    return this.db
      .select()
      .from(webhooks)
      .where(and(...conditions))
      .orderBy(asc(webhooks.createdAt), asc(webhooks.id));
  }

  /** Changes a subscription; undefined when it does not exist, `WebhookUrlTakenError` on a taken URL. */
  async update(id: string, patch: UpdateWebhookInput): Promise<WebhookRow | undefined> {
    try {
      const [row] = await this.db
        .update(webhooks)
        .set({
          ...patch,
          ...(patch.enabled === true ? { disabledReason: null, failingSince: null } : {}),
          updatedAt: new Date(),
        })
        .where(eq(webhooks.id, id))
        .returning();
      return row;
    } catch (error) {
      if (isUniqueViolation(error)) throw new WebhookUrlTakenError(patch.url ?? '');
      throw error;
    }
  }

  /** Deletes a subscription; false when it did not exist. */
  async delete(id: string): Promise<boolean> {
    const rows = await this.db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
    return rows.length > 0;
  }

  /** Deletes every subscription of an account (or every global one, for null); returns how many. */
  async deleteAll(accountId: string | null): Promise<number> {
    const rows = await this.db
      .delete(webhooks)
      .where(accountId === null ? isNull(webhooks.accountId) : eq(webhooks.accountId, accountId))
      .returning({ id: webhooks.id });
    return rows.length;
  }

  /** Enabled subscriptions that may receive events of an account: its own and the global ones. */
  enabledFor(accountId: string): Promise<WebhookRow[]> {
    return this.db
      .select()
      .from(webhooks)
      .where(
        and(eq(webhooks.enabled, true), or(eq(webhooks.accountId, accountId), isNull(webhooks.accountId))),
      );
  }

  /** The plaintext secret of a subscription. */
  secretOf(webhook: Pick<WebhookRow, 'secretCiphertext'>): string | undefined {
    return webhook.secretCiphertext ? this.secretBox.open(webhook.secretCiphertext) : undefined;
  }

  /** Turns a subscription off, e.g. after 410 Gone; returns false when it was already off. */
  async disable(id: string, reason: string): Promise<boolean> {
    const rows = await this.db
      .update(webhooks)
      .set({ enabled: false, disabledReason: reason, updatedAt: new Date() })
      .where(and(eq(webhooks.id, id), eq(webhooks.enabled, true)))
      .returning({ id: webhooks.id });
    return rows.length > 0;
  }

  async recordAttempt(record: DeliveryAttemptRecord): Promise<void> {
    await this.db.insert(webhookDeliveries).values({ id: `att_${newId()}`, ...record });
  }

  /** Attempts of one delivery, oldest first. */
  attemptsOf(deliveryId: string) {
    return this.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.deliveryId, deliveryId))
      .orderBy(sql`${webhookDeliveries.createdAt} asc`);
  }
}

/** PostgreSQL's unique_violation, through postgres.js or PGlite (possibly wrapped by drizzle). */
function isUniqueViolation(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: string }).code === '23505') return true;
  }
  return false;
}
