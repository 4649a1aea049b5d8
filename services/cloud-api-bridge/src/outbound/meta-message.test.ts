import type { OutboundContent } from '@wagate/contracts';
import { MetaSendMessageBody } from '@wagate/fake-graph-api';
import { describe, expect, test } from 'vitest';
import { metaMessageBody, UnsupportedOnCloudError } from './meta-message';

const to = '16505551234';
const media = { id: '1037543291543636' };

/** One content of each kind with what Meta must receive for it (CLOUD-API.md "Send"). */
const CASES: Array<[string, OutboundContent, Record<string, unknown>]> = [
  ['text', { type: 'text', text: 'olá' }, { type: 'text', text: { body: 'olá' } }],
  [
    'image with caption',
    { type: 'image', media: { url: 'https://example.com/a.jpg' }, caption: 'look' },
    { type: 'image', image: { ...media, caption: 'look' } },
  ],
  ['video', { type: 'video', media: { mediaId: 'm1' } }, { type: 'video', video: media }],
  ['audio', { type: 'audio', media: { mediaId: 'm1' }, voiceNote: true }, { type: 'audio', audio: media }],
  [
    'document with file name',
    { type: 'document', media: { mediaId: 'm1' }, fileName: 'invoice.pdf', caption: 'April' },
    { type: 'document', document: { ...media, caption: 'April', filename: 'invoice.pdf' } },
  ],
  ['sticker', { type: 'sticker', media: { mediaId: 'm1' } }, { type: 'sticker', sticker: media }],
  [
    'location',
    { type: 'location', latitude: 37.48, longitude: -122.15, name: 'Meta HQ', address: '1 Hacker Way' },
    {
      type: 'location',
      location: { latitude: 37.48, longitude: -122.15, name: 'Meta HQ', address: '1 Hacker Way' },
    },
  ],
  [
    'contacts',
    {
      type: 'contacts',
      contacts: [
        {
          name: 'Lucía Pérez',
          phones: [{ number: '+1 650 555 1234', type: 'CELL', waId: '16505551234@s.whatsapp.net' }],
          emails: ['lucia@example.com'],
          organization: 'Jaspers',
        },
      ],
    },
    {
      type: 'contacts',
      contacts: [
        {
          name: { formatted_name: 'Lucía Pérez', first_name: 'Lucía', last_name: 'Pérez' },
          phones: [{ phone: '+1 650 555 1234', type: 'CELL', wa_id: '16505551234' }],
          emails: [{ email: 'lucia@example.com' }],
          org: { company: 'Jaspers' },
        },
      ],
    },
  ],
  [
    'contact from a vCard',
    {
      type: 'contacts',
      contacts: [
        {
          name: 'Ana',
          phones: [],
          vcard:
            'BEGIN:VCARD\nVERSION:3.0\nFN:Ana\nTEL;type=CELL;waid=5511999999999:+55 11 99999-9999\nEND:VCARD',
        },
      ],
    },
    {
      type: 'contacts',
      contacts: [
        {
          name: { formatted_name: 'Ana', first_name: 'Ana' },
          phones: [{ phone: '+55 11 99999-9999', wa_id: '5511999999999' }],
        },
      ],
    },
  ],
  [
    'buttons',
    {
      type: 'buttons',
      text: 'Ship now?',
      footer: 'Jaspers',
      buttons: [
        { id: 'yes', title: 'Yes' },
        { id: 'no', title: 'No' },
      ],
    },
    {
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: 'Ship now?' },
        footer: { text: 'Jaspers' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'yes', title: 'Yes' } },
            { type: 'reply', reply: { id: 'no', title: 'No' } },
          ],
        },
      },
    },
  ],
  [
    'list',
    {
      type: 'list',
      text: 'Pick a slot',
      buttonText: 'Slots',
      title: 'Delivery',
      sections: [{ title: 'Today', rows: [{ id: 'am', title: 'Morning', description: '9-12' }] }],
    },
    {
      type: 'interactive',
      interactive: {
        type: 'list',
        header: { type: 'text', text: 'Delivery' },
        body: { text: 'Pick a slot' },
        action: {
          button: 'Slots',
          sections: [{ title: 'Today', rows: [{ id: 'am', title: 'Morning', description: '9-12' }] }],
        },
      },
    },
  ],
  [
    'cta_url',
    { type: 'cta_url', text: 'Track it', displayText: 'Open', url: 'https://example.com/t/1' },
    {
      type: 'interactive',
      interactive: {
        type: 'cta_url',
        body: { text: 'Track it' },
        action: { name: 'cta_url', parameters: { display_text: 'Open', url: 'https://example.com/t/1' } },
      },
    },
  ],
  [
    'template',
    {
      type: 'template',
      name: 'order_update',
      language: 'en_US',
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Lucía' }] }],
    },
    {
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Lucía' }] }],
      },
    },
  ],
];

describe("Meta's send body", () => {
  for (const [name, content, expected] of CASES) {
    test(`${name}: the shape Meta documents, accepted by Meta's schema`, () => {
      const body = metaMessageBody({
        to,
        content,
        ...('media' in content ? { media } : {}),
      });
      expect(body).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to, ...expected });
      expect(MetaSendMessageBody.safeParse(JSON.parse(JSON.stringify(body))).success).toBe(true);
    });
  }

  test('a link, a reply context and a link preview', () => {
    const body = metaMessageBody({
      to,
      content: { type: 'image', media: { url: 'https://example.com/a.jpg' } },
      media: { link: 'https://example.com/a.jpg' },
      replyToWamid: 'wamid.QUOTED',
    });
    expect(body).toMatchObject({
      image: { link: 'https://example.com/a.jpg' },
      context: { message_id: 'wamid.QUOTED' },
    });
    expect(MetaSendMessageBody.safeParse(body).success).toBe(true);
    const text = metaMessageBody({
      to,
      content: { type: 'text', text: 'see https://x.io' },
      linkPreview: true,
    });
    expect(text).toMatchObject({ text: { body: 'see https://x.io', preview_url: true } });
  });

  test('a reaction names its message and never carries a context', () => {
    const body = metaMessageBody({
      to,
      content: { type: 'reaction', messageId: '3EB0ABC', emoji: '👍' },
      reactionTargetWamid: 'wamid.TARGET',
      replyToWamid: 'wamid.IGNORED',
    });
    expect(body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      type: 'reaction',
      reaction: { message_id: 'wamid.TARGET', emoji: '👍' },
    });
    expect(MetaSendMessageBody.safeParse(body).success).toBe(true);
  });

  test('a poll cannot be sent through the Cloud API', () => {
    expect(() =>
      metaMessageBody({
        to,
        content: { type: 'poll', name: 'Lunch?', options: ['a', 'b'], selectableCount: 1 },
      }),
    ).toThrow(UnsupportedOnCloudError);
  });
});
