import {
  type Bus,
  type ConsumerLoop,
  PermanentError,
  RetryableError,
  RpcFailure,
  type Subscription,
} from '@wagate/bus';
import {
  type CommandEnvelope,
  chatTypeOf,
  isWebRpcOp,
  type MessageContent,
  type OutboundContent,
  parseCommand,
  type TypedCommand,
  WEB_RPC_CATALOG,
} from '@wagate/contracts';
import { type AccountRow, AccountsRepository, type Database, WebSessionStore } from '@wagate/db';
import type { MediaStore } from '@wagate/media-store';
import type { Logger } from '@wagate/observability';
import { describeError } from '@wagate/runtime';
import { downloadMediaMessage, type WAMessage } from '@whiskeysockets/baileys';
import { z } from 'zod';
import { fromStoredJson } from '../auth/account-auth-state';
import type { SessionWorkerConfig } from '../config';
import { EventPublisher, type MediaDownloader, OutboxSweeper } from '../events/event-outbox';
import type { QueuedSend } from '../messages/outbound-sender';
import type { PartitionRunner, ReleaseReason } from '../ownership/partition-ownership';
import { answerWebRpc } from '../rpc/web-rpc';
import type { BaileysEnvironment } from '../sessions/baileys-environment';
import { derivedMessageId, WebSession } from '../sessions/web-session';
import { FencedTransactions } from '../store/fenced-transactions';
import { PartitionWriter } from '../store/partition-writer';
import { type ConnectSlots, PartitionContext } from './partition-context';

/** Reasons a session stays offline across restarts until someone connects it again. */
const STAYS_OFFLINE = new Set([
  'requested',
  'connection_replaced',
  'banned',
  'logged_out',
  'pairing_timeout',
]);

interface RunningPartition {
  context: PartitionContext;
  sessions: Map<string, WebSession>;
  commands: ConsumerLoop<CommandEnvelope>;
  rpc: Subscription;
  reconcile: NodeJS.Timeout;
}

export interface PartitionRuntimeDeps {
  bus: Bus;
  db: Database;
  log: Logger;
  mediaStore: MediaStore;
  config: SessionWorkerConfig;
  workerId: string;
  baileys: BaileysEnvironment;
  connectSlots: ConnectSlots;
}

const OUTBOUND_OPS = new Set(['message.send', 'message.edit', 'message.delete', 'message.forward']);

function storedContentOf(content: OutboundContent): MessageContent {
  if (!('media' in content)) return content as MessageContent;
  const { media, ...rest } = content;
  return {
    ...rest,
    media: {
      mimeType: media.mimeType ?? 'application/octet-stream',
      ...(media.fileName ? { fileName: media.fileName } : {}),
    },
  } as MessageContent;
}

/**
 * What runs on a partition this worker owns: its sessions (every enabled, paired account that is
 * not meant to stay offline is connected), its durable command consumer (`cmd-p<p>`), its RPC
 * subscription (`wa.rpc.<p>.>`), its fenced writer and its event publisher. Stopping on `lost`
 * closes everything at once and writes nothing; a handover lets sends in flight finish first.
 *
 * @example
 * const runtime = new PartitionRuntime(deps);
 * await runtime.start(3, epoch, 'released');
 */
export class PartitionRuntime implements PartitionRunner {
  private readonly running = new Map<number, RunningPartition>();
  private readonly accounts: AccountsRepository;
  private readonly sweeper: OutboxSweeper;
  private readonly transactions: FencedTransactions;

  constructor(private readonly deps: PartitionRuntimeDeps) {
    this.accounts = new AccountsRepository(deps.db, deps.bus.topology.partitions);
    this.sweeper = new OutboxSweeper(deps.db, deps.log);
    this.transactions = new FencedTransactions(deps.db, deps.config.WRITE_CONCURRENCY);
  }

  /** Every session running on this worker (for the benchmark and diagnostics). */
  sessions(): WebSession[] {
    return [...this.running.values()].flatMap((partition) => [...partition.sessions.values()]);
  }

