import {
  type AuthenticationCreds,
  type AuthenticationState,
  initAuthCreds,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from '@whiskeysockets/baileys';

/**
 * A Signal key store held in memory: one map per key type.
 *
 * @example
 * const { state } = createMemoryAuthState(creds, new MemorySignalKeyStore());
 */
export class MemorySignalKeyStore implements SignalKeyStore {
  private readonly data = new Map<string, Map<string, unknown>>();

  get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]): { [id: string]: SignalDataTypeMap[T] } {
    const bucket = this.data.get(type);
    const found: { [id: string]: SignalDataTypeMap[T] } = {};
    for (const id of ids) {
      const value = bucket?.get(id);
      if (value !== undefined) {
        found[id] = value as SignalDataTypeMap[T];
      }
    }
    return found;
  }

  set(data: SignalDataSet): void {
    for (const [type, entries] of Object.entries(data)) {
      const bucket = this.data.get(type) ?? new Map<string, unknown>();
      this.data.set(type, bucket);
      for (const [id, value] of Object.entries(entries ?? {})) {
        if (value === null || value === undefined) {
          bucket.delete(id);
        } else {
          bucket.set(id, value);
        }
      }
    }
  }

  clear(): void {
    this.data.clear();
  }
}

/**
 * Baileys auth state kept in memory, with the `saveCreds` callback Baileys apps wire to `creds.update`.
 *
 * @example
 * const { state, saveCreds } = createMemoryAuthState();
 * sock.ev.on('creds.update', saveCreds);
 */
export interface MemoryAuthState {
  readonly state: AuthenticationState;
  /** Nothing to persist in memory; kept so the state drops into code written for file or DB stores. */
  saveCreds(): Promise<void>;
}

/**
 * Creates (or resumes, given `creds` and `keys`) an in-memory Baileys auth state, for tests and
 * demos that do not need to survive the process.
 *
 * @example
 * const { state } = createMemoryAuthState();
 * const sock = makeWASocket({ ...baileysSocketConfig(emulator), auth: state });
 */
export const createMemoryAuthState = (
  creds: AuthenticationCreds = initAuthCreds(),
  keys: SignalKeyStore = new MemorySignalKeyStore(),
): MemoryAuthState => ({
  state: { creds, keys },
  saveCreds: async () => {},
});
