import { jidUser } from '@wagate/contracts';
import type { AccountsRepository, WebhookRow, WebhooksRepository } from '@wagate/db';
import type { SessionIdentity } from './webhook-filters';

interface Cached<T> {
  value: Promise<T>;
  loadedAt: number;
}

/**
 * Subscriptions and session identities read from PostgreSQL at most once per `ttlMs` per account,
 * so fan-out costs no query per event. A subscription created, changed or deleted through the API
 * takes effect within `ttlMs`; the delivery stage re-reads the subscription before each attempt,
 * so a disabled or deleted one receives nothing even inside that window.
 *
 * @example
 * const cache = new SubscriptionCache(webhooks, accounts, 1_000);
 * const subscriptions = await cache.subscriptionsOf('demo');
 */
export class SubscriptionCache {
  private readonly subscriptions = new Map<string, Cached<WebhookRow[]>>();
  private readonly identities = new Map<string, Cached<SessionIdentity>>();

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly accounts: AccountsRepository,
    private readonly ttlMs: number,
  ) {}

  /** Enabled subscriptions of an account: its own and the global ones. */
  subscriptionsOf(accountId: string): Promise<WebhookRow[]> {
    return this.cached(this.subscriptions, accountId, () => this.webhooks.enabledFor(accountId));
  }

  /** Who `me` is for an account: the user parts of its phone number and LID. */
  identityOf(accountId: string): Promise<SessionIdentity> {
    return this.cached(this.identities, accountId, async () => {
      const account = await this.accounts.get(accountId);
      const users = [account?.phoneNumber?.replace(/^\+/, ''), account?.lid]
        .filter((value): value is string => Boolean(value))
        .map(jidUser);
      return { users };
    });
  }

  private cached<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit && now - hit.loadedAt < this.ttlMs) return hit.value;
    // A real promise: drizzle's query builders run their query again on every `await`.
    const value = Promise.resolve().then(load);
    map.set(key, { value, loadedAt: now });
    // A failed load is not cached: the next event asks again.
    value.catch(() => {
      if (map.get(key)?.value === value) map.delete(key);
    });
    return value;
  }
}
