import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WaServer } from '../server/wa-server';
import { MediaStore } from './media-store';

const json = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/**
 * Media endpoints: `POST /mms/<type>/<sha>?auth=` stores an encrypted upload (Baileys posts over
 * https) and answers `{ url, direct_path }`; `GET /media/<id>` and `GET /v/…/<id>.enc` serve it back,
 * with byte ranges. Returns false for other paths.
 */
export const handleMediaRequest = (
  server: WaServer,
  request: IncomingMessage,
  response: ServerResponse,
): boolean => {
  const url = new URL(request.url ?? '/', 'http://emulator');
  if (request.method === 'POST' && url.pathname.startsWith('/mms/')) {
    if (!server.media.isValidToken(url.searchParams.get('auth'))) {
      json(response, 401, { error: 'invalid media auth token' });
      return true;
    }
    const mediaType = url.pathname.split('/')[2] ?? 'document';
    server.media
      .putStream(request, mediaType)
      .then((media) => {
        const host = request.headers.host ?? '127.0.0.1';
        json(response, 200, {
          url: `http://${host}/media/${media.id}`,
          direct_path: MediaStore.directPath(media),
        });
      })
      .catch((error: unknown) => {
        server.logger.debug({ err: error }, 'media upload failed');
        json(response, 400, { error: 'upload failed' });
      });
    return true;
  }
  if (request.method === 'GET' && (url.pathname.startsWith('/media/') || url.pathname.startsWith('/v/'))) {
    const id = MediaStore.idFromPath(url.pathname);
    const media = id ? server.media.get(id) : undefined;
    if (!media) {
      json(response, 404, { error: 'media not found' });
      return true;
    }
    const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
    if (range) {
      const start = range[1] ? Number(range[1]) : 0;
      const end = range[2] ? Math.min(Number(range[2]), media.bytes.length - 1) : media.bytes.length - 1;
      response.writeHead(206, {
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${start}-${end}/${media.bytes.length}`,
        'content-length': end - start + 1,
      });
      response.end(media.bytes.subarray(start, end + 1));
      return true;
    }
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': media.bytes.length,
    });
    response.end(media.bytes);
    return true;
  }
  return false;
};
