import { AccountsRepository, applyAuthKeyWrites, claimPartitionFence, withPartitionFence } from '@wagate/db';
import { describe, expect, test, testLogger } from '@wagate/testing';
import { PartitionWriter } from '../store/partition-writer';
import { AccountAuthState } from './account-auth-state';

const PARTITION = 0;
const EPOCH = 1;

describe('AccountAuthState', () => {
  test('reads that miss the cache at once all see the stored key, and a write made meanwhile wins', async ({
    database,
  }) => {
    const { db } = database;
    await new AccountsRepository(db, 8).create({ id: 'alice', kind: 'web', name: 'Alice' });
    expect(await claimPartitionFence(db, PARTITION, EPOCH, 'worker-a')).toBe(true);
    const stored = { counter: 7 };
    await withPartitionFence(db, PARTITION, EPOCH, (tx) =>
      applyAuthKeyWrites(tx, 'alice', [{ category: 'session', keyId: 'peer.0', value: stored }], EPOCH),
    );
    const writer = new PartitionWriter(db, PARTITION, EPOCH, testLogger('writer'), () => {});

    // A cold cache (as on the worker that just took the account over): every concurrent reader of
    // the session must get it, or Baileys starts a second Signal session next to the live one.
    const cold = await AccountAuthState.load(db, writer, 'alice');
    const reads = await Promise.all(
      Array.from({ length: 8 }, () => cold.state.keys.get('session', ['peer.0'])),
    );
    for (const read of reads) expect(read['peer.0']).toEqual(stored);

    const racing = await AccountAuthState.load(db, writer, 'alice');
    const read = racing.state.keys.get('session', ['peer.0']);
    const newer = { counter: 8 } as unknown as Uint8Array;
    racing.writeThrough({ session: { 'peer.0': newer } });
    expect((await read)['peer.0']).toBe(newer);
    await racing.settle();
  });
});
