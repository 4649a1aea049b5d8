import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { AccountsRepository, WebSessionStore } from '@wagate/db';
import { LocalDirectoryMediaStore } from '@wagate/media-store';
import { type DatabaseUnderTest, describe, expect, type NatsUnderTest, test, waitFor } from '@wagate/testing';
import { type EmulatedPhone, startEmulator } from '@wagate/wa-emulator';
import type { WAMessage } from '@whiskeysockets/baileys';
import Jimp from 'jimp';
import {
  callRpc,
  EventTap,
  linkedAccounts,
  sendCommand,
  startWorker,
  workerEnv,
} from '../testing/worker-harness';

const ALICE = '15550001111@s.whatsapp.net';
const CAROL = '15550003333@s.whatsapp.net';

const png = () => new Jimp(16, 16, 0x3366ffff).getBufferAsync(Jimp.MIME_PNG);
const kinds = (message: WAMessage) => Object.keys(message.message ?? {});

/** Waits for the phone to receive a matching message, naming what was awaited when it does not. */
async function received(phone: EmulatedPhone, what: string, predicate: (message: WAMessage) => boolean) {
  try {
    return await phone.waitForMessage(predicate, 20_000);
  } catch {
    const seen = phone.received().map((message) => `${message.key.id}:${kinds(message).join('+')}`);
    throw new Error(`the phone did not receive ${what}; it has ${seen.join(', ')}`);
  }
}

/** Alice (a linked account of the worker), Carol (a phone), and what a test drives them with. */
async function aliceAndCarol(nats: NatsUnderTest, database: DatabaseUnderTest) {
  const emulator = await startEmulator();
  const env = workerEnv({
    natsUrl: nats.url,
    namespace: nats.namespace,
    databaseUrl: database.url,
    wsUrl: emulator.wsUrl,
  });
  await linkedAccounts(
    database.db,
    emulator,
    [{ id: 'alice', number: '15550001111' }],
    nats.topology.partitions,
  );
  return {
    emulator,
    env,
    carol: emulator.createPhone({ number: '15550003333', pushName: 'Carol' }),
    accounts: new AccountsRepository(database.db, nats.topology.partitions),
    bus: await nats.connect('test'),
  };
}

