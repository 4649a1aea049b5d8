import type { ContactCard, MessageContent, StoredMedia } from '@wagate/contracts';
import type { proto as WAProto } from '@whiskeysockets/baileys';
import {
  extractMessageContent,
  jidNormalizedUser,
  normalizeMessageContent,
  type WAMessage,
} from '@whiskeysockets/baileys';
import { proto } from '../sessions/whatsapp-proto';

/** What a WhatsApp message means to the product. */
export type InboundMeaning =
  | {
      kind: 'message';
      content: MessageContent;
      quoted?: { id: string; sender?: string };
      mentions: string[];
      forwarded: boolean;
    }
  | { kind: 'reaction'; targetId: string; emoji: string }
  | { kind: 'edit'; targetId: string; content: MessageContent }
  | { kind: 'delete'; targetId: string };

const toNumber = (value: unknown): number | undefined => {
  if (value === null || value === undefined) return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
};

const hex = (bytes: Uint8Array | string | null | undefined): string | undefined => {
  if (!bytes) return undefined;
  return typeof bytes === 'string'
    ? Buffer.from(bytes, 'base64').toString('hex')
    : Buffer.from(bytes).toString('hex');
};

function storedMedia(media: {
  mimetype?: string | null;
  fileLength?: unknown;
  fileSha256?: Uint8Array | null;
  fileName?: string | null;
}): StoredMedia {
  return {
    mimeType: media.mimetype || 'application/octet-stream',
    ...(media.fileName ? { fileName: media.fileName } : {}),
    ...(toNumber(media.fileLength) !== undefined ? { size: toNumber(media.fileLength) } : {}),
    ...(hex(media.fileSha256) ? { sha256: hex(media.fileSha256) } : {}),
  };
}

/** Phones in a vCard: `TEL;type=CELL;waid=15551234567:+1 555-123-4567`. */
function vcardPhones(vcard: string): ContactCard['phones'] {
  const phones: ContactCard['phones'] = [];
  for (const line of vcard.split(/\r?\n/)) {
    if (!/^(item\d+\.)?TEL/i.test(line)) continue;
    const [head, number] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()];
    const waId = /waid=(\d+)/i.exec(head)?.[1];
    if (number.length >= 3) phones.push({ number, ...(waId ? { waId } : {}) });
  }
  return phones;
}

function contactCard(contact: WAProto.Message.IContactMessage): ContactCard {
  const vcard = contact.vcard ?? '';
  return { name: contact.displayName || 'Contact', phones: vcardPhones(vcard), ...(vcard ? { vcard } : {}) };
}

