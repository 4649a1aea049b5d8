import { randomUUID } from 'node:crypto';
import type { OutboundContent, SendMessageCommand } from '@wagate/contracts';
import type { AccountRow } from '@wagate/db';
import { ApiError } from '../http/errors';
import type { GatewayRouteDeps } from '../http/route-deps';
import { sendCommand } from '../http/worker-calls';
import { recipientJid } from './recipients';

/** What a send asks for, once validated. */
export interface SendRequest {
  to: string;
  country?: string;
  content: OutboundContent;
  replyTo?: string;
  mentions?: string[];
  linkPreview?: boolean;
  simulateTyping?: boolean;
  sendAt?: string;
}

/**
 * A new WhatsApp-style message id (`3EB0` + 18 hex digits, 68 of their bits random), chosen by the
 * gateway so the API can return it at once. `randomUUID` draws from a cached entropy pool, which
 * matters at thousands of sends a second.
 *
 * @example
 * newMessageId(); // '3EB0A1B2C3D4E5F6A7B8C9'
 */
export function newMessageId(): string {
  return `3EB0${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`;
}

/**
 * Accepts a message for sending: normalizes the recipient and mentions, and publishes the
 * `message.send` command to the account's worker (web) or the cloud bridge (cloud). Resolves once
 * JetStream stored the command, which is when the API answers 202.
 *
 * @example
 * const accepted = await acceptSend(deps, account, { to: '628123456789', content: { type: 'text', text: 'hi' } });
 */
export async function acceptSend(
  deps: Pick<GatewayRouteDeps, 'bus'>,
  account: AccountRow,
  request: SendRequest,
): Promise<{ id: string; status: 'pending'; to: string; command_id: string; send_at: string | null }> {
  const to = recipientJid(request.to, request.country);
  if (request.sendAt && Number.isNaN(Date.parse(request.sendAt))) {
    throw new ApiError('invalid_request', 'send_at is not a date');
  }
  const messageId = newMessageId();
  const payload: SendMessageCommand = {
    to,
    content: request.content,
    messageId,
    ...(request.replyTo ? { quotedId: request.replyTo } : {}),
    ...(request.mentions
      ? { mentions: request.mentions.map((mention) => recipientJid(mention, undefined, 'mentions')) }
      : {}),
    ...(request.linkPreview !== undefined ? { linkPreview: request.linkPreview } : {}),
    ...(request.simulateTyping !== undefined ? { simulateTyping: request.simulateTyping } : {}),
  };
  const commandId = await sendCommand(deps, account.id, 'message.send', payload, {
    kind: account.kind,
    notBefore: request.sendAt,
    // The message id is unique already; deriving the command id from it saves an id per send.
    commandId: `cmd_${messageId}`,
  });
  return { id: messageId, status: 'pending', to, command_id: commandId, send_at: request.sendAt ?? null };
}