  async start(partition: number, epoch: number, previously: 'released' | 'absent'): Promise<void> {
    const { bus, db, log, config } = this.deps;
    const topology = bus.topology;
    const writer = new PartitionWriter(
      db,
      partition,
      epoch,
      log,
      () => {
        void this.stop(partition, 'lost');
      },
      this.transactions.run,
    );
    const sessions = new Map<string, WebSession>();
    const publisher = new EventPublisher(
      bus,
      db,
      this.sweeper,
      partition,
      log,
      this.mediaDownloader(sessions),
    );
    const context = new PartitionContext(
      partition,
      epoch,
      writer,
      publisher,
      bus,
      db,
      this.deps.mediaStore,
      log,
      config,
      this.deps.workerId,
      this.deps.baileys,
      this.deps.connectSlots,
    );
    await publisher.start();
    const runtime: RunningPartition = {
      context,
      sessions,
      commands: undefined as unknown as ConsumerLoop<CommandEnvelope>,
      rpc: undefined as unknown as Subscription,
      reconcile: setInterval(() => void this.reconcile(partition), config.RECONCILE_INTERVAL_MS),
    };
    runtime.reconcile.unref();
    this.running.set(partition, runtime);
    await this.reconcile(partition);
    const queued = await WebSessionStore.queuedOutbound(db, partition);
    for (const row of queued) {
      this.sessionFor(runtime, row.accountId)?.sender.push([row], { uncertain: previously === 'absent' });
    }
    runtime.commands = bus.consume<CommandEnvelope>({
      stream: topology.streams.commands,
      consumer: topology.partitionCommandConsumer(partition),
      concurrency: config.COMMAND_CONCURRENCY,
      handle: (delivery) => this.handleCommand(partition, delivery.data),
    });
    runtime.rpc = bus.serve(topology.partitionRpcFilter(partition), ({ subject, payload }) =>
      this.answerRpc(partition, subject, payload),
    );
  }

  async stop(partition: number, reason: ReleaseReason): Promise<void> {
    const running = this.running.get(partition);
    if (!running) return;
    this.running.delete(partition);
    clearInterval(running.reconcile);
    running.rpc?.unsubscribe();
    if (reason === 'lost') {
      running.commands?.abort();
      running.context.publisher.abort();
      for (const session of running.sessions.values()) await session.stop('lost');
      return;
    }
    await running.commands?.stop();
    await Promise.all([...running.sessions.values()].map((session) => session.stop('handover')));
    // Whatever is still unwritten or unpublished stays in the outbox for the next owner.
    await Promise.race([
      (async () => {
        await running.context.writer.idle();
        await running.context.publisher.stop();
      })(),
      new Promise((resolve) => setTimeout(resolve, 10_000)),
    ]);
  }

  /** Connects the partition's accounts that should run, and stops disabled or deleted ones. */
  private async reconcile(partition: number): Promise<void> {
    const running = this.running.get(partition);
    if (!running) return;
    try {
      const rows = await this.accounts.listRunnable([partition]);
      const paired = await WebSessionStore.withCredentials(
        this.deps.db,
        rows.map((row) => row.id),
      );
      const runnable = new Set(rows.map((row) => row.id));
      for (const row of rows) {
        if (
          !paired.has(row.id) ||
          (row.sessionStatus === 'disconnected' && STAYS_OFFLINE.has(row.statusReason ?? ''))
        )
          continue;
        const session = this.sessionFor(running, row.id, row);
        if (session && session.status === 'disconnected') void session.start();
      }
      for (const [id, session] of running.sessions) {
        if (!runnable.has(id) && session.status !== 'disconnected') await session.stop('requested');
      }
    } catch (error) {
      this.deps.log.warn({ partition, err: describeError(error) }, 'reconciling the partition failed');
    }
  }

  private sessionFor(running: RunningPartition, accountId: string, row?: AccountRow): WebSession | undefined {
    let session = running.sessions.get(accountId);
    if (!session) {
      const account = row ?? ({ id: accountId, settings: {} } as AccountRow);
      session = new WebSession(running.context, account);
      running.sessions.set(accountId, session);
    }
    return session;
  }

