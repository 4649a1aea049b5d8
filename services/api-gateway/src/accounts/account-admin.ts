import { randomUUID } from 'node:crypto';
import { newId } from '@wagate/contracts';
import {
  AccountExistsError,
  type AccountRow,
  AccountsRepository,
  type CloudAccount,
  type CloudAccountRow,
  CloudAccountsRepository,
  deleteAuthState,
  maskSecret,
  PhoneNumberIdTakenError,
  WebhooksRepository,
} from '@wagate/db';
import type { Logger } from '@wagate/observability';
import { ApiError } from '../http/errors';
import type { GatewayRouteDeps } from '../http/route-deps';
import { callCloudBridge, callWorker, sendCommand, unlessNoWorker } from '../http/worker-calls';
import type { AccountLookup } from '../sessions/account-lookup';

/** Business Cloud API credentials of a cloud account, as clients send them. */
export interface CloudCredentialsInput {
  phoneNumberId?: string;
  accessToken?: string;
  businessAccountId?: string | null;
  apiVersion?: string;
  verifyToken?: string | null;
  appSecret?: string | null;
}

export interface NewAccountInput {
  id?: string;
  /** How ids are generated when absent: ULIDs natively, UUIDs for seed 001. */
  idStyle?: 'ulid' | 'uuid';
  kind: 'web' | 'cloud';
  name?: string | null;
  phoneNumber?: string | null;
  disabled?: boolean;
  cloud?: CloudCredentialsInput;
}

export interface AccountChange {
  name?: string | null;
  phoneNumber?: string | null;
  disabled?: boolean;
  cloud?: CloudCredentialsInput;
}

/** An account with its cloud facts (secrets sealed), as the admin routes show it. */
export interface AdminAccount {
  account: AccountRow;
  cloud: CloudAccountRow | null;
}

/** The facts `POST /api/accounts/{id}/test` reports (seed 001). */
export interface AccountTestResult {
  connected: boolean;
  phone_number: string | null;
  display_phone_number: string | null;
  verified_name: string | null;
  quality_rating: string | null;
  messaging_limit: string | null;
  status: AccountRow['status'];
  error?: { code: number | string; message: string };
}

/**
 * Accounts administration behind every accounts API shape (native, seed 000's actions, seed 001's
 * REST): create, change (an enabled account reconnects), disable (offline across restarts),
 * enable, remove (session data kept unless asked), test with Meta.
 *
 * @example
 * const admin = new AccountAdmin(deps, lookup);
 * await admin.setDisabled('my-account', true);
 */
export class AccountAdmin {
  private readonly accounts: AccountsRepository;
  private readonly cloudAccounts: CloudAccountsRepository;
  private readonly webhooks: WebhooksRepository;

  constructor(
    private readonly deps: GatewayRouteDeps,
    private readonly lookup: AccountLookup,
  ) {
    this.accounts = new AccountsRepository(deps.db, deps.topology.partitions);
    this.cloudAccounts = new CloudAccountsRepository(deps.db, deps.secretBox, deps.topology.partitions);
    this.webhooks = new WebhooksRepository(deps.db, deps.secretBox);
  }

  async list(): Promise<AdminAccount[]> {
    const [rows, clouds] = await Promise.all([
      this.accounts.list({ limit: 10_000 }),
      this.cloudAccounts.list(),
    ]);
    const cloudOf = new Map(clouds.map((entry) => [entry.account.id, entry.cloud]));
    return rows.map((account) => ({ account, cloud: cloudOf.get(account.id) ?? null }));
  }

  async get(id: string): Promise<AdminAccount> {
    const account = await this.lookup.fresh(id);
    if (!account) throw new ApiError('not_found', `account "${id}" does not exist`);
    const cloud = account.kind === 'cloud' ? ((await this.cloudAccounts.get(id))?.cloud ?? null) : null;
    return { account, cloud };
  }

  async create(input: NewAccountInput): Promise<AdminAccount> {
    const id = input.id ?? (input.idStyle === 'uuid' ? randomUUID() : newId().toLowerCase());
    try {
      if (input.kind === 'cloud') {
        const cloud = input.cloud;
        if (!cloud?.phoneNumberId || !cloud.accessToken) {
          throw new ApiError('invalid_request', 'a cloud account needs phone_number_id and access_token');
        }
        const created: CloudAccount = await this.cloudAccounts.create({
          id,
          name: input.name ?? null,
          phoneNumber: input.phoneNumber ?? null,
          disabled: input.disabled ?? false,
          phoneNumberId: cloud.phoneNumberId,
          accessToken: cloud.accessToken,
          businessAccountId: cloud.businessAccountId ?? null,
          apiVersion: cloud.apiVersion,
          verifyToken: cloud.verifyToken ?? null,
          appSecret: cloud.appSecret ?? null,
        });
        this.lookup.forget(id);
        return { account: created.account, cloud: created.cloud };
      }
      const account = await this.accounts.create({
        id,
        kind: 'web',
        name: input.name ?? null,
        phoneNumber: input.phoneNumber ?? null,
        disabled: input.disabled ?? false,
      });
      this.lookup.forget(id);
      if (!account.disabled) await this.connect(account);
      return { account, cloud: null };
    } catch (error) {
      if (error instanceof AccountExistsError)
        throw new ApiError('conflict', `account "${id}" already exists`);
      if (error instanceof PhoneNumberIdTakenError) {
        throw new ApiError('conflict', `phone number id ${error.phoneNumberId} belongs to another account`);
      }
      throw error;
    }
  }