describe('messaging through the worker', () => {
  test('sends every message type to a phone and receives every type from it, with receipts, edits, deletes, reactions and media', async ({
    nats,
    database,
  }) => {
    const { emulator, env, carol, accounts, bus } = await aliceAndCarol(nats, database);
    const tap = new EventTap(bus);
    const worker = await startWorker(env);
    try {
      await waitFor(async () => (await accounts.get('alice'))?.sessionStatus === 'logged_in', {
        timeoutMs: 20_000,
        message: 'alice logged in',
      });
      const image = await png();
      const base64 = (bytes: Buffer) => bytes.toString('base64');
      const outbound: Array<[string, Record<string, unknown>, (message: WAMessage) => boolean]> = [
        [
          'text',
          { type: 'text', text: 'hello carol' },
          (m) =>
            m.message?.conversation === 'hello carol' ||
            m.message?.extendedTextMessage?.text === 'hello carol',
        ],
        [
          'image',
          { type: 'image', media: { base64: base64(image), mimeType: 'image/png' }, caption: 'a square' },
          (m) => m.message?.imageMessage?.caption === 'a square',
        ],
        [
          'video',
          {
            type: 'video',
            media: { base64: base64(Buffer.alloc(2048, 7)), mimeType: 'video/mp4' },
            caption: 'clip',
          },
          (m) => m.message?.videoMessage?.caption === 'clip',
        ],
        [
          'audio',
          {
            type: 'audio',
            media: { base64: base64(Buffer.alloc(1024, 3)), mimeType: 'audio/ogg; codecs=opus' },
            voiceNote: true,
          },
          (m) => m.message?.audioMessage?.ptt === true,
        ],
        [
          'document',
          {
            type: 'document',
            media: { base64: base64(Buffer.from('%PDF-1.4 test')), mimeType: 'application/pdf' },
            fileName: 'report.pdf',
          },
          (m) => m.message?.documentMessage?.fileName === 'report.pdf',
        ],
        [
          'sticker',
          { type: 'sticker', media: { base64: base64(Buffer.alloc(512, 9)), mimeType: 'image/webp' } },
          (m) => Boolean(m.message?.stickerMessage),
        ],
        [
          'location',
          { type: 'location', latitude: 52.52, longitude: 13.405, name: 'Berlin' },
          (m) => m.message?.locationMessage?.name === 'Berlin',
        ],
        [
          'contacts',
          { type: 'contacts', contacts: [{ name: 'Dora', phones: [{ number: '+1 555 000 4444' }] }] },
          (m) => m.message?.contactMessage?.displayName === 'Dora',
        ],
        [
          'poll',
          { type: 'poll', name: 'Lunch?', options: ['Yes', 'No'], selectableCount: 1 },
          (m) =>
            Boolean(
              m.message?.pollCreationMessage?.name === 'Lunch?' ||
                m.message?.pollCreationMessageV3?.name === 'Lunch?',
            ),
        ],
        [
          'buttons',
          { type: 'buttons', text: 'Pick one', buttons: [{ id: 'a', title: 'A' }] },
          (m) => m.message?.buttonsMessage?.contentText === 'Pick one',
        ],
        [
          'list',
          {
            type: 'list',
            text: 'Menu',
            buttonText: 'Open',
            sections: [{ rows: [{ id: 'r1', title: 'Row' }] }],
          },
          (m) => m.message?.listMessage?.description === 'Menu',
        ],
        [
          'cta_url',
          { type: 'cta_url', text: 'Visit', displayText: 'Open', url: 'https://example.com/' },
          (m) => m.message?.interactiveMessage?.body?.text === 'Visit',
        ],
      ];
      for (const [id, content] of outbound) {
        await sendCommand(
          bus,
          'alice',
          'message.send',
          { to: CAROL, content, messageId: `out-${id}` },
          { id: `cmd-${id}` },
        );
      }
      for (const [id, , matches] of outbound) {
        const message = await received(carol, id, (candidate) => candidate.key.id === `out-${id}`);
        expect(matches(message), `${id} arrived as ${kinds(message).join(',')}`).toBe(true);
      }
      await waitFor(
        () =>
          outbound.every(
            ([id]) =>
              tap.of('alice', 'message.sent', (data: { id: string }) => data.id === `out-${id}`).length === 1,
          ),
        {
          message: 'a message.sent event per outbound message',
        },
      );
      // Link preview from the page's Open Graph tags.
      const page = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end(
          '<html><head><meta property="og:title" content="The Page"><meta property="og:description" content="About it"></head></html>',
        );
      });
      await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
      const pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/page`;
      await sendCommand(bus, 'alice', 'message.send', {
        to: CAROL,
        content: { type: 'text', text: `see ${pageUrl}` },
        messageId: 'out-link',
        linkPreview: true,
      });
      const linked = await received(carol, 'the link preview', (message) => message.key.id === 'out-link');
      page.close();
      expect(linked.message?.extendedTextMessage).toMatchObject({
        title: 'The Page',
        description: 'About it',
        matchedText: pageUrl,
      });

      // A redelivered command never sends twice.
      await sendCommand(
        bus,
        'alice',
        'message.send',
        { to: CAROL, content: { type: 'text', text: 'hello carol' }, messageId: 'out-text' },
        { id: 'cmd-text' },
      );
      await sendCommand(bus, 'alice', 'message.send', {
        to: CAROL,
        content: { type: 'text', text: 'quoted reply' },
        messageId: 'out-reply',
        quotedId: 'out-text',
        mentions: [CAROL],
      });
      await received(carol, 'the reply', (message) => message.key.id === 'out-reply');
      const reply = carol.received().find((message) => message.key.id === 'out-reply')!;
      expect(reply.message?.extendedTextMessage?.contextInfo).toMatchObject({
        stanzaId: 'out-text',
        mentionedJid: [CAROL],
      });
      expect(carol.received().filter((message) => message.key.id === 'out-text')).toHaveLength(1);

      await sendCommand(bus, 'alice', 'message.send', {
        to: CAROL,
        content: { type: 'reaction', messageId: 'out-text', emoji: '👍' },
        messageId: 'out-react',
      });
      await sendCommand(bus, 'alice', 'message.edit', {
        chatId: CAROL,
        messageId: 'out-text',
        text: 'hello again',
      });
      await sendCommand(bus, 'alice', 'message.forward', {
        chatId: CAROL,
        messageId: 'out-location',
        to: CAROL,
        newMessageId: 'out-forward',
      });
      await sendCommand(bus, 'alice', 'message.delete', { chatId: CAROL, messageId: 'out-poll' });
      await received(carol, 'the reaction', (message) => message.message?.reactionMessage?.text === '👍');
      const edit = await received(
        carol,
        'the edit',
        (message) => message.message?.protocolMessage?.key?.id === 'out-text',
      );
      expect(
        edit.message?.protocolMessage?.editedMessage?.extendedTextMessage?.text ??
          edit.message?.protocolMessage?.editedMessage?.conversation,
      ).toBe('hello again');
      const forwarded = await received(carol, 'the forward', (message) => message.key.id === 'out-forward');
      expect(forwarded.message?.locationMessage?.degreesLatitude).toBe(52.52);
      await received(
        carol,
        'the delete',
        (message) => message.message?.protocolMessage?.key?.id === 'out-poll',
      );

      await sendCommand(bus, 'alice', 'message.send', {
        to: CAROL,
        content: { type: 'template', name: 'hello', language: 'en' },
        messageId: 'out-template',
      });
      await waitFor(
        () =>
          tap.of(
            'alice',
            'message.ack',
            (data: { id: string; status: string }) => data.id === 'out-template' && data.status === 'failed',
          ).length > 0,
        {
          message: 'a template fails for a web account',
        },
      );

      await carol.markRead([{ remoteJid: ALICE, id: 'out-image', fromMe: false }]);
      await waitFor(
        async () =>
          (await WebSessionStore.findMessage(database.db, 'alice', 'out-image', CAROL))?.status === 'read',
        {
          message: 'out-image read',
        },
      );
      expect(
        tap.of(
          'alice',
          'message.ack',
          (data: { id: string; status: string }) => data.id === 'out-text' && data.status === 'delivered',
        ),
      ).toHaveLength(1);

      // Inbound: every type from the phone.
      const sent = {
        text: await carol.sendMessage(ALICE, { text: 'hi alice' }),
        image: await carol.sendMessage(ALICE, { image: image, mimetype: 'image/png', caption: 'pic' }),
        video: await carol.sendMessage(ALICE, {
          video: Buffer.alloc(4096, 1),
          mimetype: 'video/mp4',
          caption: 'vid',
        }),
        audio: await carol.sendMessage(ALICE, {
          audio: Buffer.alloc(2048, 2),
          mimetype: 'audio/ogg; codecs=opus',
          ptt: true,
        }),
        document: await carol.sendMessage(ALICE, {
          document: Buffer.from('hello document'),
          mimetype: 'text/plain',
          fileName: 'notes.txt',
        }),
        sticker: await carol.sendMessage(ALICE, { sticker: Buffer.alloc(300, 5) }),
        location: await carol.sendMessage(ALICE, {
          location: { degreesLatitude: 1.5, degreesLongitude: 2.5 },
        }),
        contacts: await carol.sendMessage(ALICE, {
          contacts: {
            contacts: [
              {
                displayName: 'Eve',
                vcard:
                  'BEGIN:VCARD\nVERSION:3.0\nFN:Eve\nTEL;type=CELL;waid=15550005555:+1 555 000 5555\nEND:VCARD',
              },
            ],
          },
        }),
        poll: await carol.sendMessage(ALICE, {
          poll: { name: 'Tea?', values: ['Yes', 'No'], selectableCount: 1 },
        }),
      };
      for (const [type, message] of Object.entries(sent)) {
        const event = await waitFor(
          () =>
            tap.of<{ id: string; content: { type: string } }>(
              'alice',
              'message.received',
              (data) => data.id === message.key.id!,
            )[0],
          {
            message: `message.received of the ${type}`,
          },
        );
        expect(event.content.type).toBe(type);
      }
      const store = new LocalDirectoryMediaStore(env.MEDIA_DIR!);
      const imageEvent = tap.of<{ id: string; content: { media: { id: string } } }>(
        'alice',
        'message.received',
        (data) => data.id === sent.image.key.id,
      )[0]!;
      const stored = await store.open(`alice/${imageEvent.content.media.id}`);
      expect((await buffer(stored!)).equals(image)).toBe(true);
      const documentEvent = tap.of<{ id: string; content: { media: { id: string }; fileName: string } }>(
        'alice',
        'message.received',
        (data) => data.id === sent.document.key.id,
      )[0]!;
      expect(documentEvent.content.fileName).toBe('notes.txt');
      expect((await buffer((await store.open(`alice/${documentEvent.content.media.id}`))!)).toString()).toBe(
        'hello document',
      );

      await carol.sendMessage(ALICE, { react: { text: '❤️', key: sent.text.key } });
      await carol.sendMessage(ALICE, { text: 'hi alice, edited', edit: sent.text.key });
      await carol.sendMessage(ALICE, { delete: sent.location.key });
      await waitFor(
        () =>
          tap.of(
            'alice',
            'message.reaction',
            (data: { targetId: string; emoji: string }) =>
              data.targetId === sent.text.key.id && data.emoji === '❤️',
          ).length === 1,
        { message: 'reaction event' },
      );
      await waitFor(
        () =>
          tap.of('alice', 'message.edited', (data: { id: string }) => data.id === sent.text.key.id).length ===
          1,
        { message: 'edit event' },
      );
      await waitFor(
        () =>
          tap.of('alice', 'message.deleted', (data: { id: string }) => data.id === sent.location.key.id)
            .length === 1,
        { message: 'delete event' },
      );
      expect(await WebSessionStore.findMessage(database.db, 'alice', sent.text.key.id!, CAROL)).toMatchObject(
        { content: { type: 'text', text: 'hi alice, edited' } },
      );

      await sendCommand(bus, 'alice', 'chat.mark_read', { chatId: CAROL, messageIds: [sent.text.key.id!] });
      await sendCommand(bus, 'alice', 'presence.send', { chatId: CAROL, presence: 'composing' });
      expect(
        await callRpc(bus, 'alice', 'contacts.check', { jids: [CAROL, '19999999999@s.whatsapp.net'] }),
      ).toEqual({
        results: [
          { jid: CAROL, exists: true },
          { jid: '19999999999@s.whatsapp.net', exists: false },
        ],
      });
      expect(tap.of('alice', 'message.received')).toHaveLength(Object.keys(sent).length);
    } finally {
      tap.close();
      await worker.shutdown();
      await emulator.close();
    }
  }, 120_000);

  test('after direct messages, a group message still reaches every member phone, with one device query per user', async ({
    nats,
    database,
  }) => {
    const { emulator, env, carol, accounts, bus } = await aliceAndCarol(nats, database);
    const dave = emulator.createPhone({ number: '15550004444', pushName: 'Dave' });
    const worker = await startWorker(env);
    try {
      await waitFor(async () => (await accounts.get('alice'))?.sessionStatus === 'logged_in', {
        timeoutMs: 20_000,
        message: 'alice logged in',
      });
      const group = await carol.createGroup('Team', [ALICE, '15550004444@s.whatsapp.net']);
      const usyncBefore = emulator.stats().usyncQueries;
      // Direct messages teach the worker that Carol and Dave have no companion device...
      for (const [to, phone] of [
        [CAROL, carol],
        ['15550004444@s.whatsapp.net', dave],
      ] as const) {
        for (const index of [1, 2, 3]) {
          await sendCommand(bus, 'alice', 'message.send', {
            to,
            content: { type: 'text', text: `direct ${index}` },
            messageId: `direct-${to.slice(0, 11)}-${index}`,
          });
        }
        await received(phone, 'the third direct message', (m) => m.key.id === `direct-${to.slice(0, 11)}-3`);
      }
      // ...once: the list (and the empty one of Alice's own companions) is asked for once per recipient.
      expect(emulator.stats().usyncQueries - usyncBefore).toBe(2);
      // ...and a group message, which goes to every device, phones included, still reaches both.
      await sendCommand(bus, 'alice', 'message.send', {
        to: group.id,
        content: { type: 'text', text: 'hello team' },
        messageId: 'group-1',
      });
      for (const phone of [carol, dave])
        await received(phone, 'the group message', (m) => m.key.id === 'group-1');
    } finally {
      await worker.shutdown();
      await emulator.close();
    }
  }, 60_000);

  test('a burst queued at once reaches the phone whole, even from a cold key cache after a restart', async ({
    nats,
    database,
  }) => {
    const { emulator, env, carol, accounts, bus } = await aliceAndCarol(nats, database);
    const loggedIn = () =>
      waitFor(async () => (await accounts.get('alice'))?.sessionStatus === 'logged_in', {
        timeoutMs: 20_000,
        message: 'alice logged in',
      });
    const burst = async (label: string) => {
      const ids = Array.from({ length: 12 }, (_, index) => `${label}-${index}`);
      await Promise.all(
        ids.map((id, index) =>
          sendCommand(bus, 'alice', 'message.send', {
            to: CAROL,
            content: { type: 'text', text: `${label} ${index}` },
            messageId: id,
          }),
        ),
      );
      return ids;
    };
    let worker = await startWorker(env);
    try {
      await loggedIn();
      // The first message opens the Signal session; the burst then shares it.
      const first = await burst('warm');
      await worker.shutdown();
      const second = await burst('cold');
      // Carol writes too, so her replies turn the ratchet while the burst is encrypted.
      for (let index = 0; index < 4; index += 1) await carol.sendMessage(ALICE, { text: `carol ${index}` });
      worker = await startWorker(env);
      await loggedIn();
      const third = await burst('live');
      for (let index = 4; index < 8; index += 1) await carol.sendMessage(ALICE, { text: `carol ${index}` });
      const expected = [...first, ...second, ...third];
      await waitFor(() => expected.every((id) => carol.received().some((message) => message.key.id === id)), {
        timeoutMs: 30_000,
        message: 'every message of every burst decrypted by the phone',
      }).catch((error: Error) => {
        const missing = expected.filter((id) => !carol.received().some((message) => message.key.id === id));
        throw new Error(`${error.message}; missing ${missing.join(' ')}`);
      });
      for (const id of expected) {
        expect(
          carol.received().filter((message) => message.key.id === id),
          id,
        ).toHaveLength(1);
      }
    } finally {
      await worker.shutdown();
      await emulator.close();
    }
  }, 120_000);
});
