import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type WaEmulator } from '../emulator';
import { createMemoryAuthState } from '../phone/memory-auth-state';
import { BaileysClient } from '../testing/baileys-client';

describe('pairing and login', () => {
  let emulator: WaEmulator;
  const clients: BaileysClient[] = [];

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    for (const client of clients) {
      client.close();
    }
    await emulator.close();
  });

  it('pairs a client by QR, restarts after 515 and opens with the app-state key', async () => {
    const phone = emulator.createPhone({ number: '15550000001', pushName: 'Alice' });
    const client = new BaileysClient(emulator);
    clients.push(client);
    await client.pairByQr(phone);

    expect(client.disconnects).toEqual([515]);
    expect(client.jid).toBe('15550000001:1@s.whatsapp.net');
    expect(client.auth.state.creds.myAppStateKeyId).toBeTruthy();
    expect(phone.linkedDevices()).toEqual(['15550000001:1@s.whatsapp.net']);
    expect(emulator.isConnected(client.jid)).toBe(true);
  });

  it('pairs a client by pairing code', async () => {
    const phone = emulator.createPhone({ number: '15550000002', pushName: 'Bob' });
    const client = new BaileysClient(emulator);
    clients.push(client);
    await client.pairByCode(phone);

    expect(client.jid).toBe('15550000002:1@s.whatsapp.net');
    expect(client.auth.state.creds.myAppStateKeyId).toBeTruthy();
  });

  it('logs in again with stored credentials', async () => {
    const [first] = clients;
    first!.close();
    const again = new BaileysClient(emulator, first!.auth);
    clients.push(again);
    await again.connect();
    expect(emulator.socketHistory(again.jid)).toHaveLength(2);
    expect(emulator.maxConcurrentSocketsPerDevice).toBe(1);
  });

  it('answers the keepalive ping Baileys sends every keepAliveIntervalMs', async () => {
    const phone = emulator.createPhone({ number: '15550000003' });
    const { creds, keys } = emulator.provisionLinkedDevice(phone.number);
    const client = new BaileysClient(emulator, createMemoryAuthState(creds, keys));
    clients.push(client);
    await client.connect();
    const pong = await client.sock.query({
      tag: 'iq',
      attrs: { to: 's.whatsapp.net', type: 'get', xmlns: 'w:p' },
      content: [{ tag: 'ping', attrs: {} }],
    });
    expect(pong.attrs.type).toBe('result');
  });
});
