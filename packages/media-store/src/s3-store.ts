import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { assertMediaKey, type MediaStore, type StoredObject } from './media-store';

/** Where an S3-compatible bucket is and how to sign for it. */
export interface S3MediaStoreOptions {
  bucket: string;
  /** `https://s3.eu-west-1.amazonaws.com`, or a MinIO/R2/Ceph/… endpoint; absent for AWS by region. */
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `bucket.host/key` (false) or `host/bucket/key` (true, what most self-hosted stores need). */
  forcePathStyle?: boolean;
  /** Prefix of every key, to share a bucket. */
  prefix?: string;
}

const isMissing = (error: unknown) =>
  error instanceof NoSuchKey ||
  error instanceof NotFound ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/**
 * Media in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Ceph…): shared by every process
 * and outside NATS. The MIME type is the object's `Content-Type`, the SHA-256 its metadata.
 *
 * @example
 * const store = new S3MediaStore({ bucket: 'wagate-media', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
 */
export class S3MediaStore implements MediaStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3MediaStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
    });
  }

  async put(key: string, data: Uint8Array, mimeType: string): Promise<StoredObject> {
    assertMediaKey(key);
    const sha256 = createHash('sha256').update(data).digest('hex');
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.prefix + key,
        Body: data,
        ContentType: mimeType,
        ContentLength: data.byteLength,
        Metadata: { sha256 },
      }),
    );
    return { key, size: data.byteLength, sha256, mimeType };
  }

  async open(key: string): Promise<Readable | undefined> {
    assertMediaKey(key);
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return object.Body as Readable;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    assertMediaKey(key);
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return {
        key,
        size: head.ContentLength ?? 0,
        sha256: head.Metadata?.sha256 ?? '',
        mimeType: head.ContentType ?? 'application/octet-stream',
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertMediaKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }
}
