import type { z } from 'zod';
import { AccountStatusEvent, WebhookDisabledEvent } from './account';
import {
  CallEvent,
  ChatsDeletedEvent,
  ChatsEvent,
  ContactsEvent,
  GroupParticipantsEvent,
  GroupsEvent,
  GroupUpdateEvent,
  PresenceUpdateEvent,
} from './directory';
import {
  MessageAckEvent,
  MessageDeletedEvent,
  MessageEditedEvent,
  MessageEvent,
  MessageReactionEvent,
} from './message';
import { SessionPairingCodeEvent, SessionQrEvent, SessionStatusEvent } from './session';

interface EventSpec {
  /** Version of the payload schema; bumped only for incompatible changes (see the README). */
  readonly version: number;
  readonly data: z.ZodType;
  /** What a webhook subscriber reads in the event list. */
  readonly description: string;
}

/**
 * Every event type the product publishes on `WA_EVENTS`, with its payload schema.
 *
 * @example
 * EVENT_CATALOG['message.received'].data.parse(payload);
 */
export const EVENT_CATALOG = {
  'session.status': { version: 1, data: SessionStatusEvent, description: 'A session changed status.' },
  'session.qr': { version: 1, data: SessionQrEvent, description: 'A new QR code to scan.' },
  'session.pairing_code': {
    version: 1,
    data: SessionPairingCodeEvent,
    description: 'A pairing code to type on the phone.',
  },
  'message.received': { version: 1, data: MessageEvent, description: 'A message arrived.' },
  'message.sent': {
    version: 1,
    data: MessageEvent,
    description: 'A message was sent (by the API or the phone).',
  },
  'message.ack': {
    version: 1,
    data: MessageAckEvent,
    description: 'A message was delivered, read, played or failed.',
  },
  'message.edited': { version: 1, data: MessageEditedEvent, description: 'A message was edited.' },
  'message.deleted': {
    version: 1,
    data: MessageDeletedEvent,
    description: 'A message was deleted for everyone.',
  },
  'message.reaction': {
    version: 1,
    data: MessageReactionEvent,
    description: 'A reaction was added or removed.',
  },
  'presence.update': {
    version: 1,
    data: PresenceUpdateEvent,
    description: 'Someone is online, typing or recording.',
  },
  'chat.upsert': { version: 1, data: ChatsEvent, description: 'Chats appeared.' },
  'chat.update': {
    version: 1,
    data: ChatsEvent,
    description: 'Chats changed (archived, pinned, muted, read).',
  },
  'chat.delete': { version: 1, data: ChatsDeletedEvent, description: 'Chats were deleted.' },
  'contact.upsert': { version: 1, data: ContactsEvent, description: 'Contacts appeared.' },
  'contact.update': { version: 1, data: ContactsEvent, description: 'Contacts changed.' },
  'group.upsert': { version: 1, data: GroupsEvent, description: 'The session joined or created groups.' },
  'group.update': { version: 1, data: GroupUpdateEvent, description: 'Group settings changed.' },
  'group.participants': {
    version: 1,
    data: GroupParticipantsEvent,
    description: 'Members were added, removed, promoted or demoted.',
  },
  'call.received': { version: 1, data: CallEvent, description: 'A call offer or its outcome.' },
  'account.status': { version: 1, data: AccountStatusEvent, description: 'A cloud account changed status.' },
  'webhook.disabled': {
    version: 1,
    data: WebhookDisabledEvent,
    description: 'A webhook endpoint was disabled.',
  },
} as const satisfies Record<string, EventSpec>;

export type EventType = keyof typeof EVENT_CATALOG;
export type EventData<T extends EventType> = z.infer<(typeof EVENT_CATALOG)[T]['data']>;

/** Every event type, for event lists and validation of subscriptions. */
export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

/**
 * Whether a string names a known event type.
 *
 * @example
 * isEventType('message.received'); // true
 */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_CATALOG, type);
}
