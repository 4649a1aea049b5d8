import { applyAuthKeyWrites, type Database, deleteAuthState, upsertAuthCreds } from '@wagate/db';
import type { AuthenticationCreds, SignalDataTypeMap, SignalKeyStore } from '@whiskeysockets/baileys';
import { toStoredJson } from './account-auth-state';

/**
 * Imports the credentials of an already-linked Baileys device (and the keys named in `keys`) as
 * an account's auth state, replacing what it had. Runs unfenced: only while no worker runs the
 * account (migration from another gateway, test setup).
 *
 * @example
 * const { creds, keys } = emulator.provisionLinkedDevice('15550001111');
 * await importAuthState(db, 'demo', creds, keys);
 */
export async function importAuthState(
  db: Database,
  accountId: string,
  creds: AuthenticationCreds,
  keys?: SignalKeyStore,
): Promise<void> {
  await deleteAuthState(db, accountId);
  const writes: Array<{ category: string; keyId: string; value: unknown }> = [];
  if (keys && creds.myAppStateKeyId) {
    const category: keyof SignalDataTypeMap = 'app-state-sync-key';
    const found = await keys.get(category, [creds.myAppStateKeyId]);
    for (const [keyId, value] of Object.entries(found))
      writes.push({ category, keyId, value: toStoredJson(value) });
  }
  await db.transaction(async (tx) => {
    await upsertAuthCreds(tx as unknown as Database, accountId, toStoredJson(creds), 0);
    if (writes.length > 0) await applyAuthKeyWrites(tx as unknown as Database, accountId, writes, 0);
  });
}
