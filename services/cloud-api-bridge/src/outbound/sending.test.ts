import { randomBytes } from 'node:crypto';
import type { OutboundContent } from '@wagate/contracts';
import { MessageHistoryRepository } from '@wagate/db';
import { MetaSendMessageBody, type RecordedRequest } from '@wagate/fake-graph-api';
import { describe, expect, test, waitFor } from '@wagate/testing';
import {
  ACCESS_TOKEN,
  ACCOUNT_ID,
  type BridgeUnderTest,
  PHONE_NUMBER_ID,
  startBridgeUnderTest,
  USER,
  USER_JID,
} from '../testing/bridge-under-test';

const base64Of = (bytes: number) => randomBytes(bytes).toString('base64');

/** The send request the fake recorded for a wamid (its answer names it). */
function sendRequestOf(bridge: BridgeUnderTest, wamid: string): RecordedRequest | undefined {
  return bridge.fake
    .requests('send_message')
    .find(
      (request) =>
        (request.responseBody as { messages?: Array<{ id: string }> })?.messages?.[0]?.id === wamid,
    );
}

async function readAck(bridge: BridgeUnderTest, messageId: string) {
  return bridge.waitForEvent(
    'message.ack',
    (event) => event.data.id === messageId && event.data.status === 'read',
  );
}

