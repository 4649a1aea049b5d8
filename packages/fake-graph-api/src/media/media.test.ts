import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import got, { type Got } from 'got';
import { describe, expect } from 'vitest';
import { MetaErrorBody } from '../errors/graph-error';
import { startFakeGraphApi } from '../fake-graph-api';
import { ACCESS_TOKEN, PHONE_NUMBER_ID, sampleBusiness, test } from '../test-fixtures';

function form(
  bytes: Uint8Array,
  mimeType: string,
  fields: Record<string, string> = { messaging_product: 'whatsapp' },
) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  body.set('type', mimeType);
  body.set('file', new Blob([bytes], { type: mimeType }), 'upload.bin');
  return body;
}

async function upload(graph: Got, bytes: Uint8Array, mimeType: string) {
  return graph.post<unknown>(`${PHONE_NUMBER_ID}/media`, { body: form(bytes, mimeType) });
}

/** A WebP header whose VP8X flags mark it animated, padded to `size` bytes. */
function animatedWebp(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(Buffer.from('RIFF'), 0);
  bytes.set(Buffer.from('WEBPVP8X'), 8);
  bytes[20] = 0x02;
  return bytes;
}

describe('media', () => {
  test('uploads, describes, downloads with the token, and deletes a file', async ({ fake, graph }) => {
    const bytes = Buffer.from('\xff\xd8\xff\xe0 a tiny jpeg', 'latin1');
    const uploaded = await upload(graph, bytes, 'image/jpeg');
    expect(uploaded.statusCode).toBe(200);
    const { id } = uploaded.body as { id: string };
    expect(id).toMatch(/^\d{15,16}$/);
    expect(fake.requests('upload_media')[0]?.body).toEqual({
      messaging_product: 'whatsapp',
      type: 'image/jpeg',
      file: { filename: 'upload.bin', type: 'image/jpeg', size: bytes.length },
    });

    const described = await graph.get(id, { responseType: 'text' });
    expect(described.body).toContain(String.raw`"url":"http:\/\/127.0.0.1:`);
    const info = JSON.parse(described.body);
    expect(info).toEqual({
      messaging_product: 'whatsapp',
      url: expect.stringMatching(/\/whatsapp_business\/attachments\/\?mid=\d+&ext=\d+&hash=/),
      mime_type: 'image/jpeg',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      file_size: String(bytes.length),
      id,
    });

    const download = await got.get(info.url, {
      headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
      responseType: 'buffer',
    });
    expect(download.headers['content-type']).toBe('image/jpeg');
    expect(download.body).toEqual(bytes);

    const noToken = await got.get(info.url, { throwHttpErrors: false });
    expect(noToken.statusCode).toBe(404);
    const forged = await got.get(info.url.replace(/hash=[^&]+/, 'hash=forged'), {
      headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
      throwHttpErrors: false,
    });
    expect(forged.statusCode).toBe(404);

    const wrongNumber = await graph.get(id, { searchParams: { phone_number_id: '123456789012345' } });
    expect(MetaErrorBody.parse(wrongNumber.body).error.code).toBe(100);

    const deleted = await graph.delete(id);
    expect(deleted.body).toEqual({ success: true });
    expect(MetaErrorBody.parse((await graph.get(id)).body).error).toMatchObject({
      code: 100,
      error_subcode: 33,
    });
    const gone = await got.get(info.url, {
      headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
      throwHttpErrors: false,
    });
    expect(gone.statusCode).toBe(404);
  });

  const LIMITS: Array<[string, Uint8Array, string, number]> = [
    ['an image over 5 MB', new Uint8Array(5 * 1024 * 1024 + 1), 'image/jpeg', 131053],
    ['a static sticker over 100 KB', new Uint8Array(100 * 1024 + 1), 'image/webp', 131053],
    ['an unsupported type', new Uint8Array(10), 'application/zip', 100],
  ];
  test.for(LIMITS)('refuses %s', async ([, bytes, mimeType, code], { graph }) => {
    const response = await upload(graph, bytes, mimeType);
    expect(response.statusCode).toBe(400);
    expect(MetaErrorBody.parse(response.body).error.code).toBe(code);
  });

  test('accepts an animated sticker up to 500 KB', async ({ graph }) => {
    expect((await upload(graph, animatedWebp(400 * 1024), 'image/webp')).statusCode).toBe(200);
    expect((await upload(graph, animatedWebp(500 * 1024 + 1), 'image/webp')).statusCode).toBe(400);
  });

  test('requires messaging_product and a file', async ({ graph }) => {
    const noProduct = await graph.post(`${PHONE_NUMBER_ID}/media`, {
      body: form(new Uint8Array(3), 'image/png', {}),
    });
    expect(MetaErrorBody.parse(noProduct.body).error).toMatchObject({
      code: 100,
      error_data: { details: 'The parameter messaging_product is required.' },
    });
    const noFile = new FormData();
    noFile.set('messaging_product', 'whatsapp');
    const response = await graph.post(`${PHONE_NUMBER_ID}/media`, { body: noFile });
    expect(MetaErrorBody.parse(response.body).error.error_data?.details).toBe(
      'The parameter file is required.',
    );
  });

  test('does not let another business’s token read or download the media', async ({ fake, graph }) => {
    const { id } = (await upload(graph, new Uint8Array(8), 'image/png')).body as { id: string };
    const { url } = (await graph.get<{ url: string }>(id)).body;
    fake.registerBusiness({ wabaId: '200000000000001', accessTokens: ['EAAGother'] });
    const foreign = await graph.get(id, { headers: { authorization: 'Bearer EAAGother' } });
    expect(MetaErrorBody.parse(foreign.body).error.error_subcode).toBe(33);
    const download = await got.get(url, {
      headers: { authorization: 'Bearer EAAGother' },
      throwHttpErrors: false,
    });
    expect(download.statusCode).toBe(404);
  });
});

test('media URLs stop working when they expire', async ({ receiver }) => {
  const fake = await startFakeGraphApi({ mediaUrlTtlMs: 1000, businesses: [sampleBusiness(receiver.url)] });
  try {
    const graph = got.extend({
      prefixUrl: fake.graphUrl(),
      headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
      responseType: 'json',
    });
    const { id } = (await upload(graph, new Uint8Array(8), 'image/png')).body as { id: string };
    const { url } = (await graph.get<{ url: string }>(id)).body;
    await sleep(1100);
    const expired = await got.get(url, {
      headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
      throwHttpErrors: false,
    });
    expect(expired.statusCode).toBe(404);
  } finally {
    await fake.close();
  }
});
