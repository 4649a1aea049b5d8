import got from 'got';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type WaEmulator } from '../emulator';
import { BaileysClient, messageText } from '../testing/baileys-client';

describe('phone HTTP API', () => {
  let emulator: WaEmulator;
  let api: typeof got;
  let client: BaileysClient;

  beforeAll(async () => {
    emulator = await startEmulator();
    api = got.extend({ prefixUrl: emulator.httpUrl, responseType: 'json', throwHttpErrors: false });
    client = new BaileysClient(emulator);
  });
  afterAll(async () => {
    client.close();
    await emulator.close();
  });

  it('creates phones and pairs a client by posting its QR', async () => {
    const created = await api.post('phones', { json: { number: '+1 555 005 0001', pushName: 'Dana' } });
    expect(created.statusCode).toBe(200);
    expect(created.body).toMatchObject({ number: '15550050001', jid: '15550050001@s.whatsapp.net' });
    await api.post('phones', { json: { number: '15550050002', pushName: 'Eve' } });

    await client.connect((qr) => {
      void api.post('phones/15550050001/scan', { json: { qr } });
    });
    const phone = await api.get('phones/15550050001');
    expect(phone.body).toMatchObject({
      linkedDevices: [{ jid: '15550050001:1@s.whatsapp.net', connected: true }],
    });
  });

  it('sends as a phone and reads what the phone received', async () => {
    const sent = await api.post('phones/15550050002/messages', {
      json: { to: '15550050001@s.whatsapp.net', content: { text: 'hello over http' } },
    });
    expect(sent.statusCode).toBe(200);
    await client.waitForMessage((m) => messageText(m) === 'hello over http');

    await client.sock.sendMessage('15550050002@s.whatsapp.net', { text: 'answer' });
    await emulator.phone('15550050002').waitForMessage((m) => messageText(m) === 'answer');
    const inbox = await api.get<{ key: { remoteJid: string } }[]>('phones/15550050002/messages');
    expect(inbox.body.map((m) => m.key.remoteJid)).toContain('15550050001@s.whatsapp.net');

    const image = await api.post('phones/15550050002/messages', {
      json: {
        to: '15550050001@s.whatsapp.net',
        content: {
          document: { base64: Buffer.from('pdf bytes').toString('base64') },
          mimetype: 'application/pdf',
        },
      },
    });
    expect(image.statusCode).toBe(200);
    await client.waitForMessage((m) => !!m.message?.documentMessage);
  });

  it('injects faults and reports stats', async () => {
    const closed = client.nextDisconnect();
    const fault = await api.post('faults/conflict', { json: { jid: client.jid } });
    expect(fault.statusCode).toBe(200);
    expect(await closed).toBe(440);
    const stats = await api.get<{ accounts: number }>('stats');
    expect(stats.body.accounts).toBe(2);
  });

  it('answers errors as JSON with a status', async () => {
    expect((await api.post('phones', { json: {} })).statusCode).toBe(400);
    expect((await api.get('phones/19999999999')).statusCode).toBe(404);
    expect((await api.get('nowhere')).statusCode).toBe(404);
  });
});
