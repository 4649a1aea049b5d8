import { extname } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { PermanentError } from '@wagate/bus';
import type { StoredMedia } from '@wagate/contracts';
import type { MessageHistoryRepository } from '@wagate/db';
import type { MediaStore } from '@wagate/media-store';
import type { GraphClient, GraphCredentials } from '../graph/graph-client';
import type { MediaContent, MetaMediaReference } from './meta-message';

/** MIME types of the file extensions Meta accepts, for media given without one. */
const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.3gp': 'video/3gpp',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.amr': 'audio/amr',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.ppt': 'application/vnd.ms-powerpoint',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

function mimeOfName(name: string | undefined): string | undefined {
  return name ? MIME_BY_EXTENSION[extname(name).toLowerCase()] : undefined;
}

/** What history says of media whose type nobody gave. */
const UNKNOWN_TYPE = 'application/octet-stream';

function fileNameOf(content: MediaContent): string | undefined {
  return (content.type === 'document' ? content.fileName : undefined) ?? content.media.fileName;
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/**
 * Turns the `MediaSource` of an outbound message into what Meta takes: a URL becomes `link` (Meta
 * fetches it), inline base64 and media of the product's store (`mediaId`) are uploaded to
 * `/{phone-number-id}/media` and sent by the id Meta returns.
 *
 * @example
 * const stored = await media.describe('support', content);
 * const reference = await media.reference(credentials, 'support', content); // { link } or { id }
 */
export class OutboundMedia {
  constructor(
    private readonly graph: GraphClient,
    private readonly history: MessageHistoryRepository,
    private readonly store: MediaStore,
  ) {}

  /** The media as history describes it, without uploading anything; never fails on bad input. */
  async describe(accountId: string, content: MediaContent): Promise<StoredMedia> {
    const source = content.media;
    const fileName = fileNameOf(content);
    const named = fileName ? { fileName } : {};
    if (source.url) {
      return { mimeType: source.mimeType ?? mimeOfName(pathOf(source.url)) ?? UNKNOWN_TYPE, ...named };
    }
    if (source.base64) {
      return {
        mimeType: source.mimeType ?? mimeOfName(fileName) ?? UNKNOWN_TYPE,
        ...named,
        size: Buffer.byteLength(source.base64, 'base64'),
      };
    }
    const row = await this.history.media(accountId, source.mediaId!);
    const rowName = fileName ?? row?.fileName ?? undefined;
    return {
      id: source.mediaId!,
      mimeType: source.mimeType ?? row?.mimeType ?? UNKNOWN_TYPE,
      ...(rowName ? { fileName: rowName } : {}),
      ...(row ? { size: row.size, sha256: row.sha256 } : {}),
    };
  }

  /**
   * Where Meta finds the media: the link, or the id of an upload made now. `PermanentError` when the
   * media cannot be sent (empty, of unknown type, not in the store).
   */
  async reference(
    credentials: GraphCredentials,
    accountId: string,
    content: MediaContent,
  ): Promise<MetaMediaReference> {
    const source = content.media;
    const fileName = fileNameOf(content);
    if (source.url) return { link: source.url };
    if (source.base64) {
      const data = Buffer.from(source.base64, 'base64');
      const mimeType = source.mimeType ?? mimeOfName(fileName);
      if (data.byteLength === 0) throw new PermanentError('the base64 media is empty');
      if (!mimeType)
        throw new PermanentError('base64 media needs a mimeType (or a fileName with a known extension)');
      return this.#upload(credentials, data, mimeType, fileName);
    }
    const mediaId = source.mediaId!;
    const row = await this.history.media(accountId, mediaId);
    const stream = row ? await this.store.open(row.storageKey) : undefined;
    if (!row || !stream)
      throw new PermanentError(`media "${mediaId}" is not stored for account ${accountId}`);
    return this.#upload(
      credentials,
      await buffer(stream),
      source.mimeType ?? row.mimeType,
      fileName ?? row.fileName ?? undefined,
    );
  }

  async #upload(
    credentials: GraphCredentials,
    data: Buffer,
    mimeType: string,
    fileName: string | undefined,
  ): Promise<MetaMediaReference> {
    return {
      id: await this.graph.uploadMedia(credentials, { data, mimeType, fileName: fileName ?? 'file' }),
    };
  }
}
