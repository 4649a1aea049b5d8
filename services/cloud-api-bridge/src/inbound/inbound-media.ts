import { createHash } from 'node:crypto';
import { RetryableError } from '@wagate/bus';
import type { StoredMedia } from '@wagate/contracts';
import type { CloudMessagesRepository, MessageHistoryRepository } from '@wagate/db';
import type { MediaStore } from '@wagate/media-store';
import type { Logger } from '@wagate/observability';
import type { CloudAccountView } from '../accounts/account-directory';
import type { GraphClient } from '../graph/graph-client';
import { GraphApiError } from '../graph/graph-error';
import type { MetaInboundMedia } from './meta-webhook';

/** Whether bytes match a SHA-256 Meta gave in hex (`GET /{media-id}`) or base64 (webhooks). */
function matchesSha256(data: Uint8Array, expected: string): boolean {
  const digest = createHash('sha256').update(data).digest();
  return expected === digest.toString('hex') || expected === digest.toString('base64');
}

/**
 * Fetches the media of received messages from Meta (`GET /{media-id}`, then the short-lived URL
 * with the bearer token) into the product's media store under `<accountId>/<mediaId>`, with a
 * `media_objects` row whose id is Meta's media id. Media fetched once is not fetched again.
 *
 * @example
 * const stored = await media.fetch(account, { id: '1037…', mime_type: 'image/jpeg', sha256 });
 * stored.id; // '1037…', downloadable through the API
 */
export class InboundMedia {
  constructor(
    private readonly deps: {
      graph: GraphClient;
      messages: CloudMessagesRepository;
      history: MessageHistoryRepository;
      store: MediaStore;
      maxBytes: number;
      log: Logger;
    },
  ) {}

  /**
   * The stored media; without `id` when Meta no longer has it or it is too large (the message is
   * still delivered). `RetryableError` when Meta could not be reached, to try the webhook again.
   */
  async fetch(account: CloudAccountView, media: MetaInboundMedia): Promise<StoredMedia> {
    const { accountId } = account;
    const described: StoredMedia = {
      mimeType: media.mime_type,
      ...(media.filename ? { fileName: media.filename } : {}),
    };
    const known = await this.deps.history.media(accountId, media.id);
    if (known) return { ...described, id: known.id, size: known.size, sha256: known.sha256 };
    try {
      const info = await this.deps.graph.mediaInfo(account.credentials, media.id);
      if (info.file_size !== undefined && info.file_size > this.deps.maxBytes) {
        this.deps.log.warn(
          { account: accountId, mediaId: media.id, size: info.file_size },
          'received media too large to keep',
        );
        return { ...described, size: info.file_size };
      }
      const data = await this.deps.graph.downloadMedia(account.credentials, info.url);
      const expected = info.sha256 ?? media.sha256;
      if (expected && !matchesSha256(data, expected)) {
        throw new RetryableError(`media ${media.id} arrived damaged (SHA-256 mismatch)`);
      }
      const storageKey = `${accountId}/${media.id}`;
      const stored = await this.deps.store.put(storageKey, data, info.mime_type);
      await this.deps.messages.recordMedia({
        id: media.id,
        accountId,
        mimeType: info.mime_type,
        fileName: media.filename ?? null,
        size: stored.size,
        sha256: stored.sha256,
        storageKey,
      });
      return {
        ...described,
        id: media.id,
        mimeType: info.mime_type,
        size: stored.size,
        sha256: stored.sha256,
      };
    } catch (error) {
      if (!(error instanceof GraphApiError)) throw error;
      if (error.kind === 'transient' || error.kind === 'throughput') {
        throw new RetryableError(`media ${media.id} could not be fetched: ${error.message}`);
      }
      this.deps.log.warn(
        { account: accountId, mediaId: media.id, code: error.code },
        'received media could not be fetched; delivering the message without it',
      );
      return described;
    }
  }
}