/** The normalized content of a WhatsApp message payload; undefined for payloads with no content. */
export function contentOf(message: WAProto.IMessage | null | undefined): MessageContent | undefined {
  const content = extractMessageContent(message);
  if (!content) return undefined;
  if (content.conversation) return { type: 'text', text: content.conversation };
  if (content.extendedTextMessage?.text) return { type: 'text', text: content.extendedTextMessage.text };
  if (content.imageMessage) {
    const image = content.imageMessage;
    return { type: 'image', media: storedMedia(image), ...(image.caption ? { caption: image.caption } : {}) };
  }
  if (content.videoMessage) {
    const video = content.videoMessage;
    return {
      type: 'video',
      media: storedMedia(video),
      ...(video.caption ? { caption: video.caption } : {}),
      ...(video.gifPlayback ? { gifPlayback: true } : {}),
    };
  }
  if (content.audioMessage) {
    return {
      type: 'audio',
      media: storedMedia(content.audioMessage),
      voiceNote: Boolean(content.audioMessage.ptt),
    };
  }
  if (content.documentMessage) {
    const document = content.documentMessage;
    return {
      type: 'document',
      media: storedMedia(document),
      ...(document.caption ? { caption: document.caption } : {}),
      ...(document.fileName ? { fileName: document.fileName } : {}),
    };
  }
  if (content.stickerMessage) return { type: 'sticker', media: storedMedia(content.stickerMessage) };
  const location = content.locationMessage ?? content.liveLocationMessage;
  if (location) {
    return {
      type: 'location',
      latitude: location.degreesLatitude ?? 0,
      longitude: location.degreesLongitude ?? 0,
      ...('name' in location && location.name ? { name: location.name } : {}),
      ...('address' in location && location.address ? { address: location.address } : {}),
    };
  }
  if (content.contactMessage) return { type: 'contacts', contacts: [contactCard(content.contactMessage)] };
  if (content.contactsArrayMessage?.contacts?.length) {
    return { type: 'contacts', contacts: content.contactsArrayMessage.contacts.map(contactCard) };
  }
  const poll = content.pollCreationMessage ?? content.pollCreationMessageV2 ?? content.pollCreationMessageV3;
  if (poll) {
    return {
      type: 'poll',
      name: poll.name ?? '',
      options: (poll.options ?? []).map((option) => option.optionName ?? ''),
      selectableCount: poll.selectableOptionsCount ?? 0,
    };
  }
  if (content.buttonsMessage) {
    const buttons = content.buttonsMessage;
    return {
      type: 'buttons',
      text: buttons.contentText ?? '',
      ...(buttons.footerText ? { footer: buttons.footerText } : {}),
      buttons: (buttons.buttons ?? []).map((button) => ({
        id: button.buttonId ?? '',
        title: button.buttonText?.displayText ?? '',
      })),
    };
  }
  if (content.listMessage) {
    const list = content.listMessage;
    return {
      type: 'list',
      text: list.description ?? '',
      buttonText: list.buttonText ?? '',
      ...(list.title ? { title: list.title } : {}),
      ...(list.footerText ? { footer: list.footerText } : {}),
      sections: (list.sections ?? []).map((section) => ({
        ...(section.title ? { title: section.title } : {}),
        rows: (section.rows ?? []).map((row) => ({
          id: row.rowId ?? '',
          title: row.title ?? '',
          ...(row.description ? { description: row.description } : {}),
        })),
      })),
    };
  }
  if (content.buttonsResponseMessage) {
    const reply = content.buttonsResponseMessage;
    return {
      type: 'interactive_reply',
      replyType: 'button',
      id: reply.selectedButtonId ?? '',
      title: reply.selectedDisplayText ?? '',
    };
  }
  if (content.templateButtonReplyMessage) {
    const reply = content.templateButtonReplyMessage;
    return {
      type: 'interactive_reply',
      replyType: 'button',
      id: reply.selectedId ?? '',
      title: reply.selectedDisplayText ?? '',
    };
  }
  if (content.listResponseMessage) {
    const reply = content.listResponseMessage;
    return {
      type: 'interactive_reply',
      replyType: 'list',
      id: reply.singleSelectReply?.selectedRowId ?? '',
      title: reply.title ?? '',
      ...(reply.description ? { description: reply.description } : {}),
    };
  }
  const interactive = content.interactiveMessage;
  const ctaButton = interactive?.nativeFlowMessage?.buttons?.find((button) => button.name === 'cta_url');
  if (interactive && ctaButton) {
    const params = JSON.parse(ctaButton.buttonParamsJson ?? '{}') as { display_text?: string; url?: string };
    return {
      type: 'cta_url',
      text: interactive.body?.text ?? '',
      displayText: params.display_text ?? '',
      url: params.url ?? '',
    };
  }
  return undefined;
}

function contextOf(message: WAProto.IMessage | undefined): WAProto.IContextInfo | undefined {
  if (!message) return undefined;
  for (const value of Object.values(message)) {
    if (value && typeof value === 'object' && 'contextInfo' in value && value.contextInfo) {
      return value.contextInfo as WAProto.IContextInfo;
    }
  }
  return undefined;
}

/**
 * What a received (or phone-sent) WhatsApp message means: a message with normalized content, a
 * reaction, an edit or a delete for everyone; undefined for protocol and system messages.
 *
 * @example
 * const meaning = interpretMessage(waMessage);
 * if (meaning?.kind === 'message') store(meaning.content);
 */
export function interpretMessage(message: WAMessage): InboundMeaning | undefined {
  if (message.messageStubType) return undefined;
  const payload = normalizeMessageContent(message.message);
  if (!payload) return undefined;
  if (payload.reactionMessage?.key?.id) {
    return {
      kind: 'reaction',
      targetId: payload.reactionMessage.key.id,
      emoji: payload.reactionMessage.text ?? '',
    };
  }
  const protocol = payload.protocolMessage;
  if (protocol?.key?.id) {
    if (protocol.type === proto.Message.ProtocolMessage.Type.REVOKE) {
      return { kind: 'delete', targetId: protocol.key.id };
    }
    if (protocol.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) {
      const content = contentOf(protocol.editedMessage);
      return content ? { kind: 'edit', targetId: protocol.key.id, content } : undefined;
    }
    return undefined;
  }
  const edited = payload.editedMessage?.message?.protocolMessage;
  if (edited?.key?.id) {
    const content = contentOf(edited.editedMessage);
    return content ? { kind: 'edit', targetId: edited.key.id, content } : undefined;
  }
  const content = contentOf(payload);
  if (!content) return undefined;
  const context = contextOf(payload);
  return {
    kind: 'message',
    content,
    ...(context?.stanzaId
      ? {
          quoted: {
            id: context.stanzaId,
            ...(context.participant ? { sender: jidNormalizedUser(context.participant) } : {}),
          },
        }
      : {}),
    mentions: context?.mentionedJid ?? [],
    forwarded: Boolean(context?.isForwarded),
  };
}

/** Whether a normalized content carries media to download. */
export function hasMedia(
  content: MessageContent,
): content is Extract<MessageContent, { media: StoredMedia }> {
  return 'media' in content;
}
