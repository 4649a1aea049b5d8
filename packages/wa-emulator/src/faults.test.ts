import { DisconnectReason } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type WaEmulator } from './emulator';
import type { EmulatedPhone } from './phone/emulated-phone';
import { proto } from './protocol/proto';
import { BaileysClient } from './testing/baileys-client';

describe('faults on demand', () => {
  let emulator: WaEmulator;
  let phone: EmulatedPhone;
  const open: BaileysClient[] = [];

  /** A freshly paired client of a new number. */
  const pairedClient = async (number: string): Promise<BaileysClient> => {
    phone = emulator.createPhone({ number, pushName: `User ${number}` });
    const client = new BaileysClient(emulator);
    open.push(client);
    await client.pairByQr(phone);
    return client;
  };

  /** The same device logging in again with its stored credentials. */
  const reconnect = async (client: BaileysClient): Promise<BaileysClient> => {
    const again = new BaileysClient(emulator, client.auth);
    open.push(again);
    await again.connect();
    return again;
  };

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    for (const client of open) {
      client.close();
    }
    await emulator.close();
  });

  it('drops a socket: Baileys reports 428 (connection closed) and can log in again', async () => {
    const client = await pairedClient('15550030001');
    const closed = client.nextDisconnect();
    emulator.dropSocket(client.jid);
    expect(await closed).toBe(DisconnectReason.connectionClosed);
    await reconnect(client);
    expect(emulator.socketHistory(client.jid).map((s) => s.endedBy)).toEqual(['dropped', undefined]);
  });

  it('replaces a connection: Baileys reports 440 (connection replaced)', async () => {
    const client = await pairedClient('15550030002');
    const closed = client.nextDisconnect();
    emulator.replaceConnection(client.jid);
    expect(await closed).toBe(DisconnectReason.connectionReplaced);
  });

  it('a second login of the same device replaces the first with 440 and is counted', async () => {
    const client = await pairedClient('15550030003');
    const before = emulator.maxConcurrentSocketsPerDevice;
    const closed = client.nextDisconnect();
    const second = await reconnect(client);
    expect(await closed).toBe(DisconnectReason.connectionReplaced);
    expect(emulator.maxConcurrentSocketsPerDevice).toBe(Math.max(before, 2));
    expect(emulator.liveSockets(second.jid)).toBe(1);
  });

  it('fails the next matching iq with the given code', async () => {
    const client = await pairedClient('15550030004');
    const group = await client.sock.groupCreate('Faulty', []);
    emulator.failNextIq(client.jid, { xmlns: 'w:g2', type: 'get' }, 500);
    await expect(client.sock.groupMetadata(group.id)).rejects.toMatchObject({ output: { statusCode: 500 } });
    expect((await client.sock.groupMetadata(group.id)).subject).toBe('Faulty');
  });

  it('delays answers', async () => {
    const client = await pairedClient('15550030005');
    emulator.delay(300, client.jid);
    const started = Date.now();
    await client.sock.onWhatsApp('15550030005');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    emulator.delay(0, client.jid);
  });

  it('refuses messages over the rate limit with 429, as WhatsApp anti-spam does', async () => {
    const client = await pairedClient('15550030006');
    emulator.setRateLimit(2);
    try {
      const refused = client.waitFor('messages.update', (updates) =>
        updates.some((u) => u.update.status === proto.WebMessageInfo.Status.ERROR),
      );
      for (let i = 0; i < 4; i++) {
        await client.sock.sendMessage('15550030001@s.whatsapp.net', { text: `burst ${i}` });
      }
      const [update] = await refused;
      expect(update!.update.messageStubParameters).toEqual(['429']);
    } finally {
      emulator.setRateLimit(undefined);
    }
  });

  it('bans a number: live sockets and later logins get 403', async () => {
    const client = await pairedClient('15550030007');
    const closed = client.nextDisconnect();
    emulator.ban('15550030007');
    expect(await closed).toBe(DisconnectReason.forbidden);
    await expect(reconnect(client)).rejects.toMatchObject({ output: { statusCode: 403 } });
  });

  it('logs out: the device is removed and refused with 401 afterwards', async () => {
    const client = await pairedClient('15550030008');
    const closed = client.nextDisconnect();
    await client.sock.logout();
    expect(await closed).toBe(DisconnectReason.loggedOut);
    await expect.poll(() => phone.linkedDevices()).toEqual([]);
    await expect(reconnect(client)).rejects.toMatchObject({ output: { statusCode: 401 } });
  });

  it('unlinking a device from the phone ends its socket with 401', async () => {
    const client = await pairedClient('15550030009');
    const closed = client.nextDisconnect();
    phone.unlinkDevice(client.jid);
    expect(await closed).toBe(DisconnectReason.loggedOut);
    await expect(reconnect(client)).rejects.toMatchObject({ output: { statusCode: 401 } });
  });
});
