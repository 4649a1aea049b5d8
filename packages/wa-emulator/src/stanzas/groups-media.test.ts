import { randomBytes } from 'node:crypto';
import { downloadMediaMessage } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baileysSocketConfig } from '../baileys-config';
import { startEmulator, type WaEmulator } from '../emulator';
import type { EmulatedPhone } from '../phone/emulated-phone';
import { BaileysClient, messageText as text } from '../testing/baileys-client';

describe('groups and media', () => {
  let emulator: WaEmulator;
  let alice: BaileysClient;
  let bob: BaileysClient;
  let carol: EmulatedPhone;
  let groupJid: string;
  const BOB = '15550020002@s.whatsapp.net';
  const CAROL = '15550020003@s.whatsapp.net';

  beforeAll(async () => {
    emulator = await startEmulator();
    alice = new BaileysClient(emulator);
    bob = new BaileysClient(emulator);
    await alice.pairByQr(emulator.createPhone({ number: '15550020001', pushName: 'Alice' }));
    await bob.pairByQr(emulator.createPhone({ number: '15550020002', pushName: 'Bob' }));
    carol = emulator.createPhone({ number: '15550020003', pushName: 'Carol' });
  });
  afterAll(async () => {
    alice.close();
    bob.close();
    await emulator.close();
  });

  it('creates a group that members see', async () => {
    const upserted = bob.waitFor('groups.upsert');
    const group = await alice.sock.groupCreate('Team', [BOB]);
    groupJid = group.id;
    expect(group.subject).toBe('Team');
    expect(group.participants.map((p) => p.id).sort()).toEqual(['15550020001@s.whatsapp.net', BOB]);
    expect((await upserted)[0]!.id).toBe(groupJid);

    const metadata = await bob.sock.groupMetadata(groupJid);
    expect(metadata.owner).toBe('15550020001@s.whatsapp.net');
    expect(metadata.participants.find((p) => p.id === '15550020001@s.whatsapp.net')?.admin).toBe(
      'superadmin',
    );
  });

  it('adds, promotes and removes participants with notifications', async () => {
    const added = bob.waitFor('group-participants.update', (u) => u.action === 'add');
    expect(await alice.sock.groupParticipantsUpdate(groupJid, [CAROL], 'add')).toEqual([
      expect.objectContaining({ jid: CAROL, status: '200' }),
    ]);
    expect((await added).participants).toEqual([CAROL]);

    const promoted = bob.waitFor('group-participants.update', (u) => u.action === 'promote');
    await alice.sock.groupParticipantsUpdate(groupJid, [BOB], 'promote');
    expect((await promoted).participants).toEqual([BOB]);
    expect((await alice.sock.groupMetadata(groupJid)).participants.find((p) => p.id === BOB)?.admin).toBe(
      'admin',
    );

    await alice.sock.groupUpdateSubject(groupJid, 'Team 2');
    await expect.poll(async () => (await bob.sock.groupMetadata(groupJid)).subject).toBe('Team 2');
  });

  it('fans out group messages with sender keys, from devices and from a phone', async () => {
    await alice.sock.sendMessage(groupJid, { text: 'hello team' });
    const atBob = await bob.waitForMessage((m) => text(m) === 'hello team');
    expect(atBob.key.remoteJid).toBe(groupJid);
    expect(atBob.key.participant).toBe('15550020001@s.whatsapp.net');
    await carol.waitForMessage((m) => text(m) === 'hello team');

    await bob.sock.sendMessage(groupJid, { text: 'hi from bob' });
    await alice.waitForMessage((m) => text(m) === 'hi from bob');

    await carol.sendMessage(groupJid, { text: 'carol here' });
    const fromCarol = await alice.waitForMessage((m) => text(m) === 'carol here');
    expect(fromCarol.key.participant).toBe(CAROL);
    await bob.waitForMessage((m) => text(m) === 'carol here');
  });

  it('enforces announcement mode and lets members leave', async () => {
    await alice.sock.groupSettingUpdate(groupJid, 'announcement');
    expect((await bob.sock.groupMetadata(groupJid)).announce).toBe(true);
    await expect(carol.sendMessage(groupJid, { text: 'not allowed' })).rejects.toThrow(/403/);
    await alice.sock.groupSettingUpdate(groupJid, 'not_announcement');

    const code = await alice.sock.groupInviteCode(groupJid);
    expect(code).toBeTruthy();

    const removed = alice.waitFor('group-participants.update', (u) => u.action === 'remove');
    await alice.sock.groupParticipantsUpdate(groupJid, [CAROL], 'remove');
    expect((await removed).participants).toEqual([CAROL]);

    const left = alice.waitFor('group-participants.update', (u) => u.action === 'remove');
    await bob.sock.groupLeave(groupJid);
    expect((await left).participants).toEqual([BOB]);
    expect((await alice.sock.groupMetadata(groupJid)).participants.map((p) => p.id)).toEqual([
      '15550020001@s.whatsapp.net',
    ]);
  });

  it('uploads and downloads an image byte-for-byte', async () => {
    const image = randomBytes(20_000);
    const sent = await alice.sock.sendMessage(BOB, { image, mimetype: 'image/jpeg', jpegThumbnail: '' });
    expect(sent?.message?.imageMessage?.url).toContain(emulator.httpUrl.replace('http://', ''));
    const received = await bob.waitForMessage((m) => !!m.message?.imageMessage);
    const config = baileysSocketConfig(emulator);
    const downloaded = await downloadMediaMessage(received, 'buffer', { options: config.options ?? {} });
    expect(Buffer.compare(downloaded, image)).toBe(0);
  });

  it('sends a phone image (with a jimp thumbnail) through the media server', async () => {
    const { default: Jimp } = await import('jimp');
    const png = await new Jimp(64, 48, 0x3366ccff).getBufferAsync(Jimp.MIME_PNG);
    await carol.sendMessage('15550020001@s.whatsapp.net', {
      image: png,
      mimetype: 'image/png',
      caption: 'blue',
    });
    const received = await alice.waitForMessage((m) => m.message?.imageMessage?.caption === 'blue');
    expect(received.message?.imageMessage?.jpegThumbnail?.length).toBeGreaterThan(0);
    const downloaded = await downloadMediaMessage(received, 'buffer', {});
    expect(Buffer.compare(downloaded, png)).toBe(0);
  });

  it('sends a phone document through the media server', async () => {
    const document = randomBytes(5_000);
    await carol.sendMessage('15550020001@s.whatsapp.net', {
      document,
      mimetype: 'application/pdf',
      fileName: 'report.pdf',
    });
    const received = await alice.waitForMessage((m) => m.message?.documentMessage?.fileName === 'report.pdf');
    const downloaded = await downloadMediaMessage(received, 'buffer', {});
    expect(Buffer.compare(downloaded, document)).toBe(0);
  });
});
