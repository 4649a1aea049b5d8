import { randomBytes } from 'node:crypto';
import type { BinaryNode } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type WaEmulator } from '../emulator';
import { BaileysClient, messageText as text } from '../testing/baileys-client';
import { RawWaClient } from '../testing/raw-client';
import { proto } from './proto';

/** Deterministic pseudo-random bytes, so a failing case can be replayed. */
const garbage = (seed: number, length: number): Buffer => {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = state >> 16;
  }
  return bytes;
};

const INTRO = Buffer.from([87, 65, 6, 2]);
const frame = (payload: Buffer): Buffer =>
  Buffer.concat([Buffer.from([0, payload.length >> 8, payload.length & 0xff]), payload]);

describe('malformed frames and unknown stanzas', () => {
  let emulator: WaEmulator;
  let alice: BaileysClient;
  let bob: BaileysClient;

  beforeAll(async () => {
    emulator = await startEmulator();
    alice = new BaileysClient(emulator);
    bob = new BaileysClient(emulator);
    await alice.pairByQr(emulator.createPhone({ number: '15550040001', pushName: 'Alice' }));
    await bob.pairByQr(emulator.createPhone({ number: '15550040002', pushName: 'Bob' }));
  });
  afterAll(async () => {
    alice.close();
    bob.close();
    await emulator.close();
  });

  /** The healthy clients still talk through the emulator. */
  const stillServing = async (label: string): Promise<void> => {
    await alice.sock.sendMessage('15550040002@s.whatsapp.net', { text: label });
    await bob.waitForMessage((m) => text(m) === label);
  };

  it('closes sockets that send garbage before the handshake', async () => {
    const cases: [string, (client: RawWaClient) => void][] = [
      ['random bytes', (c) => c.sendRaw(garbage(1, 300))],
      ['wrong intro', (c) => c.sendRaw(Buffer.concat([Buffer.from('GET /'), garbage(2, 50)]))],
      ['text frame', (c) => c.sendRaw(Buffer.from('hello'), false)],
      ['intro then garbage hello', (c) => c.sendRaw(Buffer.concat([INTRO, frame(garbage(3, 100))]))],
      ['intro then empty hello', (c) => c.sendRaw(Buffer.concat([INTRO, frame(Buffer.alloc(0))]))],
      [
        'hello with a short key',
        (c) =>
          c.sendRaw(
            Buffer.concat([
              INTRO,
              frame(
                Buffer.from(
                  proto.HandshakeMessage.encode({ clientHello: { ephemeral: randomBytes(7) } }).finish(),
                ),
              ),
            ]),
          ),
      ],
    ];
    for (const [label, send] of cases) {
      const client = await RawWaClient.open(emulator.wsUrl);
      send(client);
      await client.closed;
      expect(client.isOpen, label).toBe(false);
    }
    await stillServing('after pre-handshake garbage');
  });

  it('closes a socket whose handshake finish is garbage', async () => {
    const client = await RawWaClient.open(emulator.wsUrl);
    client.sendFrame(proto.HandshakeMessage.encode({ clientHello: { ephemeral: randomBytes(32) } }).finish());
    await client.nextFrame();
    client.sendFrame(garbage(4, 200));
    await client.closed;
    await stillServing('after bad finish');
  });

  it('closes logged-in sockets that send undecryptable or undecodable frames', async () => {
    for (const seed of [5, 6, 7]) {
      const { creds } = emulator.provisionLinkedDevice('15550040001');
      const client = await RawWaClient.open(emulator.wsUrl);
      await client.login(creds.noiseKey, creds.me!.id);
      expect(((await client.nextFrame()) as BinaryNode).tag).toBe('success');
      if (seed === 5) {
        client.sendRaw(frame(garbage(seed, 80)));
      } else if (seed === 6) {
        client.sendFrame(Buffer.from([0, 248, 200, 1, 2, 3]));
      } else {
        client.sendFrame(Buffer.from([2, ...garbage(seed, 40)]));
      }
      await client.closed;
    }
    await stillServing('after post-handshake garbage');
  });

  it('survives unknown stanzas and odd attributes without closing the socket', async () => {
    const { creds } = emulator.provisionLinkedDevice('15550040002');
    const client = await RawWaClient.open(emulator.wsUrl);
    await client.login(creds.noiseKey, creds.me!.id);
    await client.nextFrame();
    const odd: BinaryNode[] = [
      { tag: 'no-such-stanza', attrs: { x: 'y' } },
      { tag: 'message', attrs: {} },
      { tag: 'message', attrs: { id: 'm1', to: 'not-a-jid' }, content: [{ tag: 'participants', attrs: {} }] },
      { tag: 'receipt', attrs: { id: 'r1', to: '123@g.us' } },
      { tag: 'ack', attrs: {} },
      { tag: 'presence', attrs: { type: 'subscribe', to: 'garbage' } },
      { tag: 'chatstate', attrs: { to: '1@g.us' }, content: [{ tag: 'composing', attrs: {} }] },
      { tag: 'iq', attrs: { id: 'q1', xmlns: 'no-such-namespace', type: 'get', to: 's.whatsapp.net' } },
      { tag: 'iq', attrs: { id: 'q2', xmlns: 'w:g2', type: 'get', to: 'missing@g.us' } },
      {
        tag: 'iq',
        attrs: { id: 'q3', xmlns: 'encrypt', type: 'set' },
        content: [{ tag: 'list', attrs: {} }],
      },
      { tag: 'iq', attrs: { id: 'q4', xmlns: 'usync', type: 'get' } },
    ];
    for (const node of odd) {
      client.sendNode(node);
    }
    client.sendNode({ tag: 'iq', attrs: { id: 'ping', xmlns: 'w:p', type: 'get', to: 's.whatsapp.net' } });
    for (;;) {
      const answer = (await client.nextFrame()) as BinaryNode;
      if (answer.attrs.id === 'ping') {
        expect(answer.attrs.type).toBe('result');
        break;
      }
    }
    expect(client.isOpen).toBe(true);
    client.close();
    await stillServing('after unknown stanzas');
  });
});
