import { buffer } from 'node:stream/consumers';
import { PermanentError, RetryableError } from '@wagate/bus';
import type { ContactCard, MediaSource, OutboundContent } from '@wagate/contracts';
import { type Database, WebSessionStore } from '@wagate/db';
import type { MediaStore } from '@wagate/media-store';
import type { AnyMessageContent, proto as WAProto, WAUrlInfo } from '@whiskeysockets/baileys';
import got, { HTTPError, RequestError } from 'got';
import { proto } from '../sessions/whatsapp-proto';

/** What Baileys sends: content it builds itself, or a protocol message built here. */
export type BaileysOutbound = { content: AnyMessageContent } | { message: WAProto.IMessage };

export interface MediaResolver {
  db: Database;
  store: MediaStore;
  maxBytes: number;
}

/**
 * The bytes of outbound media: fetched from a URL (size-limited), decoded from base64, or read
 * from the media store (`mediaId` of an earlier upload of the same account).
 *
 * @example
 * const bytes = await mediaBytes({ url: 'https://example.com/a.jpg' }, 'demo', resolver);
 */
export async function mediaBytes(
  source: MediaSource,
  accountId: string,
  resolver: MediaResolver,
): Promise<Buffer> {
  if (source.base64) {
    const bytes = Buffer.from(source.base64, 'base64');
    if (bytes.length > resolver.maxBytes)
      throw new PermanentError(`media is larger than ${resolver.maxBytes} bytes`);
    return bytes;
  }
  if (source.mediaId) {
    const row = await WebSessionStore.media(resolver.db, source.mediaId);
    if (!row || row.accountId !== accountId)
      throw new PermanentError(`media ${source.mediaId} does not exist`);
    const stream = await resolver.store.open(row.storageKey);
    if (!stream) throw new PermanentError(`media ${source.mediaId} has no bytes in the media store`);
    return buffer(stream);
  }
  try {
    const request = got(source.url!, { timeout: { request: 60_000 }, retry: { limit: 2 } });
    request.on('downloadProgress', (progress: { transferred: number }) => {
      if (progress.transferred > resolver.maxBytes) request.cancel();
    });
    const body = await request.buffer();
    if (body.length > resolver.maxBytes)
      throw new PermanentError(`media is larger than ${resolver.maxBytes} bytes`);
    return body;
  } catch (error) {
    if (error instanceof PermanentError) throw error;
    if (error instanceof HTTPError && error.response.statusCode < 500) {
      throw new PermanentError(`media URL answered ${error.response.statusCode}`);
    }
    if (error instanceof RequestError && error.name === 'CancelError') {
      throw new PermanentError(`media is larger than ${resolver.maxBytes} bytes`);
    }
    throw new RetryableError(`media URL failed: ${(error as Error).message}`, { cause: error });
  }
}

function vcardOf(card: ContactCard): string {
  if (card.vcard) return card.vcard;
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', `FN:${card.name}`];
  if (card.organization) lines.push(`ORG:${card.organization}`);
  for (const phone of card.phones) {
    const waId = phone.waId ?? phone.number.replace(/\D/g, '');
    lines.push(`TEL;type=${phone.type ?? 'CELL'};waid=${waId}:${phone.number}`);
  }
  for (const email of card.emails ?? []) lines.push(`EMAIL:${email}`);
  lines.push('END:VCARD');
  return lines.join('\n');
}

/**
 * Builds what Baileys sends for an outbound content. Meta's templates exist only for cloud
 * accounts: a web account refuses them.
 *
 * @example
 * const built = await buildOutbound({ type: 'text', text: 'hi' }, { mentions: [] }, media);
 */
