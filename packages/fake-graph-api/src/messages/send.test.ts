import { describe, expect } from 'vitest';
import { MetaErrorBody } from '../errors/graph-error';
import { ACCESS_TOKEN, openWindow, PHONE_NUMBER_ID, test, USER } from '../test-fixtures';
import { MetaSendMessageResponse } from './send-schemas';

const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: `+${USER}` };

/** One valid body per message type of CLOUD-API.md, as the bridge would send them. */
const VALID_SENDS: Record<string, Record<string, unknown>> = {
  text: { type: 'text', text: { body: 'Olá, Lucía! 👋', preview_url: false } },
  'text by default type': { text: { body: 'no type given' } },
  'image by id': { type: 'image', image: { id: '1003383421387256', caption: 'Taj Mahal' } },
  'image by link': { type: 'image', image: { link: 'https://example.com/a.jpg' } },
  video: { type: 'video', video: { link: 'https://example.com/a.mp4', caption: 'clip' } },
  audio: { type: 'audio', audio: { id: '1003383421387256' } },
  document: {
    type: 'document',
    document: { link: 'https://example.com/a.pdf', caption: 'invoice', filename: 'invoice.pdf' },
  },
  sticker: { type: 'sticker', sticker: { id: '1003383421387256' } },
  location: {
    type: 'location',
    location: { latitude: 37.758056, longitude: -122.425332, name: 'META HQ', address: '1 Hacker Way' },
  },
  contacts: {
    type: 'contacts',
    contacts: [
      {
        name: { formatted_name: 'John Smith', first_name: 'John' },
        phones: [{ phone: '+1 (650) 555-1234', type: 'WORK', wa_id: '16505551234' }],
        emails: [{ email: 'john@example.com', type: 'WORK' }],
      },
    ],
  },
  reaction: {
    type: 'reaction',
    reaction: { message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRB', emoji: '👍' },
  },
  'interactive button': {
    type: 'interactive',
    interactive: {
      type: 'button',
      body: { text: 'Pick one' },
      action: {
        buttons: [
          { type: 'reply', reply: { id: 'yes', title: 'Yes' } },
          { type: 'reply', reply: { id: 'no', title: 'No' } },
        ],
      },
    },
  },
  'interactive list': {
    type: 'interactive',
    interactive: {
      type: 'list',
      header: { type: 'text', text: 'Shipping' },
      body: { text: 'Choose a speed' },
      footer: { text: 'Prices include tax' },
      action: {
        button: 'Options',
        sections: [
          { title: 'Fast', rows: [{ id: 'express', title: 'Express', description: 'Next day' }] },
          { title: 'Slow', rows: [{ id: 'ground', title: 'Ground' }] },
        ],
      },
    },
  },
  'interactive cta_url': {
    type: 'interactive',
    interactive: {
      type: 'cta_url',
      body: { text: 'See the offer' },
      action: { name: 'cta_url', parameters: { display_text: 'Open', url: 'https://example.com/offer' } },
    },
  },
  'reply with context': {
    type: 'text',
    context: { message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRB' },
    text: { body: 'a reply' },
  },
};

describe('POST /{version}/{phone-number-id}/messages', () => {
  test.for(Object.entries(VALID_SENDS))(
    'accepts %s with Meta’s success body',
    async ([, body], { fake, graph }) => {
      openWindow(fake);
      const response = await graph.post(`${PHONE_NUMBER_ID}/messages`, { json: { ...envelope, ...body } });
      expect(response.statusCode).toBe(200);
      const answer = MetaSendMessageResponse.parse(response.body);
      expect(answer.contacts).toEqual([{ input: `+${USER}`, wa_id: USER }]);
      const [message] = answer.messages;
      const record = Buffer.from(message!.id.slice('wamid.'.length), 'base64');
      expect(record.subarray(3, 3 + USER.length).toString()).toBe(USER);
      expect(fake.requests('send_message').at(-1)?.body).toEqual({ ...envelope, ...body });
    },
  );

  test('answers templates with message_status accepted and writes the response like Meta', async ({
    graph,
  }) => {
    const response = await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      json: {
        ...envelope,
        type: 'template',
        template: {
          name: 'order_update',
          language: { code: 'en_US' },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', text: 'Lucía' },
                { type: 'text', text: 'A-1' },
              ],
            },
          ],
        },
      },
      responseType: 'text',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(response.body).toMatch(/^\{"messaging_product":"whatsapp","contacts":\[\{"input":"\+16505551234"/);
    expect(JSON.parse(response.body).messages[0].message_status).toBe('accepted');
  });

  const INVALID_SENDS: Array<[string, Record<string, unknown>, number, RegExp]> = [
    ['a missing text body', { type: 'text', text: {} }, 131008, /text\['body'\] is required/],
    [
      'a text over 4096 characters',
      { type: 'text', text: { body: 'x'.repeat(4097) } },
      131009,
      /text\['body'\]/,
    ],
    ['an unknown parameter', { type: 'text', text: { body: 'hi', bold: true } }, 100, /text\['bold'\]/],
    ['an unknown type', { type: 'poll', poll: {} }, 100, /Param type must be one of/],
    ['media with neither id nor link', { type: 'image', image: { caption: 'x' } }, 131008, /id or link/],
    [
      'media with both id and link',
      { type: 'image', image: { id: '1', link: 'https://e.com/a.jpg' } },
      131009,
      /Only one/,
    ],
    [
      'four reply buttons',
      {
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'x' },
          action: {
            buttons: ['a', 'b', 'c', 'd'].map((id) => ({ type: 'reply', reply: { id, title: id } })),
          },
        },
      },
      131009,
      /buttons/,
    ],
    [
      'a button title over 20 characters',
      {
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'x' },
          action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'x'.repeat(21) } }] },
        },
      },
      131009,
      /title/,
    ],
    [
      'a list with eleven rows',
      {
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'x' },
          action: {
            button: 'Open',
            sections: [
              { title: 'A', rows: Array.from({ length: 6 }, (_, i) => ({ id: `a${i}`, title: `A${i}` })) },
              { title: 'B', rows: Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, title: `B${i}` })) },
            ],
          },
        },
      },
      131009,
      /at most 10 rows/,
    ],
    [
      'a reaction with context',
      {
        type: 'reaction',
        context: { message_id: 'wamid.X' },
        reaction: { message_id: 'wamid.X', emoji: '👍' },
      },
      100,
      /context/,
    ],
    [
      'a latitude out of range',
      { type: 'location', location: { latitude: 91, longitude: 0 } },
      131009,
      /latitude/,
    ],
  ];

  test.for(INVALID_SENDS)('rejects %s', async ([, body, code, details], { fake, graph }) => {
    openWindow(fake);
    const response = await graph.post(`${PHONE_NUMBER_ID}/messages`, { json: { ...envelope, ...body } });
    expect(response.statusCode).toBe(400);
    const { error } = MetaErrorBody.parse(response.body);
    expect(error.code).toBe(code);
    expect(error.type).toBe('OAuthException');
    expect(error.message).toMatch(new RegExp(`^\\(#${code}\\) `));
    expect(error.error_data?.details).toMatch(details);
    expect(response.headers['x-fb-trace-id']).toBe(error.fbtrace_id);
    expect(fake.sentMessages()).toEqual([]);
  });

  test('rejects a wrong messaging_product and a missing recipient', async ({ graph }) => {
    const wrongProduct = await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      json: { ...envelope, messaging_product: 'sms', text: { body: 'x' } },
    });
    expect(MetaErrorBody.parse(wrongProduct.body).error.code).toBe(131009);
    const noRecipient = await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      json: { messaging_product: 'whatsapp', text: { body: 'x' } },
    });
    expect(MetaErrorBody.parse(noRecipient.body).error).toMatchObject({
      code: 131008,
      error_data: { details: 'The parameter to is required.' },
    });
  });
});

