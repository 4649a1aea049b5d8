import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type WaEmulator } from '../emulator';
import type { EmulatedPhone } from '../phone/emulated-phone';
import { proto } from '../protocol/proto';
import { BaileysClient, messageText as text } from '../testing/baileys-client';

describe('1:1 messaging between Baileys clients and phones', () => {
  let emulator: WaEmulator;
  let alice: BaileysClient;
  let bob: BaileysClient;
  let carol: EmulatedPhone;
  const ALICE = '15550010001@s.whatsapp.net';
  const BOB = '15550010002@s.whatsapp.net';
  const CAROL = '15550010003@s.whatsapp.net';

  beforeAll(async () => {
    emulator = await startEmulator();
    alice = new BaileysClient(emulator);
    bob = new BaileysClient(emulator);
    await alice.pairByQr(emulator.createPhone({ number: '15550010001', pushName: 'Alice' }));
    await bob.pairByCode(emulator.createPhone({ number: '15550010002', pushName: 'Bob' }));
    carol = emulator.createPhone({ number: '15550010003', pushName: 'Carol' });
  });
  afterAll(async () => {
    alice.close();
    bob.close();
    await emulator.close();
  });

  it('delivers text both ways with delivery and read receipts', async () => {
    const delivered = alice.waitFor('messages.update', (updates) =>
      updates.some((u) => u.update.status === proto.WebMessageInfo.Status.DELIVERY_ACK),
    );
    const sent = await alice.sock.sendMessage(BOB, { text: 'hello bob' });
    const received = await bob.waitForMessage((m) => text(m) === 'hello bob');
    expect(received.key.remoteJid).toBe(ALICE);
    expect(received.pushName).toBe('Alice');
    expect((await delivered)[0]!.key.id).toBe(sent!.key.id);

    const read = alice.waitFor('messages.update', (updates) =>
      updates.some((u) => u.key.id === sent!.key.id && u.update.status === proto.WebMessageInfo.Status.READ),
    );
    await bob.sock.readMessages([received.key]);
    await read;

    await bob.sock.sendMessage(ALICE, { text: 'hi alice' });
    const reply = await alice.waitForMessage((m) => text(m) === 'hi alice');
    expect(reply.key.remoteJid).toBe(BOB);
  });

  it('syncs what a device sent to the phone of the same account', async () => {
    const copy = await emulator.phone('15550010001').waitForMessage((m) => text(m) === 'hello bob');
    expect(copy.key.fromMe).toBe(true);
    expect(copy.key.remoteJid).toBe(BOB);
  });

  it('shows typing to a presence subscriber', async () => {
    await bob.sock.presenceSubscribe(ALICE);
    const typing = bob.waitFor(
      'presence.update',
      (update) => update.presences[ALICE]?.lastKnownPresence === 'composing',
    );
    await alice.sock.sendPresenceUpdate('composing', BOB);
    expect((await typing).id).toBe(ALICE);

    await alice.sock.presenceSubscribe(BOB);
    const bobTyping = alice.waitFor(
      'presence.update',
      (u) => u.presences[BOB]?.lastKnownPresence === 'composing',
    );
    await bob.sock.sendPresenceUpdate('composing', ALICE);
    await bobTyping;
  });

  it('answers onWhatsApp for existing numbers only', async () => {
    const results = await alice.sock.onWhatsApp('+1 555 001 0002', '15559999999');
    expect(results).toEqual([{ jid: BOB, exists: true }]);
  });

  it('exchanges messages with an emulated phone that encrypts with libsignal', async () => {
    await carol.sendMessage(ALICE, { text: 'from carol' });
    const incoming = await alice.waitForMessage((m) => text(m) === 'from carol');
    expect(incoming.key.remoteJid).toBe(CAROL);
    expect(incoming.pushName).toBe('Carol');

    const read = alice.waitFor('messages.update', (updates) =>
      updates.some((u) => u.update.status === proto.WebMessageInfo.Status.READ),
    );
    const sent = await alice.sock.sendMessage(CAROL, { text: 'to carol' });
    const atCarol = await carol.waitForMessage((m) => text(m) === 'to carol');
    expect(atCarol.key.remoteJid).toBe(ALICE);
    await carol.markRead([atCarol.key]);
    expect((await read)[0]!.key.id).toBe(sent!.key.id);
  });

  it('an offline phone holds messages: no delivery receipt until it is back online', async () => {
    await alice.sock.presenceSubscribe(CAROL);
    const away = alice.waitFor(
      'presence.update',
      (u) => u.presences[CAROL]?.lastKnownPresence === 'unavailable',
    );
    await carol.setOnline(false);
    await away;
    const sent = await alice.sock.sendMessage(CAROL, { text: 'are you there?' });
    const delivered = alice.waitFor('messages.update', (updates) =>
      updates.some(
        (u) => u.key.id === sent!.key.id && u.update.status === proto.WebMessageInfo.Status.DELIVERY_ACK,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(carol.received().some((m) => text(m) === 'are you there?')).toBe(false);

    const back = alice.waitFor(
      'presence.update',
      (u) => u.presences[CAROL]?.lastKnownPresence === 'available',
    );
    await carol.setOnline(true);
    await back;
    await delivered;
    await carol.waitForMessage((m) => text(m) === 'are you there?');
  });

  it('delivers rich messages from a phone: reply, mention, location, contact, reaction, poll, edit, delete', async () => {
    const original = await carol.sendMessage(ALICE, { text: 'original' });
    await carol.sendMessage(ALICE, { text: 'quoted reply' }, { quoted: original });
    await carol.sendMessage(ALICE, { text: '@15550010001 hi', mentions: [ALICE] });
    await carol.sendMessage(ALICE, { location: { degreesLatitude: 52.37, degreesLongitude: 4.89 } });
    await carol.sendMessage(ALICE, {
      contacts: { displayName: 'Dan', contacts: [{ vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Dan\nEND:VCARD' }] },
    });
    await carol.sendMessage(ALICE, { react: { text: '👍', key: original.key } });
    await carol.sendMessage(ALICE, { poll: { name: 'Lunch?', values: ['yes', 'no'], selectableCount: 1 } });
    await carol.sendMessage(ALICE, { text: 'edited', edit: original.key });
    await carol.sendMessage(ALICE, { delete: original.key });

    const quoted = await alice.waitForMessage((m) => text(m) === 'quoted reply');
    expect(quoted.message?.extendedTextMessage?.contextInfo?.stanzaId).toBe(original.key.id);
    const mention = await alice.waitForMessage((m) => text(m) === '@15550010001 hi');
    expect(mention.message?.extendedTextMessage?.contextInfo?.mentionedJid).toEqual([ALICE]);
    await alice.waitForMessage((m) => m.message?.locationMessage?.degreesLatitude === 52.37);
    await alice.waitForMessage((m) => !!m.message?.contactMessage?.vcard?.includes('FN:Dan'));
    await alice.waitForMessage((m) => m.message?.reactionMessage?.text === '👍');
    await alice.waitForMessage((m) => !!m.message?.pollCreationMessageV3 || !!m.message?.pollCreationMessage);
    await alice.waitForMessage(
      (m) => m.message?.protocolMessage?.editedMessage?.extendedTextMessage?.text === 'edited',
    );
    await alice.waitForMessage(
      (m) => m.message?.protocolMessage?.type === proto.Message.ProtocolMessage.Type.REVOKE,
    );
  });

  it('holds messages for an offline device and delivers them on its next login', async () => {
    bob.close();
    await expect.poll(() => emulator.isConnected('15550010002:1@s.whatsapp.net')).toBe(false);
    await alice.sock.sendMessage(BOB, { text: 'while you were away' });
    await carol.sendMessage(BOB, { text: 'carol while away' });

    bob = new BaileysClient(emulator, bob.auth);
    await bob.connect();
    await bob.waitForMessage((m) => text(m) === 'while you were away');
    await bob.waitForMessage((m) => text(m) === 'carol while away');
  });

  it('recovers a message the receiver cannot decrypt through a retry receipt', async () => {
    // Bob loses his session with Alice's device: Alice's next "msg" fails to decrypt at Bob,
    // Bob sends a retry receipt, Alice re-encrypts with a fresh prekey session.
    const address = bob.sock.signalRepository.jidToSignalProtocolAddress('15550010001:1@s.whatsapp.net');
    await bob.auth.state.keys.set({ session: { [address]: null } });
    const retried = alice.waitFor('messages.update', () => true, 15_000).catch(() => undefined);
    await alice.sock.sendMessage(BOB, { text: 'needs a retry' });
    await bob.waitForMessage((m) => text(m) === 'needs a retry', 20_000);
    await retried;
  });
});
