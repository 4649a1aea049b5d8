import type { AccountRow, CloudAccountsRepository } from '@wagate/db';
import type { GraphCredentials } from '../graph/graph-client';

/** A cloud account as the bridge works with it: plaintext credentials and the facts it needs. */
export interface CloudAccountView {
  accountId: string;
  disabled: boolean;
  status: AccountRow['status'];
  credentials: GraphCredentials;
  /** The app secret webhooks are signed with (accounts sharing it share a callback). */
  appSecret: string | null;
  /** The business number's JID, as `sender` of what it sends. */
  senderJid: string;
  /** Digits of the business number, to recognise it in webhooks. */
  phoneDigits: string | null;
  /** Messages per second Meta allows the number. */
  throughputPerSecond: number;
  /** Until when sends wait after a 130429 (ms since the epoch), as recorded. */
  backoffUntilMs: number | null;
  qualityRating: string | null;
  messagingLimit: string | null;
  /** Mark received messages read at once (the account's `autoRead` setting). */
  autoRead: boolean;
}

const digitsOf = (value: string | null | undefined) => {
  const digits = value?.replace(/\D/g, '') ?? '';
  return digits.length > 0 ? digits : null;
};

/**
 * Cloud accounts by id, with their credentials opened, cached for `ttlMs` so that a send costs no
 * extra query; `forget` drops an entry as soon as the bridge learns it is stale (an expired token).
 *
 * @example
 * const account = await directory.get('support');
 * await graph.sendMessage(account.credentials, body);
 */
export class CloudAccountDirectory {
  readonly #cache = new Map<string, { loadedAt: number; view: Promise<CloudAccountView | undefined> }>();

  constructor(
    private readonly accounts: CloudAccountsRepository,
    private readonly ttlMs: number,
  ) {}

  /** The account, from the cache when fresh enough; undefined for an unknown account. */
  get(accountId: string): Promise<CloudAccountView | undefined> {
    const cached = this.#cache.get(accountId);
    if (cached && Date.now() - cached.loadedAt < this.ttlMs) return cached.view;
    return this.fresh(accountId);
  }

  /** The account as stored now (and cached). */
  fresh(accountId: string): Promise<CloudAccountView | undefined> {
    const view = this.#load(accountId);
    this.#cache.set(accountId, { loadedAt: Date.now(), view });
    view.then(
      (loaded) => loaded ?? this.#cache.delete(accountId),
      () => this.#cache.delete(accountId),
    );
    return view;
  }

  /** Drops the cached entry. */
  forget(accountId: string): void {
    this.#cache.delete(accountId);
  }

  async #load(accountId: string): Promise<CloudAccountView | undefined> {
    const [row, credentials] = await Promise.all([
      this.accounts.get(accountId),
      this.accounts.credentials(accountId),
    ]);
    if (!row || !credentials) return undefined;
    const { account, cloud } = row;
    const phoneDigits = digitsOf(cloud.displayPhoneNumber) ?? digitsOf(account.phoneNumber);
    return {
      accountId,
      disabled: account.disabled,
      status: account.status,
      credentials: {
        phoneNumberId: credentials.phoneNumberId,
        apiVersion: credentials.apiVersion,
        accessToken: credentials.accessToken,
      },
      appSecret: credentials.appSecret,
      senderJid: `${phoneDigits ?? credentials.phoneNumberId}@s.whatsapp.net`,
      phoneDigits,
      throughputPerSecond: cloud.throughputPerSecond,
      backoffUntilMs: cloud.backoffUntilMs,
      qualityRating: cloud.qualityRating,
      messagingLimit: cloud.messagingLimit,
      autoRead: account.settings.autoRead ?? false,
    };
  }
}
