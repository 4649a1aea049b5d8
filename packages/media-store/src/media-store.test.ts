import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { connect } from '@nats-io/transport-node';
import { describe, expect, test } from '@wagate/test-servers';
import { LocalDirectoryMediaStore } from './local-directory-store';
import type { MediaStore } from './media-store';
import { JetStreamMediaStore } from './object-store';
import { S3MediaStore } from './s3-store';

async function roundTrip(store: MediaStore): Promise<void> {
  const bytes = new Uint8Array(randomBytes(300_000));
  const stored = await store.put('acct/media-1', bytes, 'image/jpeg');
  expect(stored).toMatchObject({ key: 'acct/media-1', size: 300_000, mimeType: 'image/jpeg' });
  expect(await store.stat('acct/media-1')).toEqual(stored);
  const stream = await store.open('acct/media-1');
  const chunks: Buffer[] = [];
  for await (const chunk of stream!) chunks.push(Buffer.from(chunk));
  expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true);
  await store.put('acct/media-2', new TextEncoder().encode('hello'), 'text/plain');
  expect(await text((await store.open('acct/media-2'))!)).toBe('hello');
  await store.delete('acct/media-1');
  await store.delete('acct/media-1');
  expect(await store.open('acct/media-1')).toBeUndefined();
  expect(await store.stat('acct/media-1')).toBeUndefined();
  await expect(store.put('../escape', bytes, 'image/jpeg')).rejects.toThrow(RangeError);
}

describe('media stores', () => {
  test('a local directory stores, streams, describes and deletes bytes', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'wagate-media-'));
    try {
      await roundTrip(new LocalDirectoryMediaStore(directory));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('a JetStream object store does the same across processes', async ({ natsNamespace }) => {
    const nc = await connect({ servers: natsNamespace.url });
    try {
      await roundTrip(await JetStreamMediaStore.open(nc, `${natsNamespace.namespace}_WA_MEDIA`));
    } finally {
      const { Objm } = await import('@nats-io/obj');
      await (await new Objm(nc).open(`${natsNamespace.namespace}_WA_MEDIA`)).destroy();
      await nc.close();
    }
  });

  test('an S3-compatible bucket does the same (against s3rver, an S3 API fake)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'wagate-s3-'));
    const { default: S3rver } = await import('s3rver');
    const server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory,
      configureBuckets: [{ name: 'media', configs: [] }],
    });
    const { port } = (await server.run()) as { port: number };
    const store = new S3MediaStore({
      bucket: 'media',
      endpoint: `http://127.0.0.1:${port}`,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      prefix: 'wagate/',
    });
    try {
      await roundTrip(store);
    } finally {
      store.close();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
