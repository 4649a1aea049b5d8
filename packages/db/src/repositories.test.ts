import { randomBytes } from 'node:crypto';
import { partitionOf } from '@wagate/contracts';
import { createLogger } from '@wagate/observability';
import { describe, expect, type ScratchDatabase, test } from '@wagate/test-servers';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { type Database, type DatabaseHandle, openDatabase, queryRows } from './client';
import { AccountExistsError, AccountsRepository } from './repositories/accounts';
import {
  applyAuthKeyWrites,
  claimPartitionFence,
  deleteAuthState,
  FencedAuthState,
  FencedOutError,
  JsonText,
  withPartitionFences,
} from './repositories/auth-state';
import { CloudAccountsRepository, maskSecret, PhoneNumberIdTakenError } from './repositories/cloud-accounts';
import { WebSessionStore } from './repositories/web-session-store';
import { SecretBox } from './secret-box';

const testLogger = () => createLogger({ service: 'db-test', level: 'silent', format: 'json' });

/** Opens the scratch database, migrates it, runs `work`, and closes it. */
async function withMigrated(
  scratch: ScratchDatabase,
  work: (handle: DatabaseHandle) => Promise<void>,
): Promise<void> {
  const handle = await openDatabase({ url: scratch.url, log: testLogger(), maxConnections: 5 });
  try {
    await handle.migrate();
    await work(handle);
  } finally {
    await handle.close();
  }
}

const uniqueId = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

const secretBox = SecretBox.fromEncodedKey(SecretBox.generateKey());

