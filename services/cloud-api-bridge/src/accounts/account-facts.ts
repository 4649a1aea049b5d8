import {
  type AccountStatus,
  type AccountStatusEvent,
  AccountStatusEvent as AccountStatusEventSchema,
  type CloudAccountTestResult,
} from '@wagate/contracts';
import type { CloudAccountsRepository } from '@wagate/db';
import type { Logger } from '@wagate/observability';
import { describeError } from '@wagate/runtime';
import type { BridgeEvents } from '../bridge-events';
import type { GraphClient } from '../graph/graph-client';
import { GraphApiError } from '../graph/graph-error';
import type { PhoneNumberFacts } from '../graph/graph-responses';
import type { CloudAccountDirectory, CloudAccountView } from './account-directory';

/** Meta's throughput levels (`throughput.level`) in messages per second. */
const THROUGHPUT_OF_LEVEL: Readonly<Record<string, number>> = { STANDARD: 80, HIGH: 1_000 };

/** What the account's admin status becomes for each status Meta reports of the number. */
function accountStatusOf(metaStatus: string | undefined): AccountStatus {
  switch (metaStatus) {
    case undefined:
    case 'CONNECTED':
    case 'FLAGGED':
      return 'active';
    case 'RESTRICTED':
    case 'BANNED':
    case 'RATE_LIMITED':
      return 'suspended';
    case 'PENDING':
    case 'UNVERIFIED':
      return 'pending';
    default:
      return 'disconnected';
  }
}

const QualityRating = AccountStatusEventSchema.shape.qualityRating.unwrap();
const qualityOf = (rating: string | null | undefined) => {
  const parsed = QualityRating.safeParse(rating);
  return parsed.success ? parsed.data : rating ? 'UNKNOWN' : undefined;
};

/** The account status and reason a Graph failure stands for, or undefined when it says nothing. */
function statusAfterFailure(error: GraphApiError): { status: AccountStatus; reason: string } | undefined {
  switch (error.kind) {
    case 'token':
      return { status: 'disconnected', reason: 'token_expired' };
    case 'restricted':
      return { status: 'suspended', reason: 'restricted' };
    case 'permanent':
      return { status: 'disconnected', reason: `meta_error_${error.code}` };
    default:
      return undefined;
  }
}

/**
 * What Meta says of each cloud account's number, kept in the database and announced: the test
 * connection of seed 001, the periodic refresh of quality rating, messaging limit, throughput and
 * status, and status changes learnt from failed sends (an expired token marks the account
 * `disconnected`). Every change is one `account.status` event.
 *
 * @example
 * const result = await facts.test('support'); // { connected: true, verified_name: 'Jaspers Market', … }
 */
export class AccountFacts {
  constructor(
    private readonly deps: {
      graph: GraphClient;
      accounts: CloudAccountsRepository;
      directory: CloudAccountDirectory;
      events: BridgeEvents;
      log: Logger;
    },
  ) {}

  /**
   * Checks the credentials with Meta now, records the facts and answers as seed 001's test
   * connection; undefined for an unknown account.
   */
  async test(accountId: string): Promise<CloudAccountTestResult | undefined> {
    const account = await this.deps.directory.fresh(accountId);
    if (!account) return undefined;
    let facts: PhoneNumberFacts;
    try {
      facts = await this.deps.graph.phoneNumber(account.credentials);
    } catch (error) {
      if (!(error instanceof GraphApiError)) throw error;
      await this.failed(account, error);
      return {
        connected: false,
        phone_number: account.phoneDigits ? `+${account.phoneDigits}` : null,
        display_phone_number: null,
        verified_name: null,
        quality_rating: account.qualityRating,
        messaging_limit: account.messagingLimit,
        error: error.toFailure(),
      };
    }
    await this.#record(account, facts);
    const digits = facts.display_phone_number?.replace(/\D/g, '');
    return {
      connected: true,
      phone_number: digits ? `+${digits}` : null,
      display_phone_number: facts.display_phone_number ?? null,
      verified_name: facts.verified_name ?? null,
      quality_rating: facts.quality_rating ?? null,
      messaging_limit: messagingLimitOf(facts),
    };
  }

