import { createHash } from 'node:crypto';
import got from 'got';
import { describe, expect } from 'vitest';
import { ACCESS_TOKEN, PHONE_NUMBER_ID, statusesIn, test, USER } from '../test-fixtures';
import type { InboundMessageContent } from './inbound';

const VARIANTS: Array<[string, InboundMessageContent, Record<string, unknown>]> = [
  [
    'text',
    { type: 'text', text: { body: 'Does it come in another color?' } },
    { text: { body: 'Does it come in another color?' } },
  ],
  [
    'location',
    {
      type: 'location',
      location: { latitude: 37.44, longitude: -122.16, name: 'Philz Coffee', address: '101 Forest Ave' },
    },
    { location: { latitude: 37.44, longitude: -122.16, name: 'Philz Coffee', address: '101 Forest Ave' } },
  ],
  [
    'contacts',
    {
      type: 'contacts',
      contacts: [
        {
          name: { formatted_name: 'Lucía Gómez', first_name: 'Lucía' },
          phones: [{ phone: '+1 983 555 2319', wa_id: '19835552319', type: 'MOBILE' }],
        },
      ],
    },
    { contacts: [{ name: { formatted_name: 'Lucía Gómez', first_name: 'Lucía' } }] },
  ],
  [
    'reaction',
    { type: 'reaction', reaction: { message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0RTJEOTc2', emoji: '👍' } },
    { reaction: { message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0RTJEOTc2', emoji: '👍' } },
  ],
  [
    'button reply',
    {
      type: 'interactive',
      context: { id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2' },
      interactive: { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } },
    },
    {
      context: { from: '15550783881', id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2' },
      interactive: { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } },
    },
  ],
  [
    'list reply',
    {
      type: 'interactive',
      interactive: {
        type: 'list_reply',
        list_reply: { id: 'priority_express', title: 'Priority', description: 'Next Day' },
      },
    },
    {
      interactive: {
        type: 'list_reply',
        list_reply: { id: 'priority_express', title: 'Priority', description: 'Next Day' },
      },
    },
  ],
  [
    'template button',
    { type: 'button', button: { payload: 'Unsubscribe', text: 'Unsubscribe' } },
    { button: { payload: 'Unsubscribe', text: 'Unsubscribe' } },
  ],
  [
    'forwarded text',
    { type: 'text', context: { forwarded: true }, text: { body: 'fwd' } },
    { context: { forwarded: true } },
  ],
  [
    'unsupported',
    { type: 'unsupported' },
    {
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          message: 'Message type unknown',
          error_data: { details: 'Message type is currently not supported.' },
        },
      ],
    },
  ],
];

describe('inbound messages on demand', () => {
  test.for(VARIANTS)(
    'delivers a %s message in Meta’s shape',
    async ([, message, expected], { fake, receiver }) => {
      const built = fake.sendInboundMessage({
        phoneNumberId: PHONE_NUMBER_ID,
        from: USER,
        profileName: 'Sheena',
        message,
      });
      const [webhook] = await receiver.waitFor((all) => all.length === 1);
      expect(webhook?.schemaError).toBeUndefined();
      expect(webhook?.signatureValid).toBe(true);
      const value = webhook?.payload?.entry[0]?.changes[0]?.value;
      expect(value?.contacts).toEqual([{ profile: { name: 'Sheena' }, wa_id: USER }]);
      expect(value?.messages).toEqual([built.message]);
      expect(built.message).toMatchObject({
        from: USER,
        id: expect.stringMatching(/^wamid\.HBgL/),
        timestamp: expect.stringMatching(/^\d{10}$/),
        type: message.type,
        ...expected,
      });
    },
  );

  test('escapes unicode in the raw body while the parsed profile name stays intact', async ({
    fake,
    receiver,
  }) => {
    fake.sendInboundMessage({
      phoneNumberId: PHONE_NUMBER_ID,
      from: USER,
      profileName: 'Lucía 🌷',
      message: { type: 'text', text: { body: 'olá — 日本' } },
    });
    const [webhook] = await receiver.waitFor((all) => all.length === 1);
    expect(webhook?.rawBody).toContain(String.raw`"profile":{"name":"Luc\u00eda \ud83c\udf37"}`);
    expect(webhook?.rawBody).toContain(String.raw`"body":"ol\u00e1 \u2014 \u65e5\u672c"`);
    expect(webhook?.rawBody).toMatch(/^[\x20-\x7e]*$/);
    expect(webhook?.payload?.entry[0]?.changes[0]?.value.contacts?.[0]?.profile.name).toBe('Lucía 🌷');
  });

  test('delivers media whose id resolves to a downloadable file with matching hashes', async ({
    fake,
    graph,
    receiver,
  }) => {
    const file = Buffer.from('%PDF-1.7 fake invoice');
    fake.sendInboundMessage({
      phoneNumberId: PHONE_NUMBER_ID,
      from: USER,
      profileName: 'Sheena',
      message: { type: 'document', document: { caption: 'Invoice', filename: 'invoice.pdf' } },
      file: { content: file, mimeType: 'application/pdf' },
    });
    const [webhook] = await receiver.waitFor((all) => all.length === 1);
    const message = webhook?.payload?.entry[0]?.changes[0]?.value.messages?.[0];
    if (message?.type !== 'document') throw new Error('expected a document message');
    const digest = createHash('sha256').update(file).digest();
    expect(message.document).toEqual({
      caption: 'Invoice',
      filename: 'invoice.pdf',
      mime_type: 'application/pdf',
      sha256: digest.toString('base64'),
      id: expect.stringMatching(/^\d{15,16}$/),
    });
    expect(webhook?.rawBody).toContain(String.raw`"mime_type":"application\/pdf"`);

    const info = await graph.get<{ url: string; sha256: string; file_size: string }>(message.document.id);
    expect(info.body).toMatchObject({ sha256: digest.toString('hex'), file_size: String(file.length) });
    const download = await got.get(info.body.url, {
      headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
      responseType: 'buffer',
    });
    expect(download.body).toEqual(file);
  });

  const MEDIA_KINDS: Array<[InboundMessageContent, string]> = [
    [{ type: 'image', image: { caption: 'Taj Mahal' } }, 'image/jpeg'],
    [{ type: 'video', video: {} }, 'video/mp4'],
    [{ type: 'audio', audio: { voice: true } }, 'audio/ogg'],
    [{ type: 'sticker', sticker: { animated: false } }, 'image/webp'],
  ];
  test.for(MEDIA_KINDS)(
    'delivers %o with a placeholder file Graph serves',
    async ([message, mimeType], { fake, graph }) => {
      const built = fake.sendInboundMessage({
        phoneNumberId: PHONE_NUMBER_ID,
        from: USER,
        profileName: 'S',
        message,
      });
      const media = (built.message as Record<string, unknown>)[message.type] as {
        id: string;
        mime_type: string;
      };
      expect(media.mime_type).toBe(mimeType);
      const info = await graph.get<{ mime_type: string; file_size: string }>(media.id);
      expect(info.statusCode).toBe(200);
      expect(info.body).toMatchObject({ mime_type: mimeType, file_size: '1024' });
    },
  );

  test('counts toward the window: a free-form reply after an inbound message is delivered', async ({
    fake,
    graph,
    receiver,
  }) => {
    fake.sendInboundMessage({
      phoneNumberId: PHONE_NUMBER_ID,
      from: USER,
      profileName: 'Sheena',
      message: { type: 'text', text: { body: 'hi' } },
    });
    await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      json: { messaging_product: 'whatsapp', to: USER, text: { body: 'hello' } },
    });
    await fake.waitForWebhooks();
    const statuses = statusesIn(receiver.received()).map((status) => status.status);
    expect(statuses).toEqual(['sent', 'delivered', 'read']);
  });

  test('refuses input Meta could not have sent', ({ fake }) => {
    expect(() =>
      fake.sendInboundMessage({
        phoneNumberId: PHONE_NUMBER_ID,
        from: 'not-a-number',
        profileName: 'x',
        message: { type: 'text', text: { body: 'hi' } },
      }),
    ).toThrow();
    expect(() =>
      fake.sendInboundMessage({
        phoneNumberId: '999',
        from: USER,
        profileName: 'x',
        message: { type: 'text', text: { body: 'hi' } },
      }),
    ).toThrow(/no phone number 999/);
    expect(() =>
      fake.sendInboundMessage({
        phoneNumberId: PHONE_NUMBER_ID,
        from: USER,
        profileName: 'x',
        message: { type: 'image', image: {} },
        file: { content: new Uint8Array(4), mimeType: 'application/pdf' },
      }),
    ).toThrow(/image messages cannot carry files of type application\/pdf/);
  });
});