  /** The session of an account of an owned partition, created on first use. */
  async session(partition: number, accountId: string): Promise<{ session: WebSession; account: AccountRow }> {
    const running = this.running.get(partition);
    if (!running) throw new RpcFailure('unavailable', `partition ${partition} is not owned here any more`);
    const account = await this.accounts.get(accountId);
    if (account?.kind !== 'web') throw new RpcFailure('not_found', `session ${accountId} does not exist`);
    const session = this.sessionFor(running, accountId, account)!;
    session.account = account;
    return { session, account };
  }

  /** Stops and forgets a session (account deleted). */
  async forget(partition: number, accountId: string, logout: boolean): Promise<void> {
    const running = this.running.get(partition);
    const session = running?.sessions.get(accountId);
    if (!running || !session) return;
    if (logout) await session.logout();
    await session.stop('deleted');
    running.sessions.delete(accountId);
  }

  private mediaDownloader(sessions: Map<string, WebSession>): MediaDownloader {
    return async (accountId, media) => {
      const { db, mediaStore, log } = this.deps;
      const row = await WebSessionStore.findMessage(db, accountId, media.messageId, media.chatId);
      if (!row?.raw || !('media' in row.content)) return undefined;
      try {
        const sock = sessions.get(accountId)?.sock;
        const bytes = await downloadMediaMessage(
          fromStoredJson<WAMessage>(row.raw),
          'buffer',
          this.deps.baileys.downloadOptions(),
          {
            logger: log as never,
            reuploadRequest: sock
              ? (message) => sock.updateMediaMessage(message)
              : async (message) => message,
          },
        );
        const storageKey = `${accountId}/${media.mediaId}`;
        const stored = await mediaStore.put(storageKey, bytes, row.content.media.mimeType);
        const content = {
          ...row.content,
          media: { ...row.content.media, id: media.mediaId, size: stored.size, sha256: stored.sha256 },
        } as MessageContent;
        await WebSessionStore.recordMedia(db, {
          id: media.mediaId,
          accountId,
          mimeType: row.content.media.mimeType,
          fileName: row.content.media.fileName ?? null,
          size: stored.size,
          sha256: stored.sha256,
          storageKey,
        });
        await WebSessionStore.replaceContent(db, accountId, media.chatId, media.messageId, content);
        return content;
      } catch (error) {
        log.warn(
          { account: accountId, id: media.messageId, err: describeError(error) },
          'media not downloaded',
        );
        return undefined;
      }
    };
  }

  private async handleCommand(partition: number, raw: CommandEnvelope): Promise<void> {
    const parsed = parseCommand(raw);
    if (!parsed.ok) throw new PermanentError(`command refused: ${parsed.message}`);
    const { command } = parsed;
    if (this.deps.bus.topology.partitionOf(command.accountId) !== partition) {
      throw new PermanentError(`command for ${command.accountId} arrived on partition ${partition}`);
    }
    const running = this.running.get(partition);
    if (!running) throw new RetryableError('partition stopping', { delayMs: 1_000 });
    if (OUTBOUND_OPS.has(command.op)) return this.enqueue(running, command);
    // A redelivered command that already ran is only acknowledged.
    const { db } = running.context;
    if (!(await WebSessionStore.claimCommand(db, command.accountId, command.id, command.op))) return;
    try {
      await this.execute(partition, command);
    } catch (error) {
      if (!(error instanceof PermanentError))
        await WebSessionStore.releaseCommand(db, command.accountId, command.id);
      throw error;
    }
  }