  /** Changes an account; an enabled web account reconnects with the new settings (seed 000). */
  async update(id: string, change: AccountChange): Promise<AdminAccount> {
    const current = await this.get(id);
    if (current.account.kind === 'cloud') {
      try {
        const updated = await this.cloudAccounts.update(id, {
          ...(change.name !== undefined ? { name: change.name } : {}),
          ...(change.phoneNumber !== undefined ? { phoneNumber: change.phoneNumber } : {}),
          ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
          ...change.cloud,
        });
        if (!updated) throw new ApiError('not_found', `account "${id}" does not exist`);
        this.lookup.forget(id);
        return { account: updated.account, cloud: updated.cloud };
      } catch (error) {
        if (error instanceof PhoneNumberIdTakenError) {
          throw new ApiError('conflict', `phone number id ${error.phoneNumberId} belongs to another account`);
        }
        throw error;
      }
    }
    if (change.cloud && Object.keys(change.cloud).length > 0) {
      throw new ApiError(
        'invalid_request',
        `account "${id}" is a web account; it has no Business API settings`,
      );
    }
    const account = await this.accounts.update(id, {
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.phoneNumber !== undefined ? { phoneNumber: change.phoneNumber } : {}),
      ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
    });
    this.lookup.forget(id);
    if (!account) throw new ApiError('not_found', `account "${id}" does not exist`);
    if (change.disabled === true && !current.account.disabled) await this.disconnect(account);
    else if (!account.disabled) await this.reconnect(account);
    return { account, cloud: null };
  }

  /** Disables (disconnects now, stays offline across restarts) or enables (connects now). */
  async setDisabled(id: string, disabled: boolean, log: Logger): Promise<AdminAccount> {
    const current = await this.get(id);
    const account = await this.accounts.update(id, { disabled });
    this.lookup.forget(id);
    if (!account) throw new ApiError('not_found', `account "${id}" does not exist`);
    if (account.kind === 'web') {
      if (disabled) await this.disconnect(account);
      else await this.connect(account);
    }
    log.info({ account_id: id }, disabled ? 'account disabled' : 'account enabled');
    return { account, cloud: current.cloud };
  }

  /**
   * Removes an account with its webhooks. A web session is stopped (with `logout`, its device is
   * unlinked first); its stored credentials stay unless `deleteSessionData` (seed 000).
   */
  async remove(
    id: string,
    options: { logout?: boolean; deleteSessionData?: boolean },
    log: Logger,
  ): Promise<void> {
    const { account } = await this.get(id);
    if (account.kind === 'web') {
      const logout = options.logout ?? options.deleteSessionData ?? false;
      await unlessNoWorker(() => callWorker(this.deps, id, 'session.stop', { logout }));
      if (options.deleteSessionData) await deleteAuthState(this.deps.db, id);
    }
    await this.webhooks.deleteAll(id);
    await this.accounts.delete(id);
    this.lookup.forget(id);
    log.info({ account_id: id }, 'account removed');
  }

  /** Checks the account: a cloud account with Meta (through the bridge), a web session's status. */
  async test(id: string): Promise<AccountTestResult> {
    const { account, cloud } = await this.get(id);
    if (account.kind === 'cloud') {
      const result = await callCloudBridge(this.deps, id, 'account.test', {});
      const fresh = await this.get(id);
      return {
        connected: result.connected,
        phone_number: result.phone_number ?? account.phoneNumber,
        display_phone_number: result.display_phone_number ?? cloud?.displayPhoneNumber ?? null,
        verified_name: result.verified_name,
        quality_rating: result.quality_rating,
        messaging_limit: result.messaging_limit,
        status: fresh.account.status,
        ...(result.error ? { error: result.error } : {}),
      };
    }
    const status = await callWorker(this.deps, id, 'session.status', {});
    return {
      connected: status.isLoggedIn,
      phone_number: status.phoneNumber,
      display_phone_number: status.phoneNumber,
      verified_name: status.pushName,
      quality_rating: null,
      messaging_limit: null,
      status: account.status,
    };
  }

  private async connect(account: AccountRow): Promise<void> {
    await sendCommand(this.deps, account.id, 'session.connect', {});
  }

  /** Best effort now; the disabled flag keeps the session offline when its worker restarts. */
  private async disconnect(account: AccountRow): Promise<void> {
    await unlessNoWorker(() => callWorker(this.deps, account.id, 'session.disconnect', {}));
  }

  /** Restarts a running session; with no worker running it, queues its connect instead. */
  private async reconnect(account: AccountRow): Promise<void> {
    if (!(await unlessNoWorker(() => callWorker(this.deps, account.id, 'session.restart', {})))) {
      await this.connect(account);
    }
  }
}

/** A secret as it may be shown: masked, or null. */
export function shownSecret(sealed: string | null, open: (sealed: string) => string): string | null {
  return sealed ? maskSecret(open(sealed)) : null;
}
