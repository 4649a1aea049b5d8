import type { WAUrlInfo } from '@whiskeysockets/baileys';
import got from 'got';

const URL_PATTERN = /https?:\/\/[^\s<>"']+/i;
const MAX_PAGE_BYTES = 512 * 1024;

function metaContent(html: string, names: string[]): string | undefined {
  for (const name of names) {
    const pattern = new RegExp(
      `<meta[^>]+(?:property|name)=["']${name}["'][^>]*content=["']([^"']*)["']|<meta[^>]+content=["']([^"']*)["'][^>]*(?:property|name)=["']${name}["']`,
      'i',
    );
    const match = pattern.exec(html);
    const value = match?.[1] ?? match?.[2];
    if (value) return decodeEntities(value);
  }
  return undefined;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * The link preview of the first URL in a text: the page's Open Graph title and description (or
 * its `<title>`), fetched with a size limit. Undefined when there is no URL or the page gives
 * nothing; a preview is a nicety and never fails a send.
 *
 * @example
 * const preview = await linkPreviewOf('see https://example.com');
 * await sock.sendMessage(jid, { text, linkPreview: preview });
 */
export async function linkPreviewOf(text: string): Promise<WAUrlInfo | undefined> {
  const url = URL_PATTERN.exec(text)?.[0];
  if (!url) return undefined;
  try {
    const request = got(url, { timeout: { request: 5_000 }, retry: { limit: 0 } });
    request.on('downloadProgress', (progress: { transferred: number }) => {
      if (progress.transferred > MAX_PAGE_BYTES) request.cancel();
    });
    const html = (await request.buffer()).toString('utf8');
    const title =
      metaContent(html, ['og:title', 'twitter:title']) ?? /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1];
    if (!title) return undefined;
    const description = metaContent(html, ['og:description', 'description']);
    return {
      'canonical-url': metaContent(html, ['og:url']) ?? url,
      'matched-text': url,
      title: decodeEntities(title.trim()),
      ...(description ? { description } : {}),
    };
  } catch {
    return undefined;
  }
}
