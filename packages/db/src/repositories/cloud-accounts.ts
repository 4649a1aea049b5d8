import { DEFAULT_PARTITION_COUNT, partitionOf } from '@wagate/contracts';
import { and, asc, eq, inArray, isNull, lt, ne, or } from 'drizzle-orm';
import type { Database } from '../client';
import { type AccountRow, accounts, type CloudAccountRow, cloudAccounts } from '../schema';
import type { SecretBox } from '../secret-box';
import { AccountExistsError } from './accounts';

/** A cloud account: its accounts row and its Business API facts (secrets still sealed). */
export interface CloudAccount {
  account: AccountRow;
  cloud: CloudAccountRow;
}

/** The plaintext credentials of a cloud account, for the bridge and the webhook receiver only. */
export interface CloudCredentials {
  phoneNumberId: string;
  businessAccountId: string | null;
  apiVersion: string;
  accessToken: string;
  verifyToken: string | null;
  appSecret: string | null;
}

export interface CreateCloudAccountInput {
  id: string;
  name?: string | null;
  phoneNumber?: string | null;
  disabled?: boolean;
  phoneNumberId: string;
  businessAccountId?: string | null;
  apiVersion?: string;
  accessToken: string;
  verifyToken?: string | null;
  appSecret?: string | null;
}

export type UpdateCloudAccountInput = Partial<Omit<CreateCloudAccountInput, 'id'>>;

/** Facts Meta reports about the number (test connection and periodic refresh). */
export interface CloudNumberFacts {
  displayPhoneNumber?: string | null;
  verifiedName?: string | null;
  qualityRating?: string | null;
  messagingLimit?: string | null;
  throughputPerSecond?: number;
}

/** The phone number id is registered to another account already. */
export class PhoneNumberIdTakenError extends Error {
  override readonly name = 'PhoneNumberIdTakenError';
  constructor(readonly phoneNumberId: string) {
    super(`phone number id ${phoneNumberId} belongs to another account`);
  }
}

/**
 * A token as it may be shown back: its first 4 and last 4 characters (seed 001 shows `EAAxxxx...`),
 * never the whole of it.
 *
 * @example
 * maskSecret('EAAGm0PX4ZCpsBAKZA'); // 'EAAG…AKZA'
 */
export function maskSecret(secret: string): string {
  return secret.length <= 8 ? '…' : `${secret.slice(0, 4)}…${secret.slice(-4)}`;
}

/**
 * Cloud (Business Cloud API) accounts: an accounts row of kind `cloud` plus `cloud_accounts`,
 * with the access token, verify token and app secret sealed at rest.
 *
 * @example
 * const repo = new CloudAccountsRepository(db, secretBox);
 * await repo.create({ id: 'support', phoneNumberId: '1065…', accessToken: 'EAAG…' });
 * const { accessToken } = (await repo.credentials('support'))!;
 */
export class CloudAccountsRepository {
  constructor(
    private readonly db: Database,
    private readonly secretBox: SecretBox,
    private readonly partitions: number = DEFAULT_PARTITION_COUNT,
  ) {}

  async create(input: CreateCloudAccountInput): Promise<CloudAccount> {
    return this.db.transaction(async (tx) => {
      const [account] = await tx
        .insert(accounts)
        .values({
          id: input.id,
          kind: 'cloud',
          name: input.name ?? null,
          phoneNumber: input.phoneNumber ?? null,
          disabled: input.disabled ?? false,
          partition: partitionOf(input.id, this.partitions),
          sessionStatus: 'disconnected',
        })
        .onConflictDoNothing({ target: accounts.id })
        .returning();
      if (!account) throw new AccountExistsError(input.id);
      const [cloud] = await tx
        .insert(cloudAccounts)
        .values({
          accountId: input.id,
          phoneNumberId: input.phoneNumberId,
          businessAccountId: input.businessAccountId ?? null,
          apiVersion: input.apiVersion ?? 'v21.0',
          accessTokenCiphertext: this.secretBox.seal(input.accessToken),
          verifyTokenCiphertext: input.verifyToken ? this.secretBox.seal(input.verifyToken) : null,
          appSecretCiphertext: input.appSecret ? this.secretBox.seal(input.appSecret) : null,
        })
        .onConflictDoNothing({ target: cloudAccounts.phoneNumberId })
        .returning();
      if (!cloud) throw new PhoneNumberIdTakenError(input.phoneNumberId);
      return { account, cloud };
    });
  }

  async get(accountId: string): Promise<CloudAccount | undefined> {
    const [row] = await this.db
      .select({ account: accounts, cloud: cloudAccounts })
      .from(cloudAccounts)
      .innerJoin(accounts, eq(accounts.id, cloudAccounts.accountId))
      .where(eq(cloudAccounts.accountId, accountId));
    return row;
  }

  async byPhoneNumberId(phoneNumberId: string): Promise<CloudAccount | undefined> {
    const [row] = await this.db
      .select({ account: accounts, cloud: cloudAccounts })
      .from(cloudAccounts)
      .innerJoin(accounts, eq(accounts.id, cloudAccounts.accountId))
      .where(eq(cloudAccounts.phoneNumberId, phoneNumberId));
    return row;
  }

  /** Every cloud account, in id order. */
  list(): Promise<CloudAccount[]> {
    return this.db
      .select({ account: accounts, cloud: cloudAccounts })
      .from(cloudAccounts)
      .innerJoin(accounts, eq(accounts.id, cloudAccounts.accountId))
      .orderBy(accounts.id);
  }

