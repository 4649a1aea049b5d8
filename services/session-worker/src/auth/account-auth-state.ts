import type { Database } from '@wagate/db';
import { applyAuthKeyWrites, FencedAuthState, JsonText, type KeyWrite, upsertAuthCreds } from '@wagate/db';
import {
  type AuthenticationCreds,
  type AuthenticationState,
  BufferJSON,
  initAuthCreds,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from '@whiskeysockets/baileys';
import { proto } from '../sessions/whatsapp-proto';
import type { PartitionWriter } from '../store/partition-writer';

/** Baileys values → plain JSON for `jsonb` (Buffers become `{ type: 'Buffer', data }`). */
export const toStoredJson = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, BufferJSON.replacer));

/** Baileys values → JSON text for `jsonb`, serialized once (`toStoredJson` without the round trip). */
export const toStoredJsonText = (value: unknown): JsonText =>
  new JsonText(JSON.stringify(value, BufferJSON.replacer));

/** Stored JSON → Baileys values (Buffers restored). */
export const fromStoredJson = <T>(value: unknown): T =>
  JSON.parse(JSON.stringify(value), BufferJSON.reviver) as T;

function reviveKey<T extends keyof SignalDataTypeMap>(category: T, value: unknown): SignalDataTypeMap[T] {
  const revived = fromStoredJson<SignalDataTypeMap[T]>(value);
  if (category === 'app-state-sync-key' && revived) {
    return proto.Message.AppStateSyncKeyData.fromObject(revived as object) as unknown as SignalDataTypeMap[T];
  }
  return revived;
}

const RETRY_FLUSH_MS = 1_000;

/** A pending write: credentials, or key changes, stamped with the session's ordering sequence. */
type PendingWrite =
  | { seq: number; creds: true }
  | { seq: number; category: string; keyId: string; value: unknown };

/**
 * Decides when a write may become durable: the durable send gate says whether every inbound
 * stanza that arrived before `seq` is already stored (else a crash could persist a ratchet step
 * of a message that was never stored, and its redelivery could not be decrypted).
 */
export interface WriteOrdering {
  nextSeq(): number;
  durableUpTo(seq: number): boolean;
}

/**
 * The Baileys `AuthenticationState` of one account in PostgreSQL: credentials and Signal keys
 * (`BufferJSON`), with a write-through cache (reads never wait for the database once a key was
 * seen) and ordered, fenced writes through the partition's writer. Nothing is kept on disk, so any
 * worker can resume any account.
 *
 * @example
 * const auth = await AccountAuthState.load(db, writer, 'demo', ordering);
 * const sock = makeWASocket({ auth: auth.state, … });
 * sock.ev.on('creds.update', () => auth.credsChanged());
 */
export class AccountAuthState {
  readonly state: AuthenticationState;
  /** Whether credentials existed in the database (a resumable, paired session). */
  readonly resumed: boolean;
  private readonly cache = new Map<string, Map<string, unknown>>();
  private pending: PendingWrite[] = [];
  private inFlight: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private ordering: WriteOrdering;

  private constructor(
    private readonly reader: FencedAuthState,
    private readonly writer: PartitionWriter,
    creds: AuthenticationCreds,
    resumed: boolean,
  ) {
    this.resumed = resumed;
    this.ordering = { nextSeq: () => 0, durableUpTo: () => true };
    const keys: SignalKeyStore = {
      get: (type, ids) => this.getKeys(type, ids),
      set: (data) => this.setKeys(data),
      clear: async () => this.cache.clear(),
    };
    this.state = { creds, keys };
  }

  /** Reads the account's credentials (fresh ones, unsaved, when it has none: a new pairing). */
  static async load(db: Database, writer: PartitionWriter, accountId: string): Promise<AccountAuthState> {
    const reader = new FencedAuthState(db, accountId, writer.partition, writer.epoch);
    const stored = await reader.readCreds();
    const creds = stored ? fromStoredJson<AuthenticationCreds>(stored) : initAuthCreds();
    return new AccountAuthState(reader, writer, creds, Boolean(stored));
  }

  get accountId(): string {
    return this.reader.accountId;
  }

  /** Binds the ordering of the socket that now uses this state. */
  orderWith(ordering: WriteOrdering): void {
    this.ordering = ordering;
  }

  /** Baileys changed the credentials (in place): persist the whole object, in order. */
  credsChanged(): void {
    this.pending.push({ seq: this.ordering.nextSeq(), creds: true });
    this.requestFlush();
  }