  /** The periodic refresh of one account; failures are logged, not thrown. */
  async refresh(accountId: string): Promise<void> {
    try {
      await this.test(accountId);
    } catch (error) {
      this.deps.log.warn(
        { account: accountId, err: describeError(error) },
        'refreshing account facts failed',
      );
    }
  }

  /** A send or check failed in a way that says something of the account (token, restriction). */
  async failed(account: CloudAccountView, error: GraphApiError): Promise<void> {
    const change = statusAfterFailure(error);
    if (!change) return;
    this.deps.directory.forget(account.accountId);
    await this.#changeStatus(account, change.status, change.reason, { error: error.toFailure() });
  }

  /** A send went through: an account that was not active is again. */
  async succeeded(account: CloudAccountView): Promise<void> {
    if (account.status === 'active') return;
    this.deps.directory.forget(account.accountId);
    await this.#changeStatus(account, 'active', 'connected', {});
  }

  async #record(account: CloudAccountView, facts: PhoneNumberFacts): Promise<void> {
    const messagingLimit = messagingLimitOf(facts);
    const throughput = facts.throughput ? THROUGHPUT_OF_LEVEL[facts.throughput.level] : undefined;
    await this.deps.accounts.recordFacts(account.accountId, {
      displayPhoneNumber: facts.display_phone_number ?? null,
      verifiedName: facts.verified_name ?? null,
      qualityRating: facts.quality_rating ?? null,
      messagingLimit,
      ...(throughput ? { throughputPerSecond: throughput } : {}),
    });
    this.deps.directory.forget(account.accountId);
    const changed = [
      facts.quality_rating !== undefined && facts.quality_rating !== account.qualityRating
        ? 'quality_changed'
        : '',
      messagingLimit !== null && messagingLimit !== account.messagingLimit ? 'messaging_limit_changed' : '',
    ].filter(Boolean);
    const status = accountStatusOf(facts.status);
    const statusChanged = await this.#changeStatus(
      account,
      status,
      facts.status?.toLowerCase() ?? 'connected',
      {
        qualityRating: qualityOf(facts.quality_rating),
        messagingLimit: messagingLimit ?? undefined,
      },
    );
    // The first check of an account only learns the facts; later ones announce their changes.
    const known = account.qualityRating !== null || account.messagingLimit !== null;
    if (!statusChanged && known && changed.length > 0) {
      await this.#announce(account.accountId, {
        status,
        reason: changed.join(','),
        qualityRating: qualityOf(facts.quality_rating),
        messagingLimit: messagingLimit ?? undefined,
      });
    }
  }

  /** Moves the account's status and announces it; false when it was there already. */
  async #changeStatus(
    account: CloudAccountView,
    status: AccountStatus,
    reason: string,
    extra: Partial<AccountStatusEvent>,
  ): Promise<boolean> {
    const previousStatus = await this.deps.accounts.changeStatus(account.accountId, status, reason);
    if (previousStatus === undefined) return false;
    this.deps.log.info(
      { account: account.accountId, status, previousStatus, reason },
      'cloud account status changed',
    );
    await this.#announce(account.accountId, { ...extra, status, previousStatus, reason });
    return true;
  }

  async #announce(accountId: string, event: AccountStatusEvent): Promise<void> {
    await this.deps.events.publish('account.status', accountId, event);
  }
}

/** Meta's current messaging-limit field, else the legacy tier (seed 001 shows `TIER_1K`). */
function messagingLimitOf(facts: PhoneNumberFacts): string | null {
  return facts.whatsapp_business_manager_messaging_limit ?? facts.messaging_limit_tier ?? null;
}
