import type { MessageContent, MessageStatus } from '@wagate/contracts';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { cloudMessageIds, type MessageRow, mediaObjects, messages, processedCommands } from '../schema';

/** Why a message or command failed: Meta's error code (or the product's) and its text. */
export interface MessageFailure {
  code: number | string;
  message: string;
}

/** An outbound message of a cloud account, as history stores it. */
export interface CloudOutboundMessage {
  accountId: string;
  chatId: string;
  /** The product's id (the gateway's `messageId`). */
  messageId: string;
  commandId: string;
  /** The business number's JID. */
  sender: string;
  content: MessageContent;
  quotedId?: string;
  /** Unix seconds. */
  sentAt: number;
}

/** A message a user sent to a cloud account; its id is Meta's wamid. */
export interface CloudInboundMessage {
  accountId: string;
  chatId: string;
  id: string;
  sender: string;
  pushName?: string;
  content: MessageContent;
  quotedId?: string;
  /** Unix seconds. */
  sentAt: number;
  /** Meta's webhook message object, kept for inspection. */
  raw: unknown;
}

/** An outbound message found by its wamid, with its delivery status. */
export interface CloudOutboundRef {
  chatId: string;
  messageId: string;
  commandId: string | null;
  status: MessageStatus;
}

/** A delivery status to apply to a stored message. */
export interface MessageStatusChange {
  chatId: string;
  messageId: string;
  status: MessageStatus;
  error?: MessageFailure;
}

/** What was recorded for a command that ran. */
export interface ProcessedCommand {
  outcome: 'done' | 'failed';
  result: unknown;
}

/** Statuses in the only order they may move (`failed` is apart: it may follow the first three). */
const STATUS_ORDER = ['pending', 'server', 'delivered', 'read', 'played'] as const;

/**
 * Whether a message in status `current` may move to `next`: forward only, and `failed` only before
 * the message was read. A repeated status is no change, so duplicates from Meta are applied once.
 *
 * @example
 * statusMayMove('delivered', 'read'); // true
 * statusMayMove('read', 'delivered'); // false
 */
export function statusMayMove(current: MessageStatus, next: MessageStatus): boolean {
  if (next === 'failed') return current === 'pending' || current === 'server' || current === 'delivered';
  if (current === 'failed') return false;
  return STATUS_ORDER.indexOf(next) > STATUS_ORDER.indexOf(current);
}

/** The SQL of `statusMayMove` over a stored status and a new one. */
const statusMayMoveSql = (current: unknown, next: unknown) => sql`(case when ${next} = 'failed'
  then ${current} in ('pending', 'server', 'delivered')
  else ${current} <> 'failed' and array_position(array['pending','server','delivered','read','played']::text[], ${next}::text)
    > array_position(array['pending','server','delivered','read','played']::text[], ${current}::text) end)`;

/**
 * History writes of cloud (Business Cloud API) accounts: outbound rows with their wamids, inbound
 * messages stored once, forward-only statuses, executed commands and received media.
 *
 * @example
 * const repo = new CloudMessagesRepository(db);
 * await repo.recordAccepted([{ accountId, chatId, messageId, commandId, sender, content, sentAt, op: 'message.send', wamid }]);
 */
export class CloudMessagesRepository {
  constructor(private readonly db: Database) {}

  /**
   * What was recorded for each command that ran already (undefined for the others), in the order
   * asked, in one query.
   */
  async processedCommands(
    commands: ReadonlyArray<{ accountId: string; commandId: string }>,
  ): Promise<Array<ProcessedCommand | undefined>> {
    if (commands.length === 0) return [];
    const keys = JSON.stringify(commands.map((command) => ({ a: command.accountId, c: command.commandId })));
    const rows = await this.db
      .select({
        accountId: processedCommands.accountId,
        commandId: processedCommands.commandId,
        outcome: processedCommands.outcome,
        result: processedCommands.result,
      })
      .from(processedCommands)
      .where(
        sql`(${processedCommands.accountId}, ${processedCommands.commandId}) in (select a, c from jsonb_to_recordset(${keys}::jsonb) as k(a text, c text))`,
      );
    const found = new Map(
      rows.map(({ accountId, commandId, ...outcome }) => [`${accountId} ${commandId}`, outcome]),
    );
    return commands.map((command) => found.get(`${command.accountId} ${command.commandId}`));
  }

