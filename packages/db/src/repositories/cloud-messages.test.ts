import { randomBytes } from 'node:crypto';
import { createLogger } from '@wagate/observability';
import { describe, expect, test } from '@wagate/test-servers';
import { afterAll, beforeAll } from 'vitest';
import { type Database, type DatabaseHandle, openDatabase } from '../client';
import { SecretBox } from '../secret-box';
import { CloudAccountsRepository } from './cloud-accounts';
import { CloudMessagesRepository, statusMayMove } from './cloud-messages';

const log = createLogger({ service: 'db-test', level: 'silent', format: 'json' });
const secretBox = SecretBox.fromEncodedKey(SecretBox.generateKey());
const uniqueId = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const phoneNumberId = () => `1${randomBytes(6).readUIntBE(0, 6)}`;

async function cloudAccount(db: Database): Promise<string> {
  const id = uniqueId('cloud');
  await new CloudAccountsRepository(db, secretBox).create({
    id,
    phoneNumberId: phoneNumberId(),
    accessToken: 'EAAG',
  });
  return id;
}

/** The same behaviour, checked on each driver (monolithic mode runs PGlite). */
const cases: Record<string, (db: Database) => Promise<void>> = {
  'maps the product id of a send to its wamid and records the command once': async (db) => {
    const repo = new CloudMessagesRepository(db);
    const accountId = await cloudAccount(db);
    const chatId = '16505551234@s.whatsapp.net';
    const outbound = {
      accountId,
      chatId,
      messageId: 'msg_1',
      commandId: 'cmd_1',
      sender: '15550783881@s.whatsapp.net',
      content: { type: 'text' as const, text: 'hi' },
      sentAt: 1_749_416_383,
    };
    const accepted = { ...outbound, op: 'message.send', wamid: 'wamid.A' };
    const other = { ...accepted, messageId: 'msg_3', commandId: 'cmd_3', wamid: 'wamid.C' };
    await repo.recordAccepted([accepted, other]);
    await repo.recordAccepted([accepted]);
    expect(
      await repo.processedCommands([
        { accountId, commandId: 'cmd_1' },
        { accountId, commandId: 'cmd_unknown' },
        { accountId, commandId: 'cmd_3' },
      ]),
    ).toEqual([
      { outcome: 'done', result: { wamid: 'wamid.A' } },
      undefined,
      { outcome: 'done', result: { wamid: 'wamid.C' } },
    ]);
    expect(await repo.wamidsOf(accountId, ['msg_1', 'wamid.inbound'])).toEqual(
      new Map([['msg_1', 'wamid.A']]),
    );
    expect(await repo.outboundByWamid(accountId, ['wamid.A', 'wamid.unknown'])).toEqual(
      new Map([['wamid.A', { chatId, messageId: 'msg_1', commandId: 'cmd_1', status: 'pending' }]]),
    );
    expect(await repo.message(accountId, chatId, 'msg_1')).toMatchObject({
      fromMe: true,
      type: 'text',
      content: { type: 'text', text: 'hi' },
      status: 'pending',
      sentAt: 1_749_416_383,
    });

    const failed = { ...outbound, messageId: 'msg_2', commandId: 'cmd_2' };
    const error = { code: 131009, message: 'Parameter value is not valid' };
    await repo.recordFailed({ ...failed, op: 'message.send', error });
    await repo.recordFailed({ ...failed, op: 'message.send', error });
    expect(await repo.message(accountId, chatId, 'msg_2')).toMatchObject({ status: 'failed', error });
    expect(await repo.processedCommands([{ accountId, commandId: 'cmd_2' }])).toEqual([
      { outcome: 'failed', result: { error } },
    ]);
  },

  'moves statuses forward only, so late and repeated statuses change nothing': async (db) => {
    const repo = new CloudMessagesRepository(db);
    const accountId = await cloudAccount(db);
    const chatId = '16505551234@s.whatsapp.net';
    for (const messageId of ['m1', 'm2']) {
      await repo.recordAccepted([
        {
          accountId,
          chatId,
          messageId,
          commandId: `cmd_${messageId}`,
          sender: 'me@s.whatsapp.net',
          content: { type: 'text', text: messageId },
          sentAt: 1,
          op: 'message.send',
          wamid: `wamid.${messageId}`,
        },
      ]);
    }
    await repo.applyStatuses(accountId, [
      { chatId, messageId: 'm1', status: 'read' },
      {
        chatId,
        messageId: 'm2',
        status: 'failed',
        error: { code: 131026, message: 'Message Undeliverable' },
      },
    ]);
    await repo.applyStatuses(accountId, [
      { chatId, messageId: 'm1', status: 'delivered' },
      { chatId, messageId: 'm2', status: 'delivered' },
    ]);
    expect((await repo.message(accountId, chatId, 'm1'))?.status).toBe('read');
    expect((await repo.message(accountId, chatId, 'm2'))?.status).toBe('failed');
    expect((await repo.message(accountId, chatId, 'm2'))?.error).toEqual({
      code: 131026,
      message: 'Message Undeliverable',
    });
    expect(statusMayMove('server', 'failed')).toBe(true);
    expect(statusMayMove('read', 'failed')).toBe(false);
  },

  'stores a received message once and finds the newest in a chat': async (db) => {
    const repo = new CloudMessagesRepository(db);
    const accountId = await cloudAccount(db);
    const chatId = '16505551234@s.whatsapp.net';
    const inbound = (id: string, sentAt: number) => ({
      accountId,
      chatId,
      id,
      sender: chatId,
      pushName: 'Lucía',
      content: { type: 'text' as const, text: 'olá' },
      sentAt,
      raw: { id },
    });
    expect(await repo.recordInbound(inbound('wamid.1', 10))).toBe(true);
    expect(await repo.recordInbound(inbound('wamid.1', 10))).toBe(false);
    expect(await repo.recordInbound(inbound('wamid.2', 20))).toBe(true);
    expect(await repo.has(accountId, chatId, 'wamid.2')).toBe(true);
    expect(await repo.latestReceived(accountId, chatId)).toBe('wamid.2');
  },

  'changes a cloud account status once and shares refresh rounds between replicas': async (db) => {
    const accounts = new CloudAccountsRepository(db, secretBox);
    const accountId = await cloudAccount(db);
    expect(await accounts.changeStatus(accountId, 'disconnected', 'token_expired')).toBe('pending');
    expect(await accounts.changeStatus(accountId, 'disconnected', 'token_expired')).toBeUndefined();
    expect((await accounts.get(accountId))?.account).toMatchObject({
      status: 'disconnected',
      statusReason: 'token_expired',
    });
    const due = new Date();
    const [first, second] = await Promise.all([
      accounts.claimDueForRefresh(due, 10_000),
      accounts.claimDueForRefresh(due, 10_000),
    ]);
    expect([...first!, ...second!].filter((id) => id === accountId)).toEqual([accountId]);
    expect(await accounts.claimDueForRefresh(new Date(Date.now() - 60_000), 10_000)).not.toContain(accountId);
  },
};

describe('cloud messages on PostgreSQL (postgres.js)', () => {
  for (const [name, run] of Object.entries(cases)) {
    test(name, async ({ scratchDatabase }) => {
      const handle = await openDatabase({ url: scratchDatabase.url, log, maxConnections: 5 });
      try {
        await handle.migrate();
        await run(handle.db);
      } finally {
        await handle.close();
      }
    });
  }
});

describe('cloud messages on PGlite', () => {
  let pglite: DatabaseHandle;
  beforeAll(async () => {
    pglite = await openDatabase({ dataDir: 'memory://', log });
    await pglite.migrate();
  });
  afterAll(async () => {
    await pglite?.close();
  });
  for (const [name, run] of Object.entries(cases)) test(name, async () => run(pglite.db));
});
