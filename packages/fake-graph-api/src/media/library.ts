import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { newGraphObjectId } from '../ids';

/**
 * A file the fake holds: uploaded by the business or sent by a user.
 *
 * @example
 * library.get(mediaId)?.sha256Hex;
 */
export interface StoredMedia {
  id: string;
  wabaId: string;
  phoneNumberId: string;
  bytes: Buffer;
  mimeType: string;
  /** `GET /{media-id}` reports the SHA-256 in hex. */
  sha256Hex: string;
  /** Inbound message webhooks report it in base64. */
  sha256Base64: string;
  filename: string | undefined;
  storedAt: number;
}

interface MediaUpload {
  wabaId: string;
  phoneNumberId: string;
  bytes: Uint8Array;
  mimeType: string;
  filename?: string;
}

/**
 * The path of download URLs, the same as on Meta's lookaside host.
 *
 * @example
 * graph.get(MEDIA_DOWNLOAD_PATH, (c) => downloadMedia(c, platform));
 */
export const MEDIA_DOWNLOAD_PATH = '/whatsapp_business/attachments/';

/**
 * Uploaded and received media, and the short-lived download URLs that `GET /{media-id}` hands out
 * (signed, so a URL cannot be forged or extended; valid for `urlTtlMs`, 5 minutes at Meta).
 *
 * @example
 * const media = library.store({ wabaId, phoneNumberId, bytes, mimeType: 'image/jpeg' });
 * library.downloadUrl(media.id, 'http://127.0.0.1:4000', Date.now());
 */
export class MediaLibrary {
  readonly #media = new Map<string, StoredMedia>();
  readonly #urlKey = randomBytes(32);

  constructor(readonly urlTtlMs: number) {}

  store(upload: MediaUpload): StoredMedia {
    const bytes = Buffer.from(upload.bytes);
    const digest = createHash('sha256').update(bytes).digest();
    const media: StoredMedia = {
      id: newGraphObjectId(),
      wabaId: upload.wabaId,
      phoneNumberId: upload.phoneNumberId,
      bytes,
      mimeType: upload.mimeType,
      sha256Hex: digest.toString('hex'),
      sha256Base64: digest.toString('base64'),
      filename: upload.filename,
      storedAt: Date.now(),
    };
    this.#media.set(media.id, media);
    return media;
  }

  get(mediaId: string): StoredMedia | undefined {
    return this.#media.get(mediaId);
  }

  delete(mediaId: string): boolean {
    return this.#media.delete(mediaId);
  }

  /** A URL like Meta's `…/whatsapp_business/attachments/?mid=…&ext=…&hash=…`. */
  downloadUrl(mediaId: string, baseUrl: string, now: number): string {
    const expiresAt = String(Math.floor((now + this.urlTtlMs) / 1000));
    const url = new URL(MEDIA_DOWNLOAD_PATH, baseUrl);
    url.searchParams.set('mid', mediaId);
    url.searchParams.set('ext', expiresAt);
    url.searchParams.set('hash', this.#sign(mediaId, expiresAt));
    return url.toString();
  }

  /** The media a download URL points to, if the URL is genuine, unexpired and the media still there. */
  resolveDownload(
    query: { mid?: string; ext?: string; hash?: string },
    now: number,
  ): StoredMedia | undefined {
    const { mid, ext, hash } = query;
    if (mid === undefined || ext === undefined || hash === undefined) return undefined;
    const expected = Buffer.from(this.#sign(mid, ext));
    const received = Buffer.from(hash);
    if (expected.length !== received.length || !timingSafeEqual(expected, received)) return undefined;
    if (Number(ext) * 1000 <= now) return undefined;
    return this.#media.get(mid);
  }

  #sign(mediaId: string, expiresAt: string): string {
    return createHmac('sha256', this.#urlKey).update(`${mediaId}:${expiresAt}`).digest('base64url');
  }
}