  /** Records that a command ran (ops without a message row: mark read, presence). */
  async recordProcessed(
    accountId: string,
    commandId: string,
    op: string,
    outcome: ProcessedCommand['outcome'],
    result: unknown = null,
  ): Promise<void> {
    await this.db
      .insert(processedCommands)
      .values({ accountId, commandId, op, outcome, result })
      .onConflictDoNothing();
  }

  /**
   * Meta accepted these messages: their history rows (`pending` until Meta's statuses move them; a
   * row the gateway stored first is kept), their wamids and the finished commands, in one statement.
   */
  async recordAccepted(
    accepted: ReadonlyArray<CloudOutboundMessage & { op: string; wamid: string }>,
  ): Promise<void> {
    if (accepted.length === 0) return;
    const input = JSON.stringify(
      accepted.map((send) => ({
        account_id: send.accountId,
        chat_id: send.chatId,
        id: send.messageId,
        sender: send.sender,
        type: send.content.type,
        content: send.content,
        quoted_id: send.quotedId ?? null,
        sent_at: send.sentAt,
        command_id: send.commandId,
        op: send.op,
        wamid: send.wamid,
      })),
    );
    // One parameter whatever the batch size, so the statement is prepared once.
    await this.db.execute(sql`with input as (
        select * from jsonb_to_recordset(${input}::jsonb) as x(account_id text, chat_id text, id text, sender text,
          type text, content jsonb, quoted_id text, sent_at bigint, command_id text, op text, wamid text)),
      message as (
        insert into ${messages} (account_id, chat_id, id, from_me, sender, type, content, quoted_id, status, sent_at, command_id)
        select account_id, chat_id, id, true, sender, type, content, quoted_id, 'pending', sent_at, command_id from input
        on conflict do nothing),
      mapping as (
        insert into ${cloudMessageIds} (account_id, wamid, chat_id, message_id, command_id)
        select account_id, wamid, chat_id, id, command_id from input
        on conflict do nothing)
      insert into ${processedCommands} (account_id, command_id, op, outcome, result)
      select account_id, command_id, op, 'done', jsonb_build_object('wamid', wamid) from input
      on conflict do nothing`);
  }

  /** The send failed for good: its history row is `failed` with the error, and the command is done. */
  async recordFailed(failed: CloudOutboundMessage & { op: string; error: MessageFailure }): Promise<void> {
    const error = JSON.stringify(failed.error);
    await this.db.execute(sql`with message as (
        insert into ${messages} (account_id, chat_id, id, from_me, sender, type, content, quoted_id, status, error, sent_at, command_id)
        values (${failed.accountId}, ${failed.chatId}, ${failed.messageId}, true, ${failed.sender}, ${failed.content.type},
          ${JSON.stringify(failed.content)}::jsonb, ${failed.quotedId ?? null}, 'failed', ${error}::jsonb, ${failed.sentAt},
          ${failed.commandId})
        on conflict (account_id, chat_id, id) do update set status = 'failed', error = ${error}::jsonb, updated_at = now())
      insert into ${processedCommands} (account_id, command_id, op, outcome, result)
      values (${failed.accountId}, ${failed.commandId}, ${failed.op}, 'failed', ${JSON.stringify({ error: failed.error })}::jsonb)
      on conflict do nothing`);
  }