describe('authentication', () => {
  const send = { json: { ...envelope, text: { body: 'hi' } } };

  test('answers 104 without a token and 190 for a token Meta never issued', async ({ graph }) => {
    const missing = await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      ...send,
      headers: { authorization: undefined },
    });
    expect(missing.statusCode).toBe(401);
    expect(MetaErrorBody.parse(missing.body).error).toMatchObject({ code: 104, type: 'OAuthException' });
    const wrong = await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      ...send,
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(MetaErrorBody.parse(wrong.body).error).toMatchObject({
      code: 190,
      message: 'Invalid OAuth access token - Cannot parse access token',
    });
    expect(wrong.headers['www-authenticate']).toMatch(/^OAuth "Facebook Platform" "invalid_token"/);
  });

  test('answers 190/463 with Meta’s wording once a token expired, and 190/460 once revoked', async ({
    fake,
    graph,
  }) => {
    fake.expireAccessToken(ACCESS_TOKEN, Date.UTC(2026, 5, 26, 22, 48, 19));
    const expired = await graph.post(`${PHONE_NUMBER_ID}/messages`, send);
    expect(expired.statusCode).toBe(401);
    const { error } = MetaErrorBody.parse(expired.body);
    expect(error).toMatchObject({ code: 190, error_subcode: 463, type: 'OAuthException' });
    expect(error.message).toMatch(
      /^Error validating access token: Session has expired on Friday, 26-Jun-26 15:48:19 PDT\. The current time is \w+day, \d\d-\w{3}-\d\d \d\d:\d\d:\d\d P[DS]T\.$/,
    );

    fake.addAccessToken(fake.businesses()[0]!.wabaId, 'EAAGsecond');
    fake.revokeAccessToken('EAAGsecond');
    const revoked = await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      ...send,
      headers: { authorization: 'Bearer EAAGsecond' },
    });
    expect(MetaErrorBody.parse(revoked.body).error).toMatchObject({ code: 190, error_subcode: 460 });
  });

  test('hides numbers of other businesses and unknown ids behind code 100 subcode 33', async ({
    fake,
    graph,
  }) => {
    fake.registerBusiness({
      wabaId: '200000000000001',
      phoneNumbers: [
        { phoneNumberId: '300000000000001', displayPhoneNumber: '+44 20 7946 0000', verifiedName: 'Other' },
      ],
      accessTokens: ['EAAGother'],
    });
    for (const id of ['300000000000001', '999999999999999']) {
      const response = await graph.post(`${id}/messages`, send);
      expect(response.statusCode).toBe(400);
      expect(MetaErrorBody.parse(response.body).error).toMatchObject({
        code: 100,
        error_subcode: 33,
        type: 'GraphMethodException',
        message: expect.stringMatching(
          new RegExp(`^Unsupported post request. Object with ID '${id}' does not exist`),
        ),
      });
    }
  });

  test('accepts any vNN.N version and the access_token query parameter', async ({ fake }) => {
    openWindow(fake);
    const { default: got } = await import('got');
    const response = await got.post(`${fake.url}/v23.0/${PHONE_NUMBER_ID}/messages`, {
      searchParams: { access_token: ACCESS_TOKEN },
      json: { ...envelope, text: { body: 'hi' } },
      throwHttpErrors: false,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['facebook-api-version']).toBe('v23.0');
    const unknown = await got.get(`${fake.url}/v21.0/${PHONE_NUMBER_ID}/nothing/here`, {
      throwHttpErrors: false,
    });
    expect(JSON.parse(unknown.body).error.code).toBe(2500);
  });
});

describe('mark read and typing indicator', () => {
  test('marks a received message read, with or without typing indicator, and refuses unknown ids', async ({
    fake,
    graph,
  }) => {
    const inbound = fake.sendInboundMessage({
      phoneNumberId: PHONE_NUMBER_ID,
      from: USER,
      profileName: 'Lucía',
      message: { type: 'text', text: { body: 'olá' } },
    });
    const read = await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      json: { messaging_product: 'whatsapp', status: 'read', message_id: inbound.message.id },
    });
    expect(read.statusCode).toBe(200);
    expect(read.body).toEqual({ success: true });
    const typing = await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      json: {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: inbound.message.id,
        typing_indicator: { type: 'text' },
      },
    });
    expect(typing.body).toEqual({ success: true });
    expect(fake.requests('mark_read')).toHaveLength(2);

    const unknown = await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      json: { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.unknown' },
    });
    expect(MetaErrorBody.parse(unknown.body).error.code).toBe(100);
    const badTyping = await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      json: {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: inbound.message.id,
        typing_indicator: { type: 'audio' },
      },
    });
    expect(MetaErrorBody.parse(badTyping.body).error.code).toBe(131009);
  });
});