  private async execute(partition: number, command: TypedCommand): Promise<void> {
    const account = await this.accounts.get(command.accountId);
    if (!account) throw new PermanentError(`account ${command.accountId} does not exist`);
    const { session } = await this.session(partition, command.accountId);
    switch (command.op) {
      case 'session.connect':
        if (account.disabled) {
          this.deps.log.info({ account: account.id }, 'not connecting a disabled account');
          return;
        }
        await session.start();
        return;
      case 'session.disconnect':
        await session.stop('requested');
        return;
      case 'session.logout':
        await session.logout();
        return;
      case 'chat.mark_read': {
        const payload = command.payload as TypedCommand<'chat.mark_read'>['payload'];
        const sock = this.loggedInSocket(session);
        await sock.readMessages(
          payload.messageIds.map((id) => ({
            remoteJid: payload.chatId,
            id,
            fromMe: false,
            ...(payload.participant ? { participant: payload.participant } : {}),
          })),
        );
        return;
      }
      case 'presence.send': {
        const payload = command.payload as TypedCommand<'presence.send'>['payload'];
        await this.loggedInSocket(session).sendPresenceUpdate(payload.presence, payload.chatId);
        return;
      }
      default:
        throw new PermanentError(`this worker version cannot run "${command.op}" commands`);
    }
  }

  private loggedInSocket(session: WebSession) {
    if (session.isLoggedIn && session.sock) return session.sock;
    if (!session.hasCredentials && session.status === 'disconnected')
      throw new RetryableError(`session ${session.accountId} is not logged in`, { delayMs: 5_000 });
    throw new RetryableError(`session ${session.accountId} is ${session.status}`, { delayMs: 2_000 });
  }

  /** Accepts an outbound command into the durable queue (once per command id). */
  private async enqueue(running: RunningPartition, command: TypedCommand): Promise<void> {
    const { context } = running;
    const session = this.sessionFor(running, command.accountId)!;
    const payload = command.payload as Record<string, unknown>;
    let chatId: string;
    let messageId: string;
    let created: { content: MessageContent; quotedId?: string; mentions?: string[] } | undefined;
    switch (command.op) {
      case 'message.send': {
        const send = command.payload as TypedCommand<'message.send'>['payload'];
        chatId = send.to;
        messageId = send.messageId;
        created = {
          content: storedContentOf(send.content),
          quotedId: send.quotedId,
          mentions: send.mentions,
        };
        break;
      }
      case 'message.forward': {
        const forward = command.payload as TypedCommand<'message.forward'>['payload'];
        chatId = forward.to;
        messageId = forward.newMessageId;
        const original = await WebSessionStore.findMessage(
          context.db,
          command.accountId,
          forward.messageId,
          forward.chatId,
        );
        if (!original) throw new PermanentError(`message ${forward.messageId} to forward is unknown`);
        created = { content: original.content };
        break;
      }
      default:
        chatId = String(payload.chatId);
        messageId = derivedMessageId(command.id);
    }
    const sender =
      session.ownJid ??
      (session.account.phoneNumber ? `${session.account.phoneNumber}@s.whatsapp.net` : 'me');
    const row = await context.commit((tx) =>
      WebSessionStore.enqueueOutbound(
        tx,
        {
          accountId: command.accountId,
          commandId: command.id,
          partition: context.partition,
          op: command.op,
          messageId,
          chatId,
          payload: command.payload,
          notBefore: command.notBefore ? new Date(command.notBefore) : null,
        },
        created && {
          sender,
          content: created.content,
          quotedId: created.quotedId,
          mentions: created.mentions,
          sentAt: Math.floor(Date.now() / 1000),
          chatType: chatTypeOf(chatId),
        },
      ),
    );
    if (row) session.sender.push([row satisfies QueuedSend]);
  }

  private async answerRpc(partition: number, subject: string, payload: unknown): Promise<unknown> {
    const route = this.deps.bus.topology.parseRoutedSubject(subject);
    if (!route || this.deps.bus.topology.partitionOf(route.accountId) !== partition) {
      throw new RpcFailure('invalid_request', `no such RPC: ${subject}`);
    }
    if (!isWebRpcOp(route.op)) throw new RpcFailure('invalid_request', `unknown operation "${route.op}"`);
    const spec = WEB_RPC_CATALOG[route.op];
    const request = spec.request.safeParse(payload ?? {});
    if (!request.success) throw new RpcFailure('invalid_request', z.prettifyError(request.error));
    const data = await answerWebRpc(this, partition, route.accountId, route.op, request.data);
    return (spec.response as z.ZodType).parse(data);
  }
}