/** The same behaviour, checked on each driver. */
const repositoryCases: Record<string, (db: Database) => Promise<void>> = {
  'keeps cloud credentials sealed and opens them only on request': async (db) => {
    const repo = new CloudAccountsRepository(db, secretBox);
    const id = uniqueId('cloud');
    const phoneNumberId = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
    const created = await repo.create({
      id,
      name: 'Support',
      phoneNumberId,
      accessToken: 'EAAG-secret-token',
      appSecret: 'app-secret',
    });
    expect(created.account).toMatchObject({ id, kind: 'cloud', name: 'Support', status: 'pending' });
    expect(created.cloud.accessTokenCiphertext).not.toContain('EAAG');
    await expect(
      repo.create({ id: uniqueId('other'), phoneNumberId, accessToken: 'x' }),
    ).rejects.toBeInstanceOf(PhoneNumberIdTakenError);
    expect(await repo.credentials(id)).toMatchObject({
      phoneNumberId,
      accessToken: 'EAAG-secret-token',
      appSecret: 'app-secret',
      verifyToken: null,
    });
    await repo.update(id, { accessToken: 'EAAG-new-token', name: 'Customer Support' });
    expect((await repo.credentials(id))?.accessToken).toBe('EAAG-new-token');
    expect((await repo.byPhoneNumberId(phoneNumberId))?.account.name).toBe('Customer Support');
    await repo.recordFacts(id, { qualityRating: 'GREEN', verifiedName: 'Acme', messagingLimit: 'TIER_1K' });
    expect((await repo.get(id))?.cloud).toMatchObject({ qualityRating: 'GREEN', verifiedName: 'Acme' });
    expect(maskSecret('EAAG-new-token')).toBe('EAAG…oken');
  },

  'creates an account in its partition and refuses a duplicate id': async (db) => {
    const repo = new AccountsRepository(db, 128);
    const id = uniqueId('acc');
    const row = await repo.create({ id, kind: 'web', name: 'Demo' });
    expect(row).toMatchObject({
      id,
      kind: 'web',
      name: 'Demo',
      partition: partitionOf(id, 128),
      disabled: false,
    });
    expect(row.sessionStatus).toBe('disconnected');
    await expect(repo.create({ id, kind: 'web' })).rejects.toBeInstanceOf(AccountExistsError);
    expect(await repo.get(id)).toMatchObject({ id });
    expect(await repo.get(uniqueId('missing'))).toBeUndefined();
  },

  'lists the runnable accounts of some partitions and skips disabled ones': async (db) => {
    const repo = new AccountsRepository(db, 4);
    const ids = Array.from({ length: 12 }, () => uniqueId('run'));
    for (const id of ids) await repo.create({ id, kind: 'web' });
    const disabled = ids[0]!;
    await repo.update(disabled, { disabled: true });
    const partition = partitionOf(ids[1]!, 4);
    const runnable = await repo.listRunnable([partition]);
    const expected = ids.filter((id) => id !== disabled && partitionOf(id, 4) === partition);
    expect(
      runnable
        .map((row) => row.id)
        .filter((id) => ids.includes(id))
        .sort(),
    ).toEqual(expected.sort());
  },

  'records session state and deletes': async (db) => {
    const repo = new AccountsRepository(db);
    const id = uniqueId('state');
    await repo.create({ id, kind: 'web' });
    const connectedAt = new Date('2026-01-01T00:00:00Z');
    expect(
      await repo.updateSessionState(id, {
        sessionStatus: 'logged_in',
        status: 'active',
        phoneNumber: '15551234567',
        pushName: 'Ana',
        lastConnectedAt: connectedAt,
      }),
    ).toBe(true);
    expect(await repo.get(id)).toMatchObject({
      sessionStatus: 'logged_in',
      status: 'active',
      pushName: 'Ana',
      lastConnectedAt: connectedAt,
    });
    expect(await repo.delete(id)).toBe(true);
    expect(await repo.updateSessionState(id, { sessionStatus: 'connecting' })).toBe(false);
  },

  'fences auth-state writes by partition epoch': async (db) => {
    const partition = 1_000 + Math.floor(Math.random() * 1_000_000);
    const accountId = uniqueId('fence');
    expect(await claimPartitionFence(db, partition, 10, 'worker-a')).toBe(true);
    const oldOwner = new FencedAuthState(db, accountId, partition, 10);
    await oldOwner.writeCreds({ me: { id: '1@s.whatsapp.net' }, registrationId: 7 });
    await oldOwner.writeKeys([
      { category: 'pre-key', keyId: '1', value: { public: 'AQ==' } },
      { category: 'pre-key', keyId: '2', value: { public: 'Ag==' } },
    ]);
    expect(await oldOwner.readKeys('pre-key', ['1', '2', '3'])).toEqual({
      '1': { public: 'AQ==' },
      '2': { public: 'Ag==' },
    });

    // A stale claim cannot lower the fence; a newer owner raises it.
    expect(await claimPartitionFence(db, partition, 5, 'worker-c')).toBe(false);
    expect(await claimPartitionFence(db, partition, 11, 'worker-b')).toBe(true);

    await expect(oldOwner.writeCreds({ registrationId: 8 })).rejects.toBeInstanceOf(FencedOutError);
    await expect(
      oldOwner.writeKeys([{ category: 'pre-key', keyId: '1', value: null }]),
    ).rejects.toBeInstanceOf(FencedOutError);
    await expect(oldOwner.clear()).rejects.toBeInstanceOf(FencedOutError);

    const newOwner = new FencedAuthState(db, accountId, partition, 11);
    expect(await newOwner.readCreds()).toEqual({ me: { id: '1@s.whatsapp.net' }, registrationId: 7 });
    await newOwner.writeKeys([{ category: 'pre-key', keyId: '1', value: null }]);
    expect(await newOwner.readKeys('pre-key', ['1', '2'])).toEqual({ '2': { public: 'Ag==' } });
    await deleteAuthState(db, accountId);
    expect(await newOwner.readCreds()).toBeUndefined();
  },

  'queues a send with its pending message and chat once, records it sent, and publishes its events in order':
    async (db) => {
      const accountId = uniqueId('web');
      const commandId = uniqueId('cmd');
      const chatId = '15550001111@s.whatsapp.net';
      const queue = () =>
        WebSessionStore.enqueueOutbound(
          db,
          {
            accountId,
            commandId,
            partition: 5,
            op: 'message.send',
            messageId: 'MSG1',
            chatId,
            payload: { to: chatId, content: { type: 'text', text: 'hi' } },
            notBefore: new Date('2030-01-01T00:00:00Z'),
          },
          {
            sender: '15550002222@s.whatsapp.net',
            content: { type: 'text', text: 'hi' },
            mentions: ['15550003333@s.whatsapp.net'],
            sentAt: 1_700_000_000,
            chatType: 'contact',
          },
        );
      const queued = await queue();
      expect(queued).toMatchObject({ accountId, commandId, op: 'message.send', state: 'queued', chatId });
      expect(queued!.seq).toBeGreaterThan(0);
      expect(queued!.notBefore).toEqual(new Date('2030-01-01T00:00:00Z'));
      expect(await queue()).toBeUndefined();
      expect(await WebSessionStore.queuedOutbound(db, 5, [accountId])).toHaveLength(1);
      expect(await WebSessionStore.findMessage(db, accountId, 'MSG1', chatId)).toMatchObject({
        fromMe: true,
        status: 'pending',
        content: { type: 'text', text: 'hi' },
        mentions: ['15550003333@s.whatsapp.net'],
        sentAt: 1_700_000_000,
        commandId,
      });
      expect(await queryRows(db, sql`select id, type from chats where account_id = ${accountId}`)).toEqual([
        { id: chatId, type: 'contact' },
      ]);

      const recorded = await WebSessionStore.recordSent(db, accountId, commandId, {
        chatId,
        id: 'MSG1',
        raw: new JsonText('{"key":{"id":"MSG1"}}'),
        sentAt: 1_700_000_001,
      });
      expect(recorded).toEqual({
        sender: '15550002222@s.whatsapp.net',
        content: { type: 'text', text: 'hi' },
        quotedId: null,
        mentions: ['15550003333@s.whatsapp.net'],
      });
      expect(await WebSessionStore.queuedOutbound(db, 5, [accountId])).toEqual([]);
      expect(await WebSessionStore.findMessage(db, accountId, 'MSG1', chatId)).toMatchObject({
        status: 'server',
        raw: { key: { id: 'MSG1' } },
        sentAt: 1_700_000_001,
      });

      const events = ['first', 'second', 'third'].map((name) => ({
        partition: 5,
        accountId,
        msgId: `${accountId}:${name}`,
        event: { type: name },
        media: name === 'second' ? { chatId, messageId: 'MSG1', mediaId: 'media-1' } : null,
      }));
      const seqs = await WebSessionStore.addEvents(db, events);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      const pending = (await WebSessionStore.pendingEvents(db, 5, 500)).filter(
        (row) => row.accountId === accountId,
      );
      expect(pending.map((row) => [row.seq, row.msgId, row.event, row.media])).toEqual(
        events.map((event, index) => [seqs[index], event.msgId, event.event, event.media]),
      );
    },

  'writes and deletes signal keys in bulk, and reads the fences of several partitions at once': async (
    db,
  ) => {
    const accountId = uniqueId('keys');
    const [first, second] = [
      9_000 + Math.floor(Math.random() * 500),
      9_600 + Math.floor(Math.random() * 300),
    ];
    await claimPartitionFence(db, first!, 3_000_000_001, 'worker-a');
    await claimPartitionFence(db, second!, 12, 'worker-b');
    await withPartitionFences(db, [first!, second!, first!, 1_000_000], async (tx, epochOf) => {
      expect([epochOf(first!), epochOf(second!), epochOf(1_000_000)]).toEqual([3_000_000_001, 12, undefined]);
      await applyAuthKeyWrites(
        tx,
        accountId,
        ['1', '2', '3'].map((keyId) => ({ category: 'pre-key', keyId, value: { public: keyId } })),
        3_000_000_001,
      );
      await applyAuthKeyWrites(
        tx,
        accountId,
        [
          { category: 'pre-key', keyId: '1', value: null },
          { category: 'pre-key', keyId: '3', value: null },
          { category: 'pre-key', keyId: '2', value: new JsonText('{"public":"two"}') },
        ],
        3_000_000_001,
      );
    });
    const reader = new FencedAuthState(db, accountId, first!, 3_000_000_001);
    expect(await reader.readKeys('pre-key', ['1', '2', '3'])).toEqual({ '2': { public: 'two' } });
  },
};

