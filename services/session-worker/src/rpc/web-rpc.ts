import { RpcFailure } from '@wagate/bus';
import {
  type GroupInfo,
  jidUser,
  type WEB_RPC_CATALOG,
  type WebRpcOp,
  type WebRpcResponse,
} from '@wagate/contracts';
import { WebSessionStore } from '@wagate/db';
import type { ChatModification, WAPrivacyValue, WASocket } from '@whiskeysockets/baileys';
import type { z } from 'zod';
import { mediaBytes } from '../messages/outbound-content';
import type { PartitionRuntime } from '../partitions/partition-runtime';
import { groupInfo, type WebSession } from '../sessions/web-session';

type Request<Op extends WebRpcOp> = z.infer<(typeof WEB_RPC_CATALOG)[Op]['request']>;

const WAIT_FOR_QR_MS = 20_000;
const DEFAULT_MUTE_SECONDS = 8 * 3600;

/**
 * WhatsApp's code of a failed query: Baileys puts the iq error's code in the Boom's `data`, and
 * its own failures (closed socket, timeout) in the status code.
 */
export function whatsappStatus(error: unknown): number | undefined {
  const boom = error as { data?: unknown; output?: { statusCode?: number } };
  return typeof boom.data === 'number' ? boom.data : boom.output?.statusCode;
}

/** Maps WhatsApp's error answers to the contract's error codes. */
function failureOf(error: unknown): RpcFailure {
  if (error instanceof RpcFailure) return error;
  const status = whatsappStatus(error);
  const message = `WhatsApp answered: ${(error as Error).message ?? String(error)}`;
  const details = status ? { whatsappStatus: status } : undefined;
  if (status === 404) return new RpcFailure('not_found', message, details);
  if (status === 409) return new RpcFailure('conflict', message, details);
  if (status === 429) return new RpcFailure('rate_limited', message, details);
  if (status === 408) return new RpcFailure('timeout', message, details);
  if (status === 428 || status === 440 || status === 503)
    return new RpcFailure('not_connected', message, details);
  if (status !== undefined && status >= 400 && status < 500)
    return new RpcFailure('invalid_request', message, details);
  if (status !== undefined && status === 501) return new RpcFailure('invalid_request', message, details);
  return new RpcFailure('unavailable', message, details);
}

function socketOf(session: WebSession): WASocket {
  if (!session.isLoggedIn || !session.sock) {
    throw new RpcFailure('not_connected', `session ${session.accountId} is ${session.status}, not logged in`);
  }
  return session.sock;
}

function summary(session: WebSession): WebRpcResponse<'session.status'> {
  return {
    status: session.status,
    reason: session.reason ?? null,
    phoneNumber: session.account.phoneNumber ?? null,
    pushName: session.account.pushName ?? null,
    isLoggedIn: session.isLoggedIn,
  };
}

function storedGroup(row: Awaited<ReturnType<typeof WebSessionStore.group>> & object): GroupInfo {
  return {
    id: row.id,
    subject: row.subject,
    ...(row.description ? { description: row.description } : {}),
    ...(row.owner ? { owner: row.owner } : {}),
    ...(row.createdAtWa ? { createdAt: row.createdAtWa } : {}),
    announce: row.announce,
    locked: row.locked,
    participants: row.participants,
    ...(row.size !== null ? { size: row.size } : {}),
  };
}

async function fetchGroup(session: WebSession, groupId: string, refresh: boolean): Promise<GroupInfo> {
  const { db, config } = session.context;
  const cached = await WebSessionStore.group(db, session.accountId, groupId);
  if (!refresh && cached && Date.now() - cached.fetchedAt.getTime() < config.GROUP_CACHE_MS)
    return storedGroup(cached);
  const info = groupInfo(await socketOf(session).groupMetadata(groupId));
  await session.context.commit((tx) => WebSessionStore.upsertGroups(tx, session.accountId, [info]));
  return info;
}