  /** Writes that may now be durable are written; call when the send gate settled stanzas. */
  requestFlush(): void {
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    // One turn of the event loop later, so the key writes of one send (a session record per
    // device, each its own `keys.set`) become durable in one statement, not one transaction each.
    this.flushing = new Promise((resolve) => setImmediate(resolve))
      .then(() => this.flush())
      .catch(() => {
        // Not durable yet (the writer logged why, and reports fencing to the partition): try again.
        setTimeout(() => this.requestFlush(), RETRY_FLUSH_MS).unref();
      })
      .finally(() => {
        this.flushing = undefined;
        if (this.flushAgain) {
          this.flushAgain = false;
          this.requestFlush();
        }
      });
  }

  /** Resolves once every write allowed so far is durable (e.g. before closing the socket). */
  async settle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Highest ordering sequence through which every write is durable. */
  durableThrough(): number {
    const waiting = [...this.inFlight, ...this.pending];
    if (waiting.length === 0) return Number.POSITIVE_INFINITY;
    return Math.min(...waiting.map((write) => write.seq)) - 1;
  }

  /** Called after writes became durable (the send gate releases frames that waited for them). */
  onDurable: () => void = () => {};

  private async flush(): Promise<void> {
    const ready: PendingWrite[] = [];
    while (this.pending.length > 0 && this.ordering.durableUpTo(this.pending[0]!.seq)) {
      ready.push(this.pending.shift()!);
    }
    if (ready.length === 0) return;
    const keyWrites = new Map<string, KeyWrite>();
    let creds = false;
    for (const write of ready) {
      if ('creds' in write) creds = true;
      else keyWrites.set(`${write.category}\u0000${write.keyId}`, write);
    }
    const credsJson = creds ? toStoredJson(this.state.creds) : undefined;
    const accountId = this.accountId;
    this.inFlight = ready;
    try {
      await this.writer.run(async (tx) => {
        if (keyWrites.size > 0)
          await applyAuthKeyWrites(tx, accountId, [...keyWrites.values()], this.writer.epoch);
        if (credsJson !== undefined) await upsertAuthCreds(tx, accountId, credsJson, this.writer.epoch);
      });
    } catch (error) {
      // Not durable: keep them first in line; the writer reports fencing to the partition.
      this.pending.unshift(...ready);
      throw error;
    } finally {
      this.inFlight = [];
    }
    this.onDurable();
  }

  private async getKeys<T extends keyof SignalDataTypeMap>(
    type: T,
    ids: string[],
  ): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
    const bucket = this.bucket(type);
    const result: { [id: string]: SignalDataTypeMap[T] } = {};
    const missing: string[] = [];
    for (const id of ids) {
      if (bucket.has(id)) {
        const value = bucket.get(id);
        if (value !== null && value !== undefined) result[id] = value as SignalDataTypeMap[T];
      } else {
        missing.push(id);
      }
    }
    if (missing.length > 0) {
      const stored = await this.reader.readKeys(type, missing);
      for (const id of missing) {
        // A write or another read that finished while this one waited is at least as new as the
        // row read here: keep it, and answer with it (never "absent", which would make Baileys
        // start a fresh Signal session beside the one in use).
        if (!bucket.has(id)) bucket.set(id, stored[id] === undefined ? null : reviveKey(type, stored[id]));
        const value = bucket.get(id);
        if (value !== null && value !== undefined) result[id] = value as SignalDataTypeMap[T];
      }
    }
    return result;
  }

  /**
   * Writes key changes at once, even those Baileys makes inside a key transaction (which it would
   * hand over only when the transaction commits, after the message it encrypted was sent).
   *
   * @example
   * const set = sock.authState.keys.set.bind(sock.authState.keys);
   * sock.authState.keys.set = (data) => { auth.writeThrough(data); return set(data); };
   */
  writeThrough(data: SignalDataSet): void {
    this.setKeys(data);
  }

  private setKeys(data: SignalDataSet): void {
    const seq = this.ordering.nextSeq();
    for (const [category, entries] of Object.entries(data)) {
      const bucket = this.bucket(category);
      for (const [keyId, value] of Object.entries(entries ?? {})) {
        // The commit of a transaction repeats values already written through: nothing new.
        if (value !== null && value !== undefined && bucket.get(keyId) === value) continue;
        bucket.set(keyId, value ?? null);
        this.pending.push({
          seq,
          category,
          keyId,
          value: value === null || value === undefined ? null : toStoredJsonText(value),
        });
      }
    }
    this.requestFlush();
  }

  private bucket(category: string): Map<string, unknown> {
    let bucket = this.cache.get(category);
    if (!bucket) {
      bucket = new Map();
      this.cache.set(category, bucket);
    }
    return bucket;
  }
}
