import { z } from 'zod';

export const PresenceUpdateEvent = z.object({
  chatId: z.string().min(1),
  /** Whose presence (in groups, the member). */
  participant: z.string().min(1),
  presence: z.enum(['available', 'unavailable', 'composing', 'recording', 'paused']),
  lastSeen: z.number().int().optional(),
});
export type PresenceUpdateEvent = z.infer<typeof PresenceUpdateEvent>;

export const ChatSummary = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  unreadCount: z.number().int().optional(),
  archived: z.boolean().optional(),
  pinned: z.boolean().optional(),
  /** Unix seconds until which the chat is muted; 0 unmutes. */
  mutedUntil: z.number().int().optional(),
  lastMessageAt: z.number().int().optional(),
});
export type ChatSummary = z.infer<typeof ChatSummary>;
export const ChatsEvent = z.object({ chats: z.array(ChatSummary) });
export const ChatsDeletedEvent = z.object({ chatIds: z.array(z.string()) });

export const ContactSummary = z.object({
  id: z.string().min(1),
  /** Name saved on the phone. */
  name: z.string().optional(),
  /** The contact's own push name. */
  notify: z.string().optional(),
  verifiedName: z.string().optional(),
  lid: z.string().optional(),
});
export type ContactSummary = z.infer<typeof ContactSummary>;
export const ContactsEvent = z.object({ contacts: z.array(ContactSummary) });

export const GroupParticipant = z.object({
  id: z.string().min(1),
  role: z.enum(['member', 'admin', 'superadmin']),
});
export const GroupInfo = z.object({
  id: z.string().min(1),
  subject: z.string(),
  description: z.string().optional(),
  owner: z.string().optional(),
  /** Unix seconds. */
  createdAt: z.number().int().optional(),
  /** Only admins can send. */
  announce: z.boolean().optional(),
  /** Only admins can edit group info. */
  locked: z.boolean().optional(),
  participants: z.array(GroupParticipant).optional(),
  size: z.number().int().optional(),
});
export type GroupInfo = z.infer<typeof GroupInfo>;
export const GroupsEvent = z.object({ groups: z.array(GroupInfo) });
export const GroupUpdateEvent = z.object({
  id: z.string().min(1),
  author: z.string().optional(),
  changes: GroupInfo.omit({ id: true }).partial(),
});
export const GroupParticipantsEvent = z.object({
  id: z.string().min(1),
  author: z.string().optional(),
  action: z.enum(['add', 'remove', 'promote', 'demote']),
  participants: z.array(z.string()).min(1),
});
export type GroupParticipantsEvent = z.infer<typeof GroupParticipantsEvent>;

export const CallEvent = z.object({
  id: z.string().min(1),
  from: z.string().min(1),
  chatId: z.string().optional(),
  isVideo: z.boolean(),
  isGroup: z.boolean(),
  status: z.enum(['offer', 'ringing', 'timeout', 'reject', 'accept', 'terminate']),
  timestamp: z.number().int().nonnegative(),
});
export type CallEvent = z.infer<typeof CallEvent>;
