import { AccountsRepository } from '@wagate/db';
import { describe, expect, test, waitFor } from '@wagate/testing';
import { startEmulator } from '@wagate/wa-emulator';
import { callRpc, EventTap, linkedAccounts, startWorker, workerEnv } from '../testing/worker-harness';

const CAROL = '15550003333@s.whatsapp.net';
const DAVE = '15550004444@s.whatsapp.net';

/** The error code of an RPC that must fail. */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? 'no code';
  }
  throw new Error('the RPC succeeded');
}

describe('web RPCs', () => {
  test('groups, chats, contacts, profile, privacy and session control answer in the catalog shapes; errors carry its codes', async ({
    nats,
    database,
  }) => {
    const emulator = await startEmulator();
    await linkedAccounts(
      database.db,
      emulator,
      [{ id: 'alice', number: '15550001111' }],
      nats.topology.partitions,
    );
    emulator.createPhone({ number: '15550003333', pushName: 'Carol' });
    emulator.createPhone({ number: '15550004444', pushName: 'Dave' });
    const accounts = new AccountsRepository(database.db, nats.topology.partitions);
    const worker = await startWorker(
      workerEnv({
        natsUrl: nats.url,
        namespace: nats.namespace,
        databaseUrl: database.url,
        wsUrl: emulator.wsUrl,
      }),
    );
    const bus = await nats.connect('test');
    const tap = new EventTap(bus);
    try {
      await waitFor(async () => (await accounts.get('alice'))?.sessionStatus === 'logged_in', {
        timeoutMs: 20_000,
      });
      expect(await callRpc(bus, 'alice', 'session.status')).toMatchObject({
        status: 'logged_in',
        isLoggedIn: true,
        phoneNumber: '15550001111',
      });

      const group = await callRpc<{
        id: string;
        subject: string;
        participants: Array<{ id: string; role: string }>;
      }>(bus, 'alice', 'groups.create', { subject: 'Team', participants: [CAROL] });
      expect(group).toMatchObject({ subject: 'Team' });
      expect(group.participants).toEqual(
        expect.arrayContaining([
          { id: '15550001111@s.whatsapp.net', role: 'superadmin' },
          { id: CAROL, role: 'member' },
        ]),
      );
      const added = await callRpc<{ results: Array<{ jid: string; status: number }> }>(
        bus,
        'alice',
        'groups.participants',
        {
          groupId: group.id,
          action: 'add',
          participants: [DAVE],
        },
      );
      expect(added.results).toEqual([{ jid: DAVE, status: 200 }]);
      await callRpc(bus, 'alice', 'groups.participants', {
        groupId: group.id,
        action: 'promote',
        participants: [DAVE],
      });
      const updated = await callRpc<{ subject: string; description?: string; announce: boolean }>(
        bus,
        'alice',
        'groups.update',
        {
          groupId: group.id,
          subject: 'Team 2',
          description: 'the team',
          announce: true,
        },
      );
      expect(updated).toMatchObject({ subject: 'Team 2', description: 'the team', announce: true });
      const invite = await callRpc<{ code: string; link: string }>(bus, 'alice', 'groups.invite', {
        groupId: group.id,
      });
      expect(invite.link).toBe(`https://chat.whatsapp.com/${invite.code}`);
      const listed = await callRpc<{ groups: Array<{ id: string; subject: string }>; fetchedAt: string }>(
        bus,
        'alice',
        'groups.list',
        {
          refresh: true,
        },
      );
      expect(listed.groups.map((entry) => entry.id)).toContain(group.id);
      const cached = await callRpc<{ fetchedAt: string }>(bus, 'alice', 'groups.list');
      expect(cached.fetchedAt).toBe(listed.fetchedAt);
      expect(await callRpc(bus, 'alice', 'groups.get', { groupId: group.id })).toMatchObject({
        id: group.id,
        subject: 'Team 2',
      });
      await waitFor(
        () =>
          tap.of('alice', 'group.participants', (data: { action: string }) => data.action === 'promote')
            .length > 0,
        {
          message: 'group.participants event',
        },
      );
      await callRpc(bus, 'alice', 'groups.leave', { groupId: group.id });

      expect(await callRpc(bus, 'alice', 'chats.modify', { chatId: CAROL, action: 'archive' })).toEqual({
        ok: true,
      });
      expect(
        await callRpc(bus, 'alice', 'chats.modify', {
          chatId: CAROL,
          action: 'mute',
          muteUntil: 2_000_000_000,
        }),
      ).toEqual({
        ok: true,
      });
      expect(await callRpc(bus, 'alice', 'contacts.blocklist')).toEqual({ jids: [] });
      expect(await callRpc(bus, 'alice', 'contacts.picture', { jid: CAROL })).toEqual({ url: null });
      expect(await callRpc(bus, 'alice', 'presence.subscribe', { jid: CAROL })).toEqual({ ok: true });
      expect(await callRpc(bus, 'alice', 'privacy.get')).toMatchObject({ readreceipts: expect.any(String) });
      expect(await callRpc(bus, 'alice', 'profile.get')).toMatchObject({ name: 'alice' });

      expect(await failure(callRpc(bus, 'alice', 'groups.create', { subject: '' }))).toBe('invalid_request');
      expect(await failure(callRpc(bus, 'nobody', 'session.status'))).toBe('not_found');
      expect(await failure(callRpc(bus, 'alice', 'session.pair', { phoneNumber: '15550001111' }))).toBe(
        'conflict',
      );

      expect(await callRpc(bus, 'alice', 'session.disconnect')).toMatchObject({
        status: 'disconnected',
        isLoggedIn: false,
      });
      expect(await failure(callRpc(bus, 'alice', 'groups.list', { refresh: true }))).toBe('not_connected');
      expect((await accounts.get('alice'))?.statusReason).toBe('requested');
      await callRpc(bus, 'alice', 'session.connect');
      await waitFor(
        async () =>
          (await callRpc<{ status: string }>(bus, 'alice', 'session.status')).status === 'logged_in',
        {
          timeoutMs: 20_000,
        },
      );
      await callRpc(bus, 'alice', 'session.restart');
      await waitFor(
        async () =>
          (await callRpc<{ status: string }>(bus, 'alice', 'session.status')).status === 'logged_in',
        {
          timeoutMs: 20_000,
          message: 'logged in again after restart',
        },
      );
      expect(emulator.maxConcurrentSocketsPerDevice).toBe(1);
    } finally {
      tap.close();
      await worker.shutdown();
      await emulator.close();
    }
  }, 90_000);
});