describe('repositories on PostgreSQL (postgres.js)', () => {
  for (const [name, run] of Object.entries(repositoryCases)) {
    test(name, async ({ scratchDatabase }) => withMigrated(scratchDatabase, (handle) => run(handle.db)));
  }

  test('migrations are idempotent and safe to run concurrently', async ({ scratchDatabase }) => {
    const log = testLogger();
    const handles = await Promise.all(
      Array.from({ length: 3 }, () => openDatabase({ url: scratchDatabase.url, log })),
    );
    await Promise.all(handles.map((handle) => handle.migrate()));
    await handles[0]!.migrate();
    const tables = await handles[0]!.db.execute<{ count: number }>(
      sql`select count(*)::int as count from information_schema.tables where table_schema = 'public'`,
    );
    await Promise.all(handles.map((handle) => handle.close()));
    expect(Number((tables as unknown as Array<{ count: number }>)[0]?.count)).toBeGreaterThanOrEqual(18);
  });
});

describe('repositories on PGlite', () => {
  let pglite: DatabaseHandle;
  beforeAll(async () => {
    pglite = await openDatabase({ dataDir: 'memory://', log: testLogger() });
    await pglite.migrate();
    await pglite.migrate();
  });
  afterAll(async () => {
    await pglite?.close();
  });
  for (const [name, run] of Object.entries(repositoryCases)) {
    test(name, async () => run(pglite.db));
  }
});

describe('openDatabase', () => {
  test('names the database it cannot reach, without the password', async () => {
    await expect(
      openDatabase({ url: 'postgres://app:hunter2@127.0.0.1:1/nowhere', log: testLogger() }),
    ).rejects.toThrow(/cannot connect to the database at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/nowhere/);
    await expect(
      openDatabase({ url: 'postgres://app:hunter2@127.0.0.1:1/nowhere', log: testLogger() }),
    ).rejects.not.toThrow(/hunter2/);
  });
});

describe('SecretBox', () => {
  test('round-trips, and refuses tampering and the wrong key', () => {
    const box = SecretBox.fromEncodedKey(SecretBox.generateKey());
    const sealed = box.seal('EAAG-secret-token');
    expect(sealed).not.toContain('EAAG');
    expect(box.open(sealed)).toBe('EAAG-secret-token');
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    expect(() => box.open(tampered)).toThrow();
    expect(() => SecretBox.fromEncodedKey(SecretBox.generateKey()).open(sealed)).toThrow();
    expect(() => SecretBox.fromEncodedKey('short')).toThrow(/ENCRYPTION_KEY must be 32 bytes/);
  });
});