describe('sending through the Cloud API', () => {
  test('every content type round-trips: command → the body Meta documents → status webhooks → acks and history', async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      const history = new MessageHistoryRepository(database.db);
      const clip = randomBytes(2048);
      await bridge.mediaStore.put('support/uploads/clip', clip, 'video/mp4');
      await history.recordMedia({
        id: 'clip-1',
        accountId: ACCOUNT_ID,
        mimeType: 'video/mp4',
        fileName: 'clip.mp4',
        size: clip.byteLength,
        sha256: 'not-checked',
        storageKey: 'support/uploads/clip',
      });
      const first = await bridge.send(
        { type: 'text', text: 'Your order is ready: https://example.com/o/1' },
        { linkPreview: true },
      );
      const firstSent = await bridge.waitForEvent(
        'message.sent',
        (event) => event.data.id === first.messageId,
      );
      const firstWamid = firstSent.data.wamid!;

      const contents: Array<[OutboundContent, Record<string, unknown>?]> = [
        [{ type: 'image', media: { url: 'https://example.com/photo.jpg' }, caption: 'the parcel' }],
        [{ type: 'image', media: { base64: base64Of(1024), mimeType: 'image/png' }, caption: 'inline' }],
        [{ type: 'video', media: { mediaId: 'clip-1' }, caption: 'unboxing' }],
        [{ type: 'audio', media: { base64: base64Of(512), mimeType: 'audio/ogg' }, voiceNote: true }],
        [{ type: 'document', media: { base64: base64Of(512), fileName: 'invoice.pdf' }, caption: 'April' }],
        [{ type: 'sticker', media: { base64: base64Of(256), mimeType: 'image/webp' } }],
        [
          {
            type: 'location',
            latitude: 37.4847,
            longitude: -122.1477,
            name: 'Meta HQ',
            address: '1 Hacker Way',
          },
        ],
        [
          {
            type: 'contacts',
            contacts: [{ name: 'Lucía Pérez', phones: [{ number: '+1 650 555 1234', waId: USER }] }],
          },
        ],
        [{ type: 'reaction', messageId: first.messageId, emoji: '👍' }],
        [
          {
            type: 'buttons',
            text: 'Ship now?',
            buttons: [
              { id: 'yes', title: 'Yes' },
              { id: 'no', title: 'No' },
            ],
          },
        ],
        [
          {
            type: 'list',
            text: 'Pick a slot',
            buttonText: 'Slots',
            sections: [{ title: 'Today', rows: [{ id: 'am', title: 'Morning' }] }],
          },
        ],
        [{ type: 'cta_url', text: 'Track it', displayText: 'Open', url: 'https://example.com/t/1' }],
        [
          {
            type: 'template',
            name: 'order_update',
            language: 'en_US',
            components: [
              {
                type: 'body',
                parameters: [
                  { type: 'text', text: 'Lucía' },
                  { type: 'text', text: '#1' },
                ],
              },
            ],
          },
        ],
        [{ type: 'text', text: 'replying' }, { quotedId: first.messageId }],
      ];
      const sent: Array<{ content: OutboundContent; commandId: string; messageId: string }> = [];
      for (const [content, extra] of contents) sent.push({ content, ...(await bridge.send(content, extra)) });
      for (const message of [first, ...sent]) await readAck(bridge, message.messageId);

      const expectedMetaType: Record<string, string> = {
        buttons: 'interactive',
        list: 'interactive',
        cta_url: 'interactive',
      };
      for (const message of [{ ...first, content: { type: 'text' } as OutboundContent }, ...sent]) {
        const sentEvent = bridge.eventsOf('message.sent', (event) => event.data.id === message.messageId);
        expect(sentEvent, message.content.type).toHaveLength(1);
        const wamid = sentEvent[0]!.data.wamid!;
        const request = sendRequestOf(bridge, wamid)!;
        expect(request.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
        expect(request.path).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
        expect(MetaSendMessageBody.safeParse(request.body).success, message.content.type).toBe(true);
        expect(request.body).toMatchObject({
          messaging_product: 'whatsapp',
          to: USER,
          type: expectedMetaType[message.content.type] ?? message.content.type,
        });
        const acks = bridge.eventsOf('message.ack', (event) => event.data.id === message.messageId);
        expect(acks.map((event) => event.data.status)).toEqual(['server', 'delivered', 'read']);
        expect(bridge.events.indexOf(sentEvent[0]!)).toBeLessThan(bridge.events.indexOf(acks[0]!));
        expect(
          acks.every((event) => event.data.wamid === wamid && event.data.commandId === message.commandId),
        ).toBe(true);
        // Events go out before history is written, so a crash between them can only repeat an event.
        const row = await waitFor(async () => {
          const stored = await history.get(ACCOUNT_ID, message.messageId);
          return stored?.status === 'read' && stored;
        });
        expect(row).toMatchObject({ chatId: USER_JID, fromMe: true, commandId: message.commandId });
      }
      const bodyOf = (index: number) =>
        sendRequestOf(
          bridge,
          bridge.eventsOf('message.sent', (e) => e.data.id === sent[index]!.messageId)[0]!.data.wamid!,
        )!.body;
      expect(bodyOf(0)).toMatchObject({
        image: { link: 'https://example.com/photo.jpg', caption: 'the parcel' },
      });
      expect(bodyOf(2)).toMatchObject({ video: { id: expect.any(String), caption: 'unboxing' } });
      expect(bodyOf(4)).toMatchObject({ document: { id: expect.any(String), filename: 'invoice.pdf' } });
      expect(bodyOf(8)).toEqual(
        expect.objectContaining({ reaction: { message_id: firstWamid, emoji: '👍' } }),
      );
      expect(bodyOf(13)).toMatchObject({ text: { body: 'replying' }, context: { message_id: firstWamid } });
      expect(sendRequestOf(bridge, firstWamid)!.body).toMatchObject({ text: { preview_url: true } });

      const uploads = bridge.fake.requests('upload_media');
      expect(uploads.map((request) => (request.body as { type: string }).type).sort()).toEqual([
        'application/pdf',
        'audio/ogg',
        'image/png',
        'image/webp',
        'video/mp4',
      ]);
      expect(uploads.every((request) => request.responseStatus === 200)).toBe(true);
      const storedVideo = await history.get(ACCOUNT_ID, sent[2]!.messageId);
      expect(storedVideo?.content).toMatchObject({
        type: 'video',
        media: { id: 'clip-1', mimeType: 'video/mp4' },
      });
    } finally {
      await bridge.stop();
    }
  }, 60_000);

  test('marks messages read and shows the typing indicator on the newest received message', async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      const inbound = bridge.fake.sendInboundMessage({
        phoneNumberId: PHONE_NUMBER_ID,
        from: USER,
        profileName: 'Lucía',
        message: { type: 'text', text: { body: 'olá' } },
      });
      const wamid = inbound.message.id;
      await bridge.waitForEvent('message.received', (event) => event.data.id === wamid);

      await bridge.command('chat.mark_read', { chatId: USER_JID, messageIds: [wamid] });
      const read = await waitFor(() => bridge.fake.requests('mark_read')[0], {
        message: 'a mark-read request',
      });
      expect(read.body).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: wamid });
      expect(read.responseBody).toEqual({ success: true });
      await waitFor(
        async () => (await bridge.messages.message(ACCOUNT_ID, USER_JID, wamid))?.status === 'read',
        {
          message: 'the received message marked read in history',
        },
      );

      await bridge.command('presence.send', { chatId: USER_JID, presence: 'composing' });
      const typing = await waitFor(() => bridge.fake.requests('mark_read')[1], {
        message: 'a typing indicator',
      });
      expect(typing.body).toEqual({
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: wamid,
        typing_indicator: { type: 'text' },
      });
      expect(typing.responseStatus).toBe(200);
    } finally {
      await bridge.stop();
    }
  });

  test('forwards what history holds by sending it again, and refuses what cannot be sent again', async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      const photo = bridge.fake.sendInboundMessage({
        phoneNumberId: PHONE_NUMBER_ID,
        from: USER,
        profileName: 'Lucía',
        message: { type: 'image', image: { caption: 'receipt' } },
      }).message.id;
      const reaction = bridge.fake.sendInboundMessage({
        phoneNumberId: PHONE_NUMBER_ID,
        from: USER,
        profileName: 'Lucía',
        message: { type: 'reaction', reaction: { message_id: photo, emoji: '👍' } },
      }).message.id;
      await bridge.waitForEvent('message.received', (event) => event.data.id === reaction);
      const forward = (messageId: string, newMessageId: string) =>
        bridge.command('message.forward', { chatId: USER_JID, messageId, to: USER_JID, newMessageId });
      await forward(photo, 'fwd-photo');
      await forward(reaction, 'fwd-reaction');
      await forward('wamid.UNKNOWN', 'fwd-unknown');
      const sent = await bridge.waitForEvent('message.sent', (event) => event.data.id === 'fwd-photo');
      expect(sent.data.content).toMatchObject({
        type: 'image',
        caption: 'receipt',
        media: { mimeType: 'image/jpeg' },
      });
      expect(bridge.fake.requests('upload_media')).toHaveLength(1);
      expect(sendRequestOf(bridge, sent.data.wamid!)?.body).toMatchObject({
        type: 'image',
        image: { id: expect.any(String), caption: 'receipt' },
      });
      const refused = await bridge.waitForEvent('message.ack', (event) => event.data.id === 'fwd-reaction');
      const missing = await bridge.waitForEvent('message.ack', (event) => event.data.id === 'fwd-unknown');
      expect(refused.data).toMatchObject({ status: 'failed', error: { code: 'unsupported_type' } });
      expect(missing.data).toMatchObject({ status: 'failed', error: { code: 'not_found' } });
    } finally {
      await bridge.stop();
    }
  });

  test('a redelivered command never sends twice, and its events are not repeated', async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      const { commandId, messageId } = await bridge.send({ type: 'text', text: 'once' });
      await readAck(bridge, messageId);
      const [envelope] = bridge.fake.requests('send_message');
      expect(envelope).toBeDefined();
      // As JetStream redelivers it after its duplicate window: the same command under another message id.
      const command = {
        id: commandId,
        accountId: ACCOUNT_ID,
        op: 'message.send',
        createdAt: new Date().toISOString(),
        payload: { to: USER_JID, content: { type: 'text', text: 'once' }, messageId },
      };
      await bridge.bus.publish(
        bridge.bus.topology.commandSubject(ACCOUNT_ID, 'message.send', 'cloud'),
        command,
        {
          msgId: `${commandId}-redelivered`,
        },
      );
      await waitFor(
        async () => {
          const info = await bridge.bus.jsm.consumers.info(
            bridge.bus.topology.streams.commands,
            bridge.bus.topology.consumers.cloudCommands,
          );
          return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq >= 2;
        },
        { message: 'the redelivered command consumed' },
      );
      expect(bridge.fake.requests('send_message')).toHaveLength(1);
      expect(bridge.eventsOf('message.sent', (event) => event.data.id === messageId)).toHaveLength(1);
    } finally {
      await bridge.stop();
    }
  });

  test("Meta's refusals fail the message with Meta's code, in the answer or by status webhook", async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      bridge.fake.injectError({ code: 131009, match: { operation: 'send_message' } });
      const refused = await bridge.send({ type: 'text', text: 'bad parameter' });
      const refusedAck = await bridge.waitForEvent('message.ack', (e) => e.data.id === refused.messageId);
      expect(refusedAck.data).toMatchObject({
        status: 'failed',
        error: { code: 131009 },
        commandId: refused.commandId,
      });

      const stranger = '447700900123';
      const closedWindow = await bridge.send(
        { type: 'text', text: 'hello?' },
        { to: `${stranger}@s.whatsapp.net` },
      );
      const windowAck = await bridge.waitForEvent(
        'message.ack',
        (e) => e.data.id === closedWindow.messageId && e.data.status === 'failed',
      );
      expect(windowAck.data.error).toMatchObject({ code: 131047 });

      bridge.fake.markUndeliverable(USER);
      const undeliverable = await bridge.send({ type: 'text', text: 'anyone?' });
      const undeliverableAck = await bridge.waitForEvent(
        'message.ack',
        (e) => e.data.id === undeliverable.messageId && e.data.status === 'failed',
      );
      expect(undeliverableAck.data).toMatchObject({
        error: { code: 131026 },
        wamid: expect.stringMatching(/^wamid\./),
      });

      const poll = await bridge.send({
        type: 'poll',
        name: 'Lunch?',
        options: ['Pizza', 'Sushi'],
        selectableCount: 1,
      });
      const group = await bridge.send({ type: 'text', text: 'hi all' }, { to: '120363025246125486@g.us' });
      const pollAck = await bridge.waitForEvent('message.ack', (e) => e.data.id === poll.messageId);
      const groupAck = await bridge.waitForEvent('message.ack', (e) => e.data.id === group.messageId);
      expect(pollAck.data.error?.code).toBe('unsupported_type');
      expect(groupAck.data.error?.code).toBe('unsupported_recipient');

      const history = new MessageHistoryRepository(database.db);
      for (const message of [refused, closedWindow, undeliverable, poll, group]) {
        await waitFor(async () => (await history.get(ACCOUNT_ID, message.messageId))?.status === 'failed', {
          message: 'the failed message in history',
        });
      }
      expect((await history.get(ACCOUNT_ID, undeliverable.messageId))?.error).toMatchObject({ code: 131026 });
      // Refusals are final: one request each, never retried; polls and groups never reach Meta.
      expect(bridge.fake.requests('send_message')).toHaveLength(3);
    } finally {
      await bridge.stop();
    }
  });

  test('transient failures are retried with backoff; other codes are not', async ({ nats, database }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      bridge.fake.injectError({ code: 131000, times: 2, match: { operation: 'send_message' } });
      const retried = await bridge.send({ type: 'text', text: 'eventually' });
      await readAck(bridge, retried.messageId);
      const attempts = bridge.fake.requests('send_message');
      expect(attempts.map((request) => request.responseStatus)).toEqual([500, 500, 200]);
      expect(attempts[1]!.receivedAt - attempts[0]!.receivedAt).toBeGreaterThanOrEqual(15);
      expect(attempts[2]!.receivedAt - attempts[1]!.receivedAt).toBeGreaterThanOrEqual(30);

      bridge.fake.clearRecords();
      bridge.fake.injectError({ code: 100, match: { operation: 'send_message' } });
      const invalid = await bridge.send({ type: 'text', text: 'never' });
      const ack = await bridge.waitForEvent('message.ack', (e) => e.data.id === invalid.messageId);
      expect(ack.data).toMatchObject({ status: 'failed', error: { code: 100 } });
      expect(bridge.fake.requests('send_message')).toHaveLength(1);
    } finally {
      await bridge.stop();
    }
  });

  test('an expired token (190) fails the message at once, marks the account and announces it once', async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      await bridge.waitForEvent('account.status', (event) => event.data.status === 'active');
      bridge.fake.expireAccessToken(ACCESS_TOKEN);
      const first = await bridge.send({ type: 'text', text: 'one' });
      const ack = await bridge.waitForEvent('message.ack', (e) => e.data.id === first.messageId);
      expect(ack.data).toMatchObject({ status: 'failed', error: { code: 190 } });
      const disconnected = await bridge.waitForEvent(
        'account.status',
        (e) => e.data.status === 'disconnected',
      );
      expect(disconnected.data).toMatchObject({
        previousStatus: 'active',
        reason: 'token_expired',
        error: { code: 190 },
      });
      expect((await bridge.accounts.get(ACCOUNT_ID))?.account).toMatchObject({
        status: 'disconnected',
        statusReason: 'token_expired',
      });

      const second = await bridge.send({ type: 'text', text: 'two' });
      await bridge.waitForEvent(
        'message.ack',
        (e) => e.data.id === second.messageId && e.data.status === 'failed',
      );
      expect(bridge.fake.requests('send_message').map((request) => request.responseStatus)).toEqual([
        401, 401,
      ]);
      expect(bridge.eventsOf('account.status', (e) => e.data.status === 'disconnected')).toHaveLength(1);
    } finally {
      await bridge.stop();
    }
  });
});
