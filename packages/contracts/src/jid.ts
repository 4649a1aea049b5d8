import { z } from 'zod';

/** Kinds of chat, as webhook filters name them (seed 003's `chat_types`). */
export const ChatType = z.enum(['contact', 'group', 'channel', 'broadcast']);
export type ChatType = z.infer<typeof ChatType>;

/**
 * A WhatsApp JID such as `15551234567@s.whatsapp.net`, `120363…@g.us`, `…@lid`, `…@newsletter`
 * or `status@broadcast`; an optional `:device` part is allowed.
 *
 * @example
 * Jid.parse('15551234567@s.whatsapp.net');
 */
export const Jid = z
  .string()
  .max(128)
  .regex(
    /^[0-9A-Za-z._-]+(:\d+)?@(s\.whatsapp\.net|g\.us|lid|newsletter|broadcast|c\.us|call)$/,
    'must be a WhatsApp JID',
  );
export type Jid = z.infer<typeof Jid>;

/**
 * The kind of chat a JID names.
 *
 * @example
 * chatTypeOf('120363025246125486@g.us'); // 'group'
 */
export function chatTypeOf(jid: string): ChatType {
  if (jid.endsWith('@g.us')) return 'group';
  if (jid.endsWith('@newsletter')) return 'channel';
  if (jid.endsWith('@broadcast')) return 'broadcast';
  return 'contact';
}

/**
 * The user part of a JID without device: `15551234567:3@s.whatsapp.net` → `15551234567`.
 *
 * @example
 * jidUser('15551234567:3@s.whatsapp.net'); // '15551234567'
 */
export function jidUser(jid: string): string {
  const at = jid.indexOf('@');
  const user = at === -1 ? jid : jid.slice(0, at);
  const colon = user.indexOf(':');
  return colon === -1 ? user : user.slice(0, colon);
}