/** The last messages of a chat, as Baileys' chat modifications name them. */
async function lastMessages(session: WebSession, chatId: string) {
  const rows = await WebSessionStore.lastMessages(session.context.db, session.accountId, chatId, 1);
  return rows.map((row) => ({
    key: {
      remoteJid: chatId,
      id: row.id,
      fromMe: row.fromMe,
      ...(chatId.endsWith('@g.us') && !row.fromMe ? { participant: row.sender } : {}),
    },
    messageTimestamp: row.sentAt,
  }));
}

async function chatModification(
  session: WebSession,
  request: Request<'chats.modify'>,
): Promise<ChatModification> {
  const last = await lastMessages(session, request.chatId);
  const at = last[0]?.messageTimestamp ?? Math.floor(Date.now() / 1000);
  switch (request.action) {
    case 'archive':
    case 'unarchive':
      return { archive: request.action === 'archive', lastMessages: last };
    case 'pin':
    case 'unpin':
      return { pin: request.action === 'pin' };
    case 'mute':
      return { mute: (request.muteUntil ?? Math.floor(Date.now() / 1000) + DEFAULT_MUTE_SECONDS) * 1000 };
    case 'unmute':
      return { mute: null };
    case 'mark_read':
    case 'mark_unread':
      return { markRead: request.action === 'mark_read', lastMessages: last };
    case 'clear':
      return { clear: true, lastMessages: last } as unknown as ChatModification;
    case 'delete':
      return { delete: true, lastMessages: last.map((message) => ({ ...message, messageTimestamp: at })) };
  }
}

/**
 * Answers one RPC of `WEB_RPC_CATALOG` for an account of an owned partition (the request is
 * already validated against the op's schema; the reply is checked against its response schema).
 *
 * @example
 * await answerWebRpc(runtime, 3, 'demo', 'session.status', {});
 */
