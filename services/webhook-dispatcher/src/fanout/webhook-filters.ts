import { type ChatType, chatTypeOf, type EventEnvelope, jidUser } from '@wagate/contracts';
import type { WebhookFilters } from '@wagate/db';

/** The session an event belongs to, as the `me` of filters: its phone number and LID user parts. */
export interface SessionIdentity {
  /** User parts (`628123456789`, `123456789` of a LID) that name the session itself. */
  users: readonly string[];
}

/** Settings types of seed 003 and the event types each one covers. */
const SETTINGS_TYPE_EVENTS: Record<'chats' | 'messages' | 'groups', readonly string[]> = {
  chats: ['chat.upsert', 'chat.update', 'chat.delete', 'presence.update'],
  messages: [
    'message.received',
    'message.sent',
    'message.ack',
    'message.edited',
    'message.deleted',
    'message.reaction',
  ],
  groups: ['group.upsert', 'group.update', 'group.participants'],
};

type Data = Record<string, unknown>;

function dataOf(event: EventEnvelope): Data {
  return typeof event.data === 'object' && event.data !== null ? (event.data as Data) : {};
}

/** A JID compared without device part and with `c.us` read as `s.whatsapp.net`. */
function canonicalJid(jid: string): string {
  const at = jid.indexOf('@');
  const server = at === -1 ? 's.whatsapp.net' : jid.slice(at + 1);
  return `${jidUser(jid)}@${server === 'c.us' ? 's.whatsapp.net' : server}`;
}

/** The chats an event concerns; empty for events of the session itself (status, QR, contacts…). */
function chatsOf(event: EventEnvelope): string[] {
  const data = dataOf(event);
  if (event.type.startsWith('group.')) {
    if (typeof data.id === 'string') return [data.id];
    if (Array.isArray(data.groups)) return data.groups.map((group) => (group as Data).id as string);
  }
  if (typeof data.chatId === 'string') return [data.chatId];
  if (Array.isArray(data.chatIds)) return data.chatIds.filter((id): id is string => typeof id === 'string');
  if (Array.isArray(data.chats)) return data.chats.map((chat) => (chat as Data).id as string);
  if (event.type === 'call.received' && typeof data.from === 'string') return [data.from];
  return [];
}

function chatTypesOf(event: EventEnvelope): ChatType[] {
  const data = dataOf(event);
  if (typeof data.chatType === 'string') return [data.chatType as ChatType];
  return chatsOf(event).map(chatTypeOf);
}

function messageTypeOf(event: EventEnvelope): string | undefined {
  const content = dataOf(event).content;
  return typeof content === 'object' && content !== null ? ((content as Data).type as string) : undefined;
}

function isSelf(jid: string, self: SessionIdentity): boolean {
  return self.users.includes(jidUser(jid));
}

/** The system settings events (seed 003) an event is: `logged_out`, `client_connected`, `joined_group`. */
function systemEventOf(event: EventEnvelope, self: SessionIdentity): string | undefined {
  const data = dataOf(event);
  if (event.type === 'session.status') {
    if (data.reason === 'logged_out') return 'logged_out';
    if (data.status === 'logged_in') return 'client_connected';
  }
  if (
    event.type === 'group.participants' &&
    data.action === 'add' &&
    Array.isArray(data.participants) &&
    data.participants.some((participant) => typeof participant === 'string' && isSelf(participant, self))
  ) {
    return 'joined_group';
  }
  return undefined;
}

function matchesSettingsTypes(
  settingsTypes: NonNullable<WebhookFilters['settingsTypes']>,
  event: EventEnvelope,
  self: SessionIdentity,
): boolean {
  return settingsTypes.some((settingsType) =>
    settingsType === 'system'
      ? systemEventOf(event, self) !== undefined
      : SETTINGS_TYPE_EVENTS[settingsType].includes(event.type),
  );
}

function matchesMentions(mentions: readonly string[], event: EventEnvelope, self: SessionIdentity): boolean {
  const mentioned = dataOf(event).mentions;
  if (!Array.isArray(mentioned)) return false;
  const jids = mentioned.filter((jid): jid is string => typeof jid === 'string');
  return mentions.some((wanted) =>
    wanted === 'me'
      ? jids.some((jid) => isSelf(jid, self))
      : jids.some((jid) => jidUser(jid) === jidUser(wanted)),
  );
}

/**
 * Whether a subscription's filters (seed 003) let an event through. Every filter that is set must
 * hold (an event that lacks what a filter looks at does not pass it); within one filter any value
 * may match:
 * - `chatIds`: the event concerns one of these chats (device part and `c.us`/`s.whatsapp.net`
 *   spelling ignored);
 * - `chatTypes`: it concerns a chat of one of these types;
 * - `mentions`: the message @mentions one of these users; `me` is the session itself;
 * - `messageTypes`: the message content is of one of these types;
 * - `settingsTypes`: it belongs to one of these groups of events (`chats`, `messages`, `groups`, or
 *   `system`: `logged_out`, `client_connected`, `joined_group`). When set, `chatIds`, `chatTypes`
 *   and `messageTypes` are ignored (seed 003's precedence rule).
 *
 * @example
 * matchesFilters({ chatTypes: ['group'] }, event, { users: ['628123456789'] });
 */
export function matchesFilters(
  filters: WebhookFilters,
  event: EventEnvelope,
  self: SessionIdentity,
): boolean {
  const { chatIds, chatTypes, mentions, messageTypes, settingsTypes } = filters;
  if (settingsTypes?.length) {
    if (!matchesSettingsTypes(settingsTypes, event, self)) return false;
  } else {
    if (chatIds?.length) {
      const wanted = new Set(chatIds.map(canonicalJid));
      if (!chatsOf(event).some((chat) => wanted.has(canonicalJid(chat)))) return false;
    }
    if (chatTypes?.length && !chatTypesOf(event).some((type) => chatTypes.includes(type))) return false;
    if (messageTypes?.length) {
      const type = messageTypeOf(event);
      if (type === undefined || !messageTypes.includes(type)) return false;
    }
  }
  if (mentions?.length && !matchesMentions(mentions, event, self)) return false;
  return true;
}

/**
 * Whether any filter needs to know who the session is (`mentions: ["me"]`, `system` settings).
 *
 * @example
 * needsSessionIdentity({ mentions: ['me'] }); // true
 */
export function needsSessionIdentity(filters: WebhookFilters): boolean {
  return Boolean(filters.mentions?.includes('me') || filters.settingsTypes?.includes('system'));
}

/**
 * The chat an event belongs to, for per-chat ordering; events of the session itself share one key.
 *
 * @example
 * orderingKeyOf(event); // '120363025246125486@g.us'
 */
export function orderingKeyOf(event: EventEnvelope): string {
  const [chat] = chatsOf(event);
  return chat ? canonicalJid(chat) : '-';
}
