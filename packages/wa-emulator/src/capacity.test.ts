import { randomBytes } from 'node:crypto';
import { type BinaryNode, Curve } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type WaEmulator } from './emulator';
import { RawWaClient } from './testing/raw-client';

/** The floor: one emulator process carries at least this many connected devices. */
const DEVICES = 2_000;
const ACCOUNTS = 1_000;

describe('capacity', () => {
  let emulator: WaEmulator;
  const clients: RawWaClient[] = [];

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    for (const client of clients) {
      client.close();
    }
    await emulator.close();
  });

  it(`carries ${DEVICES} logged-in devices at once`, { timeout: 120_000 }, async () => {
    // Devices are registered directly with placeholder Signal keys: logging in only proves the
    // Noise key, and real signatures (XEdDSA in JavaScript, ~15 ms each) would dominate the test.
    const devices = Array.from({ length: DEVICES }, (_, index) => {
      const number = `1666${String(index % ACCOUNTS).padStart(7, '0')}`;
      if (index < ACCOUNTS) {
        emulator.createPhone({ number });
      }
      const noiseKey = Curve.generateKeyPair();
      const device = emulator.internals.registry.require(number).linkDevice(
        Buffer.from(noiseKey.public),
        {
          registrationId: index + 1,
          identityKey: randomBytes(32),
          signedPreKey: { keyId: 1, publicKey: randomBytes(32), signature: randomBytes(64) },
        },
        'web',
      );
      device.appStateKeyDelivered = true;
      return { jid: device.jid, noiseKey };
    });
    const batch = 200;
    for (let start = 0; start < devices.length; start += batch) {
      await Promise.all(
        devices.slice(start, start + batch).map(async ({ jid, noiseKey }) => {
          const client = await RawWaClient.open(emulator.wsUrl);
          clients.push(client);
          await client.login(noiseKey, jid);
          expect(((await client.nextFrame(30_000)) as BinaryNode).tag).toBe('success');
          client.sendNode({
            tag: 'iq',
            attrs: { id: 'active', xmlns: 'passive', type: 'set' },
            content: [{ tag: 'active', attrs: {} }],
          });
        }),
      );
    }
    await expect
      .poll(() => devices.filter(({ jid }) => emulator.isConnected(jid)).length, { timeout: 30_000 })
      .toBe(DEVICES);
    expect(emulator.stats().connectedDevices).toBe(DEVICES);
    expect(emulator.maxConcurrentSocketsPerDevice).toBe(1);
  });
});
