import { AccountsRepository, FencedAuthState } from '@wagate/db';
import { describe, expect, test, waitFor } from '@wagate/testing';
import { startEmulator } from '@wagate/wa-emulator';
import { callRpc, EventTap, linkedAccounts, startWorker, workerEnv } from '../testing/worker-harness';

describe('session lifecycle', () => {
  test('pairs by QR and by pairing code, survives a worker restart without pairing again, and logs out', async ({
    nats,
    database,
  }) => {
    const emulator = await startEmulator();
    const env = workerEnv({
      natsUrl: nats.url,
      namespace: nats.namespace,
      databaseUrl: database.url,
      wsUrl: emulator.wsUrl,
    });
    const accounts = new AccountsRepository(database.db, nats.topology.partitions);
    const bus = await nats.connect('test');
    let worker = await startWorker(env);
    const tap = new EventTap(bus);
    try {
      await accounts.create({ id: 'alice', kind: 'web', name: 'Alice' });
      const alicePhone = emulator.createPhone({ number: '15550001111', pushName: 'Alice' });
      const qr = await callRpc<{ qrCodes: string[]; timeoutSeconds: number; status: string }>(
        bus,
        'alice',
        'session.qr',
      );
      expect(qr).toMatchObject({ status: 'waiting_for_qr', timeoutSeconds: 60 });
      expect(qr.qrCodes).toHaveLength(1);
      await waitFor(() => tap.of('alice', 'session.qr').length > 0, { message: 'session.qr event' });
      await alicePhone.scanQr(qr.qrCodes[0]!);
      await waitFor(async () => (await accounts.get('alice'))?.sessionStatus === 'logged_in', {
        timeoutMs: 20_000,
        message: 'alice logged in after the QR scan',
      });
      expect(await accounts.get('alice')).toMatchObject({ phoneNumber: '15550001111', status: 'active' });
      expect(tap.of<{ status: string }>('alice', 'session.status').map((event) => event.status)).toEqual(
        expect.arrayContaining(['connecting', 'waiting_for_qr', 'connected', 'logged_in']),
      );
      expect(await callRpc(bus, 'alice', 'session.device')).toMatchObject({
        phoneNumber: '15550001111',
        deviceId: expect.any(Number),
      });

      await accounts.create({ id: 'bob', kind: 'web', name: 'Bob' });
      const bobPhone = emulator.createPhone({ number: '15550002222', pushName: 'Bob' });
      const pairing = await callRpc<{ code: string; timeoutSeconds: number }>(bus, 'bob', 'session.pair', {
        phoneNumber: '15550002222',
      });
      expect(pairing.code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
      expect(tap.of('bob', 'session.pairing_code')).toEqual([
        expect.objectContaining({ code: pairing.code, phoneNumber: '15550002222' }),
      ]);
      await bobPhone.enterPairingCode(pairing.code.replace('-', ''));
      await waitFor(async () => (await accounts.get('bob'))?.sessionStatus === 'logged_in', {
        timeoutMs: 20_000,
        message: 'bob logged in with the pairing code',
      });

      const aliceDevice = alicePhone.linkedDevices()[0]!;
      const socketsBefore = emulator.socketHistory(aliceDevice).length;
      await worker.shutdown();
      // A clean stop returns only once its sockets are closed: the next owner connects right after.
      expect(emulator.liveSockets(aliceDevice)).toBe(0);
      worker = await startWorker({ ...env, INSTANCE_ID: 'second-worker' });
      await waitFor(() => emulator.isConnected(aliceDevice), {
        timeoutMs: 20_000,
        message: 'alice back without pairing',
      });
      expect(emulator.socketHistory(aliceDevice).length).toBe(socketsBefore + 1);
      expect(alicePhone.linkedDevices()).toEqual([aliceDevice]);
      await waitFor(async () => (await accounts.get('alice'))?.sessionStatus === 'logged_in');

      const loggedOut = await callRpc<{ status: string; isLoggedIn: boolean }>(
        bus,
        'alice',
        'session.logout',
      );
      expect(loggedOut).toMatchObject({ status: 'disconnected', isLoggedIn: false });
      expect(alicePhone.linkedDevices()).toEqual([]);
      expect(await new FencedAuthState(database.db, 'alice', 0, 0).readCreds()).toBeUndefined();
      expect(emulator.maxConcurrentSocketsPerDevice).toBe(1);
    } finally {
      tap.close();
      await worker.shutdown();
      await emulator.close();
    }
  }, 120_000);

  test('a dropped socket reconnects; a replaced connection (440) is never fought; a device unlinked on the phone (401) is logged out and its credentials removed; a disabled account never connects', async ({
    nats,
    database,
  }) => {
    const emulator = await startEmulator();
    const env = workerEnv({
      natsUrl: nats.url,
      namespace: nats.namespace,
      databaseUrl: database.url,
      wsUrl: emulator.wsUrl,
    });
    const devices = await linkedAccounts(
      database.db,
      emulator,
      [
        { id: 'carol', number: '15550003333' },
        { id: 'dave', number: '15550004444' },
        { id: 'erin', number: '15550005555' },
      ],
      nats.topology.partitions,
    );
    const accounts = new AccountsRepository(database.db, nats.topology.partitions);
    await accounts.update('dave', { disabled: true });
    const bus = await nats.connect('test');
    const tap = new EventTap(bus);
    const worker = await startWorker(env);
    try {
      await waitFor(async () => (await accounts.get('carol'))?.sessionStatus === 'logged_in', {
        timeoutMs: 20_000,
        message: 'carol resumed from stored credentials',
      });
      await waitFor(async () => (await accounts.get('erin'))?.sessionStatus === 'logged_in', {
        timeoutMs: 20_000,
      });
      const erin = devices.get('erin')!;
      emulator.dropSocket(erin);
      await waitFor(() => emulator.socketHistory(erin).length === 2 && emulator.isConnected(erin), {
        timeoutMs: 20_000,
        message: 'erin reconnected after the drop',
      });
      emulator.replaceConnection(erin);
      await waitFor(async () => (await accounts.get('erin'))?.statusReason === 'connection_replaced', {
        message: 'erin stopped as replaced',
      });
      expect(emulator.liveSockets(erin)).toBe(0);
      expect((await accounts.get('erin'))?.sessionStatus).toBe('disconnected');

      emulator.phone('15550003333').unlinkDevice(devices.get('carol')!);
      await waitFor(async () => (await accounts.get('carol'))?.statusReason === 'logged_out', {
        message: 'carol logged out',
      });
      expect(await new FencedAuthState(database.db, 'carol', 0, 0).readCreds()).toBeUndefined();
      await waitFor(
        () =>
          tap.of<{ reason?: string }>('carol', 'session.status', (data) => data.reason === 'logged_out')
            .length > 0,
      );
      expect(emulator.socketHistory(devices.get('dave')!)).toHaveLength(0);
      expect((await accounts.get('dave'))?.sessionStatus).toBe('disconnected');
    } finally {
      tap.close();
      await worker.shutdown();
      await emulator.close();
    }
  }, 60_000);
});
