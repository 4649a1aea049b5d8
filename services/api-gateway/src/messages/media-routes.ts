import { Readable } from 'node:stream';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { newId } from '@wagate/contracts';
import { MessageHistoryRepository } from '@wagate/db';
import { ApiError } from '../http/errors';
import { errors, json } from '../http/openapi';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import type { AccountLookup } from '../sessions/account-lookup';
import { SessionParam } from './views';

const tags = ['Media'];
const MIME_TYPE = /^[a-z]+\/[a-z0-9][a-z0-9.+-]{0,126}$/i;

const MediaView = z
  .object({
    id: z.string().openapi({
      description: 'Use as `content.media.mediaId` when sending',
      example: 'med_01JD3X8Q0Y5V6W7Z8A9B0C1D2E',
    }),
    mime_type: z.string(),
    file_name: z.string().nullable(),
    size: z.number().int(),
    sha256: z.string(),
  })
  .openapi('Media');

const Binary = z.any().meta({ type: 'string', format: 'binary' });

const MediaIdParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a media id')
  .openapi({ param: { name: 'media_id', in: 'path' } });

const uploadMedia = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/media',
  tags,
  summary: 'Upload media for sending',
  description:
    'Stores a file (multipart/form-data with a `file` field, or the raw bytes with their Content-Type) and returns its id, to send with `content.media.mediaId`.',
  request: {
    params: z.object({ id: SessionParam }),
    body: {
      // Not `required`: the form validator would then run on raw uploads too; emptiness is checked below.
      required: false,
      content: {
        'multipart/form-data': {
          schema: z.object({ file: z.any().meta({ type: 'string', format: 'binary' }) }),
        },
        ...Object.fromEntries(
          ['image/*', 'video/*', 'audio/*', 'application/*', 'text/*'].map((type) => [
            type,
            { schema: Binary },
          ]),
        ),
      },
    },
  },
  responses: { 201: json(MediaView, 'Stored.'), ...errors(400, 401, 404, 413, 415) },
});

const downloadMedia = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/media/{media_id}',
  tags,
  summary: 'Download media',
  description: 'The bytes of received media (the `id` of a message’s `content.media`) or of an upload.',
  request: { params: z.object({ id: SessionParam, media_id: MediaIdParam }) },
  responses: {
    200: {
      description: 'The bytes, with their Content-Type.',
      content: { 'application/octet-stream': { schema: z.any().meta({ type: 'string', format: 'binary' }) } },
    },
    ...errors(400, 401, 404),
  },
});

/**
 * Media upload (for sending) and download (received media), in the media store under
 * `<accountId>/<mediaId>` with metadata in `media_objects`.
 *
 * @example
 * app.route('/', mediaRoutes(deps, lookup));
 */
export function mediaRoutes(deps: GatewayRouteDeps, lookup: AccountLookup) {
  const history = new MessageHistoryRepository(deps.db);
  const app = new OpenAPIHono<GatewayEnv>();

  app.openapi(uploadMedia, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id);
    const contentType = c.req.header('content-type') ?? '';
    let bytes: Uint8Array;
    let mimeType: string;
    let fileName: string | null = null;
    if (contentType.startsWith('multipart/form-data')) {
      const form = await c.req.parseBody().catch(() => {
        throw new ApiError('invalid_request', 'the multipart body cannot be read');
      });
      const file = form.file;
      if (!(file instanceof File)) throw new ApiError('invalid_request', 'send the file in a "file" field');
      bytes = new Uint8Array(await file.arrayBuffer());
      mimeType = file.type || 'application/octet-stream';
      fileName = file.name ? file.name.slice(0, 255) : null;
    } else {
      bytes = new Uint8Array(await c.req.arrayBuffer());
      mimeType = contentType.split(';')[0]!.trim() || 'application/octet-stream';
      fileName = c.req.header('x-file-name')?.slice(0, 255) ?? null;
    }
    if (!MIME_TYPE.test(mimeType))
      throw new ApiError('unsupported_media_type', `"${mimeType}" is not a media type`);
    if (bytes.length === 0) throw new ApiError('invalid_request', 'the file is empty');
    const id = `med_${newId()}`;
    const storageKey = `${account.id}/${id}`;
    const stored = await deps.mediaStore.put(storageKey, bytes, mimeType);
    const row = await history.recordMedia({
      id,
      accountId: account.id,
      mimeType,
      fileName,
      size: stored.size,
      sha256: stored.sha256,
      storageKey,
    });
    return c.json(
      { id: row.id, mime_type: row.mimeType, file_name: row.fileName, size: row.size, sha256: row.sha256 },
      201,
    );
  });

  app.openapi(downloadMedia, async (c) => {
    const { id, media_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id);
    const row = await history.media(account.id, media_id);
    const stream = row ? await deps.mediaStore.open(row.storageKey) : undefined;
    if (!row || !stream) throw new ApiError('not_found', `media "${media_id}" does not exist`);
    const disposition = row.fileName
      ? `attachment; filename*=UTF-8''${encodeURIComponent(row.fileName)}`
      : 'attachment';
    return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
      'Content-Type': row.mimeType,
      'Content-Length': String(row.size),
      'Content-Disposition': disposition,
    });
  });

  return app;
}
