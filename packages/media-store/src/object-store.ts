import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { NatsConnection } from '@nats-io/nats-core';
import { type ObjectStore, Objm } from '@nats-io/obj';
import { assertMediaKey, type MediaStore, type StoredObject } from './media-store';

/**
 * Media in a JetStream object store: shared by every process that reaches the NATS cluster, so
 * services on different nodes need no shared disk or S3.
 *
 * @example
 * const store = await JetStreamMediaStore.open(nc, 'WA_MEDIA', { replicas: 1 });
 */
export class JetStreamMediaStore implements MediaStore {
  private constructor(private readonly bucket: ObjectStore) {}

  /** Opens the bucket, creating it when missing. */
  static async open(
    nc: NatsConnection,
    bucket: string,
    options: { replicas?: number } = {},
  ): Promise<JetStreamMediaStore> {
    const store = await new Objm(nc).create(bucket, { replicas: options.replicas ?? 1 });
    return new JetStreamMediaStore(store);
  }

  async put(key: string, data: Uint8Array, mimeType: string): Promise<StoredObject> {
    assertMediaKey(key);
    const sha256 = createHash('sha256').update(data).digest('hex');
    await this.bucket.putBlob(
      { name: key, headers: undefined, description: JSON.stringify({ mimeType, sha256 }) },
      data,
    );
    return { key, size: data.byteLength, sha256, mimeType };
  }

  async open(key: string): Promise<Readable | undefined> {
    assertMediaKey(key);
    const result = await this.bucket.get(key);
    if (!result) return undefined;
    return Readable.fromWeb(result.data as Parameters<typeof Readable.fromWeb>[0]);
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    assertMediaKey(key);
    const info = await this.bucket.info(key);
    if (!info || info.deleted) return undefined;
    const { mimeType, sha256 } = JSON.parse(info.description ?? '{}') as {
      mimeType?: string;
      sha256?: string;
    };
    return { key, size: info.size, sha256: sha256 ?? '', mimeType: mimeType ?? 'application/octet-stream' };
  }

  async delete(key: string): Promise<void> {
    assertMediaKey(key);
    if (await this.bucket.info(key)) await this.bucket.delete(key);
  }
}
