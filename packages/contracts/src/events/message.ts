import { z } from 'zod';
import { ChatType } from '../jid';
import { MessageContent } from '../message-content';

/** A message as `message.received` and `message.sent` carry it. */
export const MessageEvent = z.object({
  /** WhatsApp's message id (Meta's `wamid.…` for cloud accounts). */
  id: z.string().min(1),
  chatId: z.string().min(1),
  chatType: ChatType,
  /** Who wrote it (in groups, the participant). */
  sender: z.string().min(1),
  fromMe: z.boolean(),
  pushName: z.string().optional(),
  /** Unix seconds, as WhatsApp stamps it. */
  timestamp: z.number().int().nonnegative(),
  content: MessageContent,
  quoted: z.object({ id: z.string(), sender: z.string().optional() }).optional(),
  mentions: z.array(z.string()).default([]),
  forwarded: z.boolean().optional(),
  /** The command that sent it, for outbound messages. */
  commandId: z.string().optional(),
  /** Meta's id (`wamid.…`) of a message a cloud account sent, whose `id` is the product's. */
  wamid: z.string().optional(),
});
export type MessageEvent = z.infer<typeof MessageEvent>;

/** Delivery state of a message, in the order it can only move forward (except `failed`). */
export const MessageStatus = z.enum(['pending', 'server', 'delivered', 'read', 'played', 'failed']);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const MessageAckEvent = z.object({
  id: z.string().min(1),
  chatId: z.string().min(1),
  status: MessageStatus,
  /** The group member the receipt came from, in groups. */
  participant: z.string().optional(),
  timestamp: z.number().int().nonnegative(),
  /** Why it failed (WhatsApp or Meta error code and text). */
  error: z.object({ code: z.union([z.number(), z.string()]), message: z.string() }).optional(),
  commandId: z.string().optional(),
  /** Meta's id (`wamid.…`) of a message a cloud account sent, whose `id` is the product's. */
  wamid: z.string().optional(),
});
export type MessageAckEvent = z.infer<typeof MessageAckEvent>;

export const MessageEditedEvent = z.object({
  id: z.string().min(1),
  chatId: z.string().min(1),
  sender: z.string(),
  fromMe: z.boolean(),
  timestamp: z.number().int().nonnegative(),
  content: MessageContent,
});
export type MessageEditedEvent = z.infer<typeof MessageEditedEvent>;

export const MessageDeletedEvent = z.object({
  id: z.string().min(1),
  chatId: z.string().min(1),
  sender: z.string().optional(),
  fromMe: z.boolean(),
  timestamp: z.number().int().nonnegative(),
});
export type MessageDeletedEvent = z.infer<typeof MessageDeletedEvent>;

export const MessageReactionEvent = z.object({
  /** Id of the reaction message itself. */
  id: z.string().min(1),
  chatId: z.string().min(1),
  sender: z.string(),
  fromMe: z.boolean(),
  /** The message reacted to. */
  targetId: z.string().min(1),
  /** The emoji; empty when the reaction was removed. */
  emoji: z.string(),
  timestamp: z.number().int().nonnegative(),
});
export type MessageReactionEvent = z.infer<typeof MessageReactionEvent>;
