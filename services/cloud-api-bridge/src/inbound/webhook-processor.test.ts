import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { MessageHistoryRepository } from '@wagate/db';
import type { InboundMessageContent, InboundMessageInput } from '@wagate/fake-graph-api';
import { describe, expect, test, waitFor } from '@wagate/testing';
import {
  ACCOUNT_ID,
  APP_SECRET,
  type BridgeUnderTest,
  PHONE_NUMBER_ID,
  startBridgeUnderTest,
  USER,
  USER_JID,
  WABA_ID,
  webhookBody,
} from '../testing/bridge-under-test';

const BUSINESS_JID = '15550783881@s.whatsapp.net';

function userWrites(
  bridge: BridgeUnderTest,
  message: InboundMessageContent,
  file?: InboundMessageInput['file'],
) {
  return bridge.fake.sendInboundMessage({
    phoneNumberId: PHONE_NUMBER_ID,
    from: USER,
    profileName: 'Lucía',
    message,
    ...(file ? { file } : {}),
  }).message.id;
}

describe("Meta's webhooks into normalized events", () => {
  test('every inbound message type becomes message.received, media fetched into the store, stored once in history', async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      const ours = await bridge.send({ type: 'text', text: 'How can we help?' });
      const ourWamid = (await bridge.waitForEvent('message.sent', (e) => e.data.id === ours.messageId)).data
        .wamid!;
      const photo = randomBytes(4096);
      const ids = {
        text: userWrites(bridge, { type: 'text', text: { body: 'olá 👋' } }),
        image: userWrites(
          bridge,
          { type: 'image', image: { caption: 'my receipt' } },
          { content: photo, mimeType: 'image/jpeg' },
        ),
        video: userWrites(bridge, { type: 'video', video: {} }),
        voice: userWrites(bridge, { type: 'audio', audio: { voice: true } }),
        document: userWrites(bridge, {
          type: 'document',
          document: { caption: 'menu', filename: 'menu.pdf' },
        }),
        sticker: userWrites(bridge, { type: 'sticker', sticker: {} }),
        location: userWrites(bridge, {
          type: 'location',
          location: { latitude: -23.55, longitude: -46.63, name: 'Sé', address: 'Praça da Sé' },
        }),
        contacts: userWrites(bridge, {
          type: 'contacts',
          contacts: [
            {
              name: { formatted_name: 'Ana' },
              phones: [{ phone: '+55 11 99999-9999', wa_id: '5511999999999' }],
            },
          ],
        }),
        reaction: userWrites(bridge, { type: 'reaction', reaction: { message_id: ourWamid, emoji: '❤️' } }),
        buttonReply: userWrites(bridge, {
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } },
        }),
        listReply: userWrites(bridge, {
          type: 'interactive',
          interactive: {
            type: 'list_reply',
            list_reply: { id: 'am', title: 'Morning', description: '9-12' },
          },
        }),
        templateButton: userWrites(bridge, {
          type: 'button',
          button: { payload: 'STOP', text: 'Stop promotions' },
        }),
        unsupported: userWrites(bridge, { type: 'unsupported' }),
        reply: userWrites(bridge, { type: 'text', text: { body: 'about that' }, context: { id: ourWamid } }),
        forwarded: userWrites(bridge, { type: 'text', text: { body: 'fwd' }, context: { forwarded: true } }),
      };
      const received = Object.fromEntries(
        await Promise.all(
          Object.entries(ids).map(async ([name, id]) => [
            name,
            (await bridge.waitForEvent('message.received', (e) => e.data.id === id)).data,
          ]),
        ),
      );

      expect(received.text).toMatchObject({
        chatId: USER_JID,
        chatType: 'contact',
        sender: USER_JID,
        fromMe: false,
        pushName: 'Lucía',
        content: { type: 'text', text: 'olá 👋' },
      });
      const image = received.image.content;
      expect(image).toMatchObject({
        type: 'image',
        caption: 'my receipt',
        media: { mimeType: 'image/jpeg', size: 4096 },
      });
      const mediaId = (image as { media: { id: string } }).media.id;
      expect(await buffer((await bridge.mediaStore.open(`${ACCOUNT_ID}/${mediaId}`))!)).toEqual(photo);
      expect(await new MessageHistoryRepository(database.db).media(ACCOUNT_ID, mediaId)).toMatchObject({
        mimeType: 'image/jpeg',
        size: 4096,
        storageKey: `${ACCOUNT_ID}/${mediaId}`,
      });
      for (const kind of ['video', 'sticker'] as const) {
        expect(received[kind].content).toMatchObject({ type: kind, media: { id: expect.any(String) } });
      }
      expect(received.voice.content).toMatchObject({
        type: 'audio',
        voiceNote: true,
        media: { mimeType: 'audio/ogg' },
      });
      expect(received.document.content).toMatchObject({
        type: 'document',
        caption: 'menu',
        fileName: 'menu.pdf',
      });
      expect(received.location.content).toEqual({
        type: 'location',
        latitude: -23.55,
        longitude: -46.63,
        name: 'Sé',
        address: 'Praça da Sé',
      });
      expect(received.contacts.content).toEqual({
        type: 'contacts',
        contacts: [
          { name: 'Ana', phones: [{ number: '+55 11 99999-9999', waId: '5511999999999@s.whatsapp.net' }] },
        ],
      });
      // Reactions and replies to the bridge's own sends name the product's message id, not Meta's.
      expect(received.reaction.content).toEqual({ type: 'reaction', messageId: ours.messageId, emoji: '❤️' });
      const reaction = await bridge.waitForEvent('message.reaction', (e) => e.data.id === ids.reaction);
      expect(reaction.data).toMatchObject({ targetId: ours.messageId, emoji: '❤️', fromMe: false });
      expect(received.buttonReply.content).toEqual({
        type: 'interactive_reply',
        replyType: 'button',
        id: 'yes',
        title: 'Yes',
      });
      expect(received.listReply.content).toEqual({
        type: 'interactive_reply',
        replyType: 'list',
        id: 'am',
        title: 'Morning',
        description: '9-12',
      });
      expect(received.templateButton.content).toEqual({
        type: 'interactive_reply',
        replyType: 'button',
        id: 'STOP',
        title: 'Stop promotions',
      });
      expect(received.unsupported.content).toMatchObject({
        type: 'unsupported',
        reason: expect.stringContaining('not supported'),
      });
      expect(received.reply).toMatchObject({ quoted: { id: ours.messageId, sender: BUSINESS_JID } });
      expect(received.forwarded).toMatchObject({ forwarded: true, content: { text: 'fwd' } });

      const history = new MessageHistoryRepository(database.db);
      for (const id of Object.values(ids)) {
        await waitFor(() => history.get(ACCOUNT_ID, id), { message: `message ${id} in history` });
      }
      expect(await history.get(ACCOUNT_ID, ids.reply)).toMatchObject({
        quotedId: ours.messageId,
        pushName: 'Lucía',
      });
    } finally {
      await bridge.stop();
    }
  }, 60_000);

  test('media Meta no longer serves is left out and the message still delivered', async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database, fake: { mediaUrlTtlMs: 1 } });
    try {
      const id = userWrites(bridge, { type: 'image', image: { caption: 'gone' } });
      const received = await bridge.waitForEvent('message.received', (e) => e.data.id === id);
      expect(received.data.content).toEqual({
        type: 'image',
        caption: 'gone',
        media: { mimeType: 'image/jpeg' },
      });
      expect(bridge.fake.requests('download_media').map((request) => request.responseStatus)).toEqual([404]);
    } finally {
      await bridge.stop();
    }
  });

  test("Meta's repeated deliveries become one event and one history row, even after JetStream's duplicate window", async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      bridge.fake.duplicateNextWebhooks(1);
      const id = userWrites(bridge, { type: 'text', text: { body: 'twice' } });
      await bridge.waitForEvent('message.received', (e) => e.data.id === id);
      await waitFor(
        () => bridge.fake.webhookDeliveries().filter((attempt) => attempt.delivered).length >= 2,
        {
          message: 'both copies delivered',
        },
      );
      const [original] = bridge.fake.webhookDeliveries();
      // Days later, Meta retries the same body: JetStream no longer remembers it; history does.
      await bridge.deliverWebhook(original!.body);
      await bridge.webhooksProcessed();
      expect(bridge.eventsOf('message.received', (e) => e.data.id === id)).toHaveLength(1);
      expect(
        (await new MessageHistoryRepository(database.db).list(ACCOUNT_ID, { limit: 10, offset: 0 })).total,
      ).toBe(1);
    } finally {
      await bridge.stop();
    }
  });

  test('routes a change to the account of its number when that account shares the app secret, and only then', async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      const sales = bridge.fake.addPhoneNumber(WABA_ID, {
        displayPhoneNumber: '+1 555-078-3882',
        verifiedName: 'Jaspers Sales',
      });
      const stranger = bridge.fake.addPhoneNumber(WABA_ID, {
        displayPhoneNumber: '+1 555-078-3883',
        verifiedName: 'Other',
      });
      await bridge.accounts.create({
        id: 'sales',
        phoneNumberId: sales.phoneNumberId,
        accessToken: 'EAAGsales',
        appSecret: APP_SECRET,
      });
      await bridge.accounts.create({
        id: 'other',
        phoneNumberId: stranger.phoneNumberId,
        accessToken: 'EAAGother',
        appSecret: 'another app',
      });
      const write = (phoneNumberId: string) =>
        bridge.fake.sendInboundMessage({
          phoneNumberId,
          from: USER,
          profileName: 'Lucía',
          message: { type: 'text', text: { body: 'hi' } },
        }).message.id;
      const toSales = write(sales.phoneNumberId);
      const toStranger = write(stranger.phoneNumberId);
      const event = await bridge.waitForEvent('message.received', (e) => e.data.id === toSales);
      expect(event.subject).toBe('sales');
      await bridge.fake.waitForWebhooks();
      await bridge.webhooksProcessed();
      expect(bridge.eventsOf('message.received', (e) => e.data.id === toStranger)).toHaveLength(0);
    } finally {
      await bridge.stop();
    }
  });

  test('statuses of a message sent outside the product are announced under its wamid once the bridge gave up waiting', async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      const wamid = 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJFWFRFUk5BTAA=';
      await bridge.deliverWebhook(
        webhookBody('messages', {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
          statuses: [
            {
              id: wamid,
              status: 'failed',
              timestamp: '1749416383',
              recipient_id: USER,
              errors: [
                {
                  code: 131047,
                  title: 'Re-engagement message',
                  error_data: { details: 'More than 24 hours' },
                },
              ],
            },
          ],
        }),
      );
      const ack = await bridge.waitForEvent('message.ack', (e) => e.data.id === wamid, 15_000);
      expect(ack.data).toEqual({
        id: wamid,
        chatId: USER_JID,
        status: 'failed',
        timestamp: 1_749_416_383,
        error: { code: 131047, message: 'Re-engagement message: More than 24 hours' },
        wamid,
      });
    } finally {
      await bridge.stop();
    }
  }, 30_000);
});
