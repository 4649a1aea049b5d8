import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';

/** One uploaded (encrypted) media blob. */
export interface StoredMedia {
  readonly id: string;
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly uploadedAt: number;
}

/** Upload tokens a `media_conn` answer hands out, and how long each is valid. */
const MEDIA_AUTH_TTL_SECONDS = 3600;

/**
 * Media blobs uploaded by clients and by emulated phones. Like WhatsApp's media servers it stores
 * the already-encrypted bytes and never sees keys; clients download them by URL or direct path.
 */
export class MediaStore {
  private readonly blobs = new Map<string, StoredMedia>();
  private readonly tokens = new Map<string, number>();

  /** A fresh upload token for a `media_conn` answer. */
  issueAuthToken(): { auth: string; ttlSeconds: number } {
    const auth = randomBytes(24).toString('base64url');
    this.tokens.set(auth, Date.now() + MEDIA_AUTH_TTL_SECONDS * 1000);
    return { auth, ttlSeconds: MEDIA_AUTH_TTL_SECONDS };
  }

  isValidToken(auth: string | null): boolean {
    const expiry = auth ? this.tokens.get(auth) : undefined;
    return expiry !== undefined && expiry > Date.now();
  }

  put(bytes: Buffer, mediaType: string): StoredMedia {
    const media: StoredMedia = {
      id: randomBytes(16).toString('hex'),
      bytes,
      mediaType,
      uploadedAt: Date.now(),
    };
    this.blobs.set(media.id, media);
    return media;
  }

  async putStream(stream: Readable, mediaType: string): Promise<StoredMedia> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) {
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
    return this.put(Buffer.concat(chunks), mediaType);
  }

  get(id: string): StoredMedia | undefined {
    return this.blobs.get(id);
  }

  /** WhatsApp-shaped direct path for a stored blob; the id is its last path segment. */
  static directPath(media: StoredMedia): string {
    return `/v/t62.7118-24/${media.id}.enc`;
  }

  /** Reads the blob id back out of a download path (`/v/…/<id>.enc` or `/media/<id>`). */
  static idFromPath(pathname: string): string | undefined {
    return /\/([0-9a-f]{32})(?:\.enc)?$/.exec(pathname)?.[1];
  }
}