  /** Outbound messages by wamid, with their current status; unknown wamids are absent. */
  async outboundByWamid(
    accountId: string,
    wamids: readonly string[],
  ): Promise<Map<string, CloudOutboundRef>> {
    if (wamids.length === 0) return new Map();
    const rows = await this.db
      .select({
        wamid: cloudMessageIds.wamid,
        chatId: cloudMessageIds.chatId,
        messageId: cloudMessageIds.messageId,
        commandId: cloudMessageIds.commandId,
        status: messages.status,
      })
      .from(cloudMessageIds)
      .innerJoin(
        messages,
        and(
          eq(messages.accountId, cloudMessageIds.accountId),
          eq(messages.chatId, cloudMessageIds.chatId),
          eq(messages.id, cloudMessageIds.messageId),
        ),
      )
      .where(
        and(eq(cloudMessageIds.accountId, accountId), inArray(cloudMessageIds.wamid, [...new Set(wamids)])),
      );
    return new Map(rows.map(({ wamid, ...ref }) => [wamid, ref]));
  }

  /** The wamid of each product message id that has one (outbound messages); others are absent. */
  async wamidsOf(accountId: string, messageIds: readonly string[]): Promise<Map<string, string>> {
    if (messageIds.length === 0) return new Map();
    const rows = await this.db
      .select({ messageId: cloudMessageIds.messageId, wamid: cloudMessageIds.wamid })
      .from(cloudMessageIds)
      .where(
        and(
          eq(cloudMessageIds.accountId, accountId),
          inArray(cloudMessageIds.messageId, [...new Set(messageIds)]),
        ),
      );
    return new Map(rows.map((row) => [row.messageId, row.wamid]));
  }

  /**
   * Applies statuses in one statement, each only where `statusMayMove` allows it, so a late or
   * repeated status never moves a message back.
   */
  async applyStatuses(accountId: string, changes: readonly MessageStatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    const input = JSON.stringify(
      changes.map((change) => ({
        chat_id: change.chatId,
        id: change.messageId,
        status: change.status,
        error: change.error ?? null,
      })),
    );
    await this.db.execute(sql`update ${messages} as m
      set status = v.status, error = coalesce(v.error, m.error), updated_at = now()
      from jsonb_to_recordset(${input}::jsonb) as v(chat_id text, id text, status text, error jsonb)
      where m.account_id = ${accountId} and m.chat_id = v.chat_id and m.id = v.id
        and ${statusMayMoveSql(sql`m.status`, sql`v.status`)}`);
  }

  /** One stored message. */
  async message(accountId: string, chatId: string, id: string): Promise<MessageRow | undefined> {
    const [row] = await this.db
      .select()
      .from(messages)
      .where(and(eq(messages.accountId, accountId), eq(messages.chatId, chatId), eq(messages.id, id)));
    return row;
  }

  /** Whether a message is stored. */
  async has(accountId: string, chatId: string, id: string): Promise<boolean> {
    const [row] = await this.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.accountId, accountId), eq(messages.chatId, chatId), eq(messages.id, id)));
    return row !== undefined;
  }

  /** Stores a received message; false when it was stored already (Meta sent it twice). */
  async recordInbound(message: CloudInboundMessage): Promise<boolean> {
    const inserted = await this.db
      .insert(messages)
      .values({
        accountId: message.accountId,
        chatId: message.chatId,
        id: message.id,
        fromMe: false,
        sender: message.sender,
        pushName: message.pushName ?? null,
        type: message.content.type,
        content: message.content,
        quotedId: message.quotedId ?? null,
        status: 'delivered',
        sentAt: message.sentAt,
        raw: message.raw,
      })
      .onConflictDoNothing()
      .returning({ id: messages.id });
    return inserted.length > 0;
  }

  /** The newest message the user wrote in a chat (Meta's typing indicator hangs on one). */
  async latestReceived(accountId: string, chatId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.accountId, accountId), eq(messages.chatId, chatId), eq(messages.fromMe, false)))
      .orderBy(desc(messages.sentAt))
      .limit(1);
    return row?.id;
  }

  /** Records received media whose bytes are in the media store (once). */
  async recordMedia(row: typeof mediaObjects.$inferInsert): Promise<void> {
    await this.db.insert(mediaObjects).values(row).onConflictDoNothing();
  }
}