  /** The plaintext credentials; undefined for an unknown account. */
  async credentials(accountId: string): Promise<CloudCredentials | undefined> {
    const row = await this.get(accountId);
    if (!row) return undefined;
    const { cloud } = row;
    return {
      phoneNumberId: cloud.phoneNumberId,
      businessAccountId: cloud.businessAccountId,
      apiVersion: cloud.apiVersion,
      accessToken: this.secretBox.open(cloud.accessTokenCiphertext),
      verifyToken: cloud.verifyTokenCiphertext ? this.secretBox.open(cloud.verifyTokenCiphertext) : null,
      appSecret: cloud.appSecretCiphertext ? this.secretBox.open(cloud.appSecretCiphertext) : null,
    };
  }

  /** Changes settings and credentials; given secrets are sealed. Undefined for an unknown account. */
  async update(accountId: string, patch: UpdateCloudAccountInput): Promise<CloudAccount | undefined> {
    return this.db.transaction(async (tx) => {
      const accountPatch = {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.phoneNumber !== undefined ? { phoneNumber: patch.phoneNumber } : {}),
        ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
      };
      const [account] = await tx
        .update(accounts)
        .set({ ...accountPatch, updatedAt: new Date() })
        .where(and(eq(accounts.id, accountId), eq(accounts.kind, 'cloud')))
        .returning();
      if (!account) return undefined;
      const cloudPatch = {
        ...(patch.phoneNumberId !== undefined ? { phoneNumberId: patch.phoneNumberId } : {}),
        ...(patch.businessAccountId !== undefined ? { businessAccountId: patch.businessAccountId } : {}),
        ...(patch.apiVersion !== undefined ? { apiVersion: patch.apiVersion } : {}),
        ...(patch.accessToken !== undefined
          ? { accessTokenCiphertext: this.secretBox.seal(patch.accessToken) }
          : {}),
        ...(patch.verifyToken !== undefined
          ? { verifyTokenCiphertext: patch.verifyToken ? this.secretBox.seal(patch.verifyToken) : null }
          : {}),
        ...(patch.appSecret !== undefined
          ? { appSecretCiphertext: patch.appSecret ? this.secretBox.seal(patch.appSecret) : null }
          : {}),
      };
      const [cloud] =
        Object.keys(cloudPatch).length > 0
          ? await tx
              .update(cloudAccounts)
              .set(cloudPatch)
              .where(eq(cloudAccounts.accountId, accountId))
              .returning()
          : await tx.select().from(cloudAccounts).where(eq(cloudAccounts.accountId, accountId));
      return cloud ? { account, cloud } : undefined;
    });
  }

  /** Records what Meta said about the number, and when. */
  async recordFacts(accountId: string, facts: CloudNumberFacts): Promise<void> {
    await this.db
      .update(cloudAccounts)
      .set({ ...facts, lastCheckedAt: new Date() })
      .where(eq(cloudAccounts.accountId, accountId));
  }

  /**
   * Moves the account to `status` unless it is there already, and returns the status it left; undefined
   * when nothing changed or the account is unknown, so that one change yields one event.
   */
  async changeStatus(
    accountId: string,
    status: AccountRow['status'],
    reason: string | null,
  ): Promise<AccountRow['status'] | undefined> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx
        .select({ status: accounts.status })
        .from(accounts)
        .where(and(eq(accounts.id, accountId), eq(accounts.kind, 'cloud')))
        .for('update');
      if (!current || current.status === status) return undefined;
      await tx
        .update(accounts)
        .set({ status, statusReason: reason, updatedAt: new Date() })
        .where(and(eq(accounts.id, accountId), ne(accounts.status, status)));
      return current.status;
    });
  }

  /**
   * Claims up to `limit` enabled accounts whose facts were last checked before `checkedBefore` (or
   * never) by stamping them checked now; replicas that claim at the same time get different accounts.
   */
  async claimDueForRefresh(checkedBefore: Date, limit: number): Promise<string[]> {
    const stale = or(isNull(cloudAccounts.lastCheckedAt), lt(cloudAccounts.lastCheckedAt, checkedBefore));
    const due = this.db
      .select({ accountId: cloudAccounts.accountId })
      .from(cloudAccounts)
      .innerJoin(accounts, eq(accounts.id, cloudAccounts.accountId))
      .where(and(eq(accounts.disabled, false), stale))
      .orderBy(asc(cloudAccounts.lastCheckedAt))
      .limit(limit)
      .for('update', { of: cloudAccounts, skipLocked: true });
    const claimed = await this.db
      .update(cloudAccounts)
      .set({ lastCheckedAt: new Date() })
      // Checked again on the row as it is now: a replica that claimed it meanwhile stamped it.
      .where(and(inArray(cloudAccounts.accountId, due), stale))
      .returning({ accountId: cloudAccounts.accountId });
    return claimed.map((row) => row.accountId);
  }

  /** Holds every send of the number until `untilMs` (Meta's 130429 global backoff). */
  async setBackoff(accountId: string, untilMs: number | null): Promise<void> {
    await this.db
      .update(cloudAccounts)
      .set({ backoffUntilMs: untilMs })
      .where(eq(cloudAccounts.accountId, accountId));
  }
}