export async function buildOutbound(
  content: OutboundContent,
  extras: { mentions?: string[]; reactionKey?: WAProto.IMessageKey; linkPreview?: WAUrlInfo },
  media: (source: MediaSource) => Promise<Buffer>,
): Promise<BaileysOutbound> {
  const mentions = extras.mentions?.length ? { mentions: extras.mentions } : {};
  switch (content.type) {
    case 'text':
      return {
        content: {
          text: content.text,
          ...mentions,
          ...(extras.linkPreview ? { linkPreview: extras.linkPreview } : {}),
        },
      };
    case 'image':
      return {
        content: {
          image: await media(content.media),
          ...(content.caption ? { caption: content.caption } : {}),
          ...(content.media.mimeType ? { mimetype: content.media.mimeType } : {}),
          ...mentions,
        },
      };
    case 'video':
      return {
        content: {
          video: await media(content.media),
          ...(content.caption ? { caption: content.caption } : {}),
          ...(content.gifPlayback ? { gifPlayback: true } : {}),
          ...(content.media.mimeType ? { mimetype: content.media.mimeType } : {}),
          ...mentions,
        },
      };
    case 'audio':
      return {
        content: {
          audio: await media(content.media),
          mimetype: content.media.mimeType ?? (content.voiceNote ? 'audio/ogg; codecs=opus' : 'audio/mpeg'),
          ptt: Boolean(content.voiceNote),
        },
      };
    case 'document':
      return {
        content: {
          document: await media(content.media),
          mimetype: content.media.mimeType ?? 'application/octet-stream',
          fileName: content.fileName ?? content.media.fileName ?? 'document',
          ...(content.caption ? { caption: content.caption } : {}),
          ...mentions,
        },
      };
    case 'sticker':
      return { content: { sticker: await media(content.media) } };
    case 'location':
      return {
        content: {
          location: {
            degreesLatitude: content.latitude,
            degreesLongitude: content.longitude,
            ...(content.name ? { name: content.name } : {}),
            ...(content.address ? { address: content.address } : {}),
          },
        },
      };
    case 'contacts':
      return {
        content: {
          contacts: {
            displayName:
              content.contacts.length === 1
                ? content.contacts[0]!.name
                : `${content.contacts.length} contacts`,
            contacts: content.contacts.map((card) => ({ displayName: card.name, vcard: vcardOf(card) })),
          },
        },
      };
    case 'reaction':
      if (!extras.reactionKey)
        throw new PermanentError(`message ${content.messageId} to react to is unknown`);
      return { content: { react: { text: content.emoji, key: extras.reactionKey } } };
    case 'poll':
      return {
        content: {
          poll: { name: content.name, values: content.options, selectableCount: content.selectableCount },
          ...mentions,
        },
      };
    case 'buttons':
      return {
        message: {
          buttonsMessage: {
            contentText: content.text,
            ...(content.footer ? { footerText: content.footer } : {}),
            headerType: proto.Message.ButtonsMessage.HeaderType.EMPTY,
            buttons: content.buttons.map((button) => ({
              buttonId: button.id,
              buttonText: { displayText: button.title },
              type: proto.Message.ButtonsMessage.Button.Type.RESPONSE,
            })),
          },
        },
      };
    case 'list':
      return {
        message: {
          listMessage: {
            description: content.text,
            buttonText: content.buttonText,
            ...(content.title ? { title: content.title } : {}),
            ...(content.footer ? { footerText: content.footer } : {}),
            listType: proto.Message.ListMessage.ListType.SINGLE_SELECT,
            sections: content.sections.map((section) => ({
              ...(section.title ? { title: section.title } : {}),
              rows: section.rows.map((row) => ({
                rowId: row.id,
                title: row.title,
                ...(row.description ? { description: row.description } : {}),
              })),
            })),
          },
        },
      };
    case 'cta_url':
      return {
        message: {
          interactiveMessage: {
            body: { text: content.text },
            nativeFlowMessage: {
              buttons: [
                {
                  name: 'cta_url',
                  buttonParamsJson: JSON.stringify({ display_text: content.displayText, url: content.url }),
                },
              ],
            },
          },
        },
      };
    case 'template':
      throw new PermanentError('templates are a Business Cloud API feature; web accounts cannot send them');
  }
}
