import type { Context } from 'hono';
import type { PhoneNumberRecord } from '../accounts/accounts';
import { whatsAppError } from '../errors/graph-error';
import { authenticate, type GraphEnv, graphError, metaJson, tokenReaches } from '../graph-http';
import type { MetaPlatform } from '../platform';
import type { StoredMedia } from './library';
import { mediaKindOf, SUPPORTED_MEDIA_TYPES, sizeLimitOf } from './limits';

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${bytes / 1024} KB`;
}

/**
 * `POST /{version}/{phone-number-id}/media` (multipart: `messaging_product`, `file`, `type`) →
 * `{ id }`, refusing types Meta does not support (100) and files over its size limits (131053).
 *
 * @example
 * graph.post('/:version/:phoneNumberId/media', (c) => uploadMedia(c, platform, phoneNumber));
 */
export async function uploadMedia(
  c: Context<GraphEnv>,
  platform: MetaPlatform,
  phoneNumber: PhoneNumberRecord,
): Promise<Response> {
  let form: Record<string, string | File | (string | File)[]>;
  try {
    form = await c.req.parseBody({ all: false });
  } catch {
    return graphError(c, whatsAppError(100, { details: 'The request body must be multipart/form-data.' }));
  }
  const { file, messaging_product: messagingProduct, type } = form;
  c.set(
    'recordedBody',
    Object.fromEntries(
      Object.entries(form).map(([name, value]) => [
        name,
        value instanceof File ? { filename: value.name, type: value.type, size: value.size } : value,
      ]),
    ),
  );
  if (messagingProduct !== 'whatsapp') {
    return graphError(c, whatsAppError(100, { details: 'The parameter messaging_product is required.' }));
  }
  if (!(file instanceof File))
    return graphError(c, whatsAppError(100, { details: 'The parameter file is required.' }));
  const mimeType = typeof type === 'string' && type !== '' ? type : file.type;
  const kind = mediaKindOf(mimeType);
  if (kind === undefined) {
    return graphError(
      c,
      whatsAppError(100, {
        details: `Param file must be a file with one of the following types: ${Object.keys(SUPPORTED_MEDIA_TYPES).join(', ')}. Received file of type '${mimeType}'.`,
      }),
    );
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const limit = sizeLimitOf(kind, bytes);
  if (bytes.byteLength > limit) {
    return graphError(
      c,
      whatsAppError(131053, {
        details: `Media upload error: ${kind} files must be at most ${megabytes(limit)}; this one has ${bytes.byteLength} bytes.`,
      }),
    );
  }
  const stored = platform.media.store({
    wabaId: phoneNumber.wabaId,
    phoneNumberId: phoneNumber.phoneNumberId,
    bytes,
    mimeType,
    filename: file.name === '' ? undefined : file.name,
  });
  return metaJson(c, 200, { id: stored.id });
}

/** Graph's optional `phone_number_id` guard on media reads and deletes. */
function belongsToRequestedNumber(c: Context<GraphEnv>, media: StoredMedia): boolean {
  const requested = c.req.query('phone_number_id');
  return requested === undefined || requested === media.phoneNumberId;
}

function wrongNumber(c: Context<GraphEnv>): Response {
  return graphError(
    c,
    whatsAppError(100, { details: 'The media does not belong to the phone number in phone_number_id.' }),
  );
}

/**
 * `GET /{version}/{media-id}` → a download URL (valid 5 min), `mime_type`, hex `sha256`, and
 * `file_size` as a string, as Meta writes it.
 *
 * @example
 * return mediaNode(c, platform, media);
 */
export function mediaNode(c: Context<GraphEnv>, platform: MetaPlatform, media: StoredMedia): Response {
  c.set('operation', 'get_media');
  if (!belongsToRequestedNumber(c, media)) return wrongNumber(c);
  return metaJson(c, 200, {
    messaging_product: 'whatsapp',
    url: platform.media.downloadUrl(media.id, new URL(c.req.url).origin, Date.now()),
    mime_type: media.mimeType,
    sha256: media.sha256Hex,
    file_size: String(media.bytes.byteLength),
    id: media.id,
  });
}

/**
 * `DELETE /{version}/{media-id}` → `{ success: true }`.
 *
 * @example
 * return deleteMediaNode(c, platform, media);
 */
export function deleteMediaNode(c: Context<GraphEnv>, platform: MetaPlatform, media: StoredMedia): Response {
  c.set('operation', 'delete_media');
  if (!belongsToRequestedNumber(c, media)) return wrongNumber(c);
  platform.media.delete(media.id);
  return metaJson(c, 200, { success: true });
}

/**
 * The download URL itself: the file with its type, for a request carrying a valid token of the
 * media's business; 404 for anything else (missing or foreign token, expired or forged URL).
 *
 * @example
 * app.get('/whatsapp_business/attachments/', (c) => downloadMedia(c, platform));
 */
export function downloadMedia(c: Context<GraphEnv>, platform: MetaPlatform): Response {
  c.set('operation', 'download_media');
  const now = Date.now();
  const media = platform.media.resolveDownload(
    { mid: c.req.query('mid'), ext: c.req.query('ext'), hash: c.req.query('hash') },
    now,
  );
  const auth = authenticate(c, platform.accounts, now);
  if (media === undefined || 'error' in auth || !tokenReaches(auth.token, media.wabaId)) {
    return new Response(null, { status: 404 });
  }
  return new Response(new Uint8Array(media.bytes), {
    status: 200,
    headers: { 'content-type': media.mimeType, 'content-length': String(media.bytes.byteLength) },
  });
}