export async function answerWebRpc(
  runtime: PartitionRuntime,
  partition: number,
  accountId: string,
  op: WebRpcOp,
  request: unknown,
): Promise<unknown> {
  if (op === 'session.stop') {
    const { logout } = request as Request<'session.stop'>;
    await runtime.forget(partition, accountId, logout);
    return { ok: true };
  }
  const { session, account } = await runtime.session(partition, accountId);
  try {
    switch (op) {
      case 'session.status':
        return summary(session);
      case 'session.connect':
        if (account.disabled) throw new RpcFailure('conflict', `session ${accountId} is disabled`);
        await session.start();
        return summary(session);
      case 'session.disconnect':
        await session.stop('requested');
        return summary(session);
      case 'session.logout':
        await session.logout();
        return summary(session);
      case 'session.restart':
        if (account.disabled) throw new RpcFailure('conflict', `session ${accountId} is disabled`);
        await session.stop('requested');
        await session.start();
        return summary(session);
      case 'session.qr': {
        if (session.isLoggedIn) return { qrCodes: [], timeoutSeconds: 0, status: session.status };
        if (account.disabled) throw new RpcFailure('conflict', `session ${accountId} is disabled`);
        await session.start();
        await session
          .waitFor(
            () =>
              session.currentQr() !== undefined ||
              session.isLoggedIn ||
              session.status === 'waiting_for_pair_code',
            WAIT_FOR_QR_MS,
          )
          .catch(() => {
            throw new RpcFailure(
              'unavailable',
              `no QR code yet (session is ${session.status}); retry shortly`,
            );
          });
        const qr = session.currentQr();
        return {
          qrCodes: qr ? [qr.code] : [],
          timeoutSeconds: qr?.timeoutSeconds ?? 0,
          status: session.status,
        };
      }
      case 'session.pair': {
        const { phoneNumber } = request as Request<'session.pair'>;
        if (session.isLoggedIn || session.hasCredentials)
          throw new RpcFailure('conflict', `session ${accountId} is already paired`);
        if (account.disabled) throw new RpcFailure('conflict', `session ${accountId} is disabled`);
        return await session.requestPairingCode(phoneNumber);
      }
      case 'session.device': {
        const fresh = session.account;
        return {
          deviceId: fresh.deviceId ?? null,
          phoneNumber: fresh.phoneNumber ?? null,
          lid: fresh.lid ?? null,
          pushName: fresh.pushName ?? null,
        };
      }
      case 'contacts.check': {
        const { jids } = request as Request<'contacts.check'>;
        const found = (await socketOf(session).onWhatsApp(...jids)) ?? [];
        const existing = new Set(found.filter((entry) => entry.exists).map((entry) => jidUser(entry.jid)));
        return { results: jids.map((jid) => ({ jid, exists: existing.has(jidUser(jid)) })) };
      }
      case 'contacts.picture': {
        const { jid, highResolution } = request as Request<'contacts.picture'>;
        const url = await socketOf(session)
          .profilePictureUrl(jid, highResolution ? 'image' : 'preview')
          .catch((error: unknown) => {
            const status = whatsappStatus(error);
            if (status === 404 || status === 401) return undefined;
            throw error;
          });
        return { url: url ?? null };
      }
      case 'contacts.block': {
        const { jid, block } = request as Request<'contacts.block'>;
        await socketOf(session).updateBlockStatus(jid, block ? 'block' : 'unblock');
        return { ok: true };
      }
      case 'contacts.blocklist':
        return { jids: ((await socketOf(session).fetchBlocklist()) ?? []).filter(Boolean) as string[] };
      case 'presence.subscribe':
        await socketOf(session).presenceSubscribe((request as Request<'presence.subscribe'>).jid);
        return { ok: true };
      case 'groups.list': {
        const { refresh } = request as Request<'groups.list'>;
        const { db, config } = session.context;
        const cached = await WebSessionStore.groups(db, accountId);
        const fetchedAt = cached.reduce(
          (oldest, row) => Math.min(oldest, row.fetchedAt.getTime()),
          Date.now(),
        );
        if (!refresh && cached.length > 0 && Date.now() - fetchedAt < config.GROUP_CACHE_MS) {
          return { groups: cached.map(storedGroup), fetchedAt: new Date(fetchedAt).toISOString() };
        }
        const groups = Object.values(await socketOf(session).groupFetchAllParticipating()).map(groupInfo);
        const now = new Date();
        await session.context.commit((tx) => WebSessionStore.upsertGroups(tx, accountId, groups, now));
        return { groups, fetchedAt: now.toISOString() };
      }
      case 'groups.get': {
        const { groupId, refresh } = request as Request<'groups.get'>;
        return await fetchGroup(session, groupId, refresh);
      }
      case 'groups.create': {
        const { subject, participants } = request as Request<'groups.create'>;
        const info = groupInfo(await socketOf(session).groupCreate(subject, participants));
        await session.context.commit((tx) => WebSessionStore.upsertGroups(tx, accountId, [info]));
        return info;
      }
      case 'groups.update': {
        const update = request as Request<'groups.update'>;
        const sock = socketOf(session);
        if (update.subject !== undefined) await sock.groupUpdateSubject(update.groupId, update.subject);
        if (update.description !== undefined)
          await sock.groupUpdateDescription(update.groupId, update.description);
        if (update.announce !== undefined)
          await sock.groupSettingUpdate(
            update.groupId,
            update.announce ? 'announcement' : 'not_announcement',
          );
        if (update.locked !== undefined)
          await sock.groupSettingUpdate(update.groupId, update.locked ? 'locked' : 'unlocked');
        if (update.picture) {
          const bytes = await mediaBytes(update.picture, accountId, {
            db: session.context.db,
            store: session.context.mediaStore,
            maxBytes: session.context.config.MEDIA_MAX_BYTES,
          });
          await sock.updateProfilePicture(update.groupId, bytes);
        }
        return await fetchGroup(session, update.groupId, true);
      }
      case 'groups.leave':
        await socketOf(session).groupLeave((request as Request<'groups.leave'>).groupId);
        return { ok: true };
      case 'groups.participants': {
        const { groupId, action, participants } = request as Request<'groups.participants'>;
        const results = await socketOf(session).groupParticipantsUpdate(groupId, participants, action);
        return {
          results: results.map((result) => ({ jid: result.jid, status: Number(result.status) || 200 })),
        };
      }
      case 'groups.invite': {
        const { groupId, reset } = request as Request<'groups.invite'>;
        const sock = socketOf(session);
        const code = reset ? await sock.groupRevokeInvite(groupId) : await sock.groupInviteCode(groupId);
        if (!code) throw new RpcFailure('unavailable', 'WhatsApp returned no invite code');
        return { code, link: `https://chat.whatsapp.com/${code}` };
      }
      case 'groups.join': {
        const groupId = await socketOf(session).groupAcceptInvite((request as Request<'groups.join'>).code);
        if (!groupId) throw new RpcFailure('not_found', 'the invite code was not accepted');
        return { groupId };
      }
      case 'groups.requests': {
        const list = await socketOf(session).groupRequestParticipantsList(
          (request as Request<'groups.requests'>).groupId,
        );
        return {
          requests: list.map((entry) => ({
            jid: String(entry.jid),
            requestedAt: entry.request_time ? Number(entry.request_time) : null,
          })),
        };
      }
      case 'groups.requests.update': {
        const { groupId, action, participants } = request as Request<'groups.requests.update'>;
        const results = await socketOf(session).groupRequestParticipantsUpdate(groupId, participants, action);
        return {
          results: results.map((result) => ({ jid: result.jid, status: Number(result.status) || 200 })),
        };
      }
      case 'chats.modify': {
        const modify = request as Request<'chats.modify'>;
        await socketOf(session).chatModify(await chatModification(session, modify), modify.chatId);
        return { ok: true };
      }
      case 'profile.get': {
        const sock = socketOf(session);
        const own = session.ownJid!;
        const [status, pictureUrl] = await Promise.all([
          sock.fetchStatus(own).catch(() => undefined),
          sock.profilePictureUrl(own, 'image').catch(() => undefined),
        ]);
        const about = (status as Array<{ status?: { status?: string } }> | undefined)?.[0]?.status?.status;
        return {
          name: sock.authState.creds.me?.name ?? null,
          about: about ?? null,
          pictureUrl: pictureUrl ?? null,
        };
      }
      case 'profile.update': {
        const update = request as Request<'profile.update'>;
        const sock = socketOf(session);
        if (update.name !== undefined) await sock.updateProfileName(update.name);
        if (update.about !== undefined) await sock.updateProfileStatus(update.about);
        if (update.picture) {
          const bytes = await mediaBytes(update.picture, accountId, {
            db: session.context.db,
            store: session.context.mediaStore,
            maxBytes: session.context.config.MEDIA_MAX_BYTES,
          });
          await sock.updateProfilePicture(session.ownJid!, bytes);
        }
        return { ok: true };
      }
      case 'privacy.get':
        return Object.fromEntries(
          Object.entries((await socketOf(session).fetchPrivacySettings(true)) ?? {}).map(([key, value]) => [
            key,
            String(value),
          ]),
        );
      case 'privacy.update': {
        const { setting, value } = request as Request<'privacy.update'>;
        const sock = socketOf(session);
        const privacy = value as WAPrivacyValue;
        switch (setting) {
          case 'last':
            await sock.updateLastSeenPrivacy(privacy);
            break;
          case 'online':
            await sock.updateOnlinePrivacy(value as never);
            break;
          case 'profile':
            await sock.updateProfilePicturePrivacy(privacy);
            break;
          case 'status':
            await sock.updateStatusPrivacy(privacy);
            break;
          case 'readreceipts':
            await sock.updateReadReceiptsPrivacy(value as never);
            break;
          case 'groupadd':
            await sock.updateGroupsAddPrivacy(value as never);
            break;
          case 'calladd':
            await sock.updateCallPrivacy(value as never);
            break;
        }
        return { ok: true };
      }
    }
  } catch (error) {
    throw failureOf(error);
  }
}
