import { z } from 'zod';
import { GroupInfo } from './events/directory';
import { SessionStatus } from './events/session';
import { MediaSource } from './message-content';

const Jid = z.string().min(3).max(128);
const Empty = z.object({});
const Ok = z.object({ ok: z.literal(true) });

const GroupParticipantResult = z.object({
  jid: z.string(),
  /** WhatsApp's per-participant answer: 200 on success, else its error code (e.g. 403, 409). */
  status: z.number().int(),
});

const SessionSummary = z.object({
  status: SessionStatus,
  reason: z.string().nullable().optional(),
  phoneNumber: z.string().nullable(),
  pushName: z.string().nullable(),
  isLoggedIn: z.boolean(),
});

function rpc<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res, description: string) {
  return { request, response, description };
}

/**
 * Every synchronous call a session worker answers on `wa.rpc.<p>.<accountId>.<op>` (web accounts),
 * with its request (the NATS body) and its reply's `data`. The gateway and the worker are built
 * against these schemas only.
 *
 * @example
 * const request = WEB_RPC_CATALOG['groups.create'].request.parse(body);
 */
export const WEB_RPC_CATALOG = {
  'session.status': rpc(Empty, SessionSummary, 'The live status of the session.'),
  'session.connect': rpc(
    Empty,
    SessionSummary,
    'Connect now (no-op when connected); a new session starts pairing.',
  ),
  'session.disconnect': rpc(
    Empty,
    SessionSummary,
    'Close the socket and keep the credentials; stays offline until connect.',
  ),
  'session.logout': rpc(Empty, SessionSummary, 'Log the device out of WhatsApp and remove the credentials.'),
  'session.restart': rpc(Empty, SessionSummary, 'Close and reopen the socket with the stored credentials.'),
  'session.stop': rpc(
    z.object({ logout: z.boolean().default(false) }),
    Ok,
    'Stop the session for good (account deleted); with logout, unlink the device first.',
  ),
  'session.qr': rpc(
    Empty,
    z.object({ qrCodes: z.array(z.string()), timeoutSeconds: z.number().int(), status: SessionStatus }),
    'The current QR code(s) to scan; starts pairing when the session has no credentials.',
  ),
  'session.pair': rpc(
    z.object({
      phoneNumber: z.string().regex(/^\d{7,15}$/),
      showPushNotification: z.boolean().default(true),
    }),
    z.object({ code: z.string(), timeoutSeconds: z.number().int() }),
    'Pair by phone number: returns the code (ABCD-EFGH) to type on the phone.',
  ),
  'session.device': rpc(
    Empty,
    z.object({
      deviceId: z.number().int().nullable(),
      phoneNumber: z.string().nullable(),
      lid: z.string().nullable(),
      pushName: z.string().nullable(),
    }),
    'The linked device: id, phone number, LID, push name.',
  ),
  'contacts.check': rpc(
    z.object({ jids: z.array(Jid).min(1).max(50) }),
    z.object({ results: z.array(z.object({ jid: z.string(), exists: z.boolean() })) }),
    'Whether numbers are on WhatsApp (onWhatsApp).',
  ),
  'contacts.picture': rpc(
    z.object({ jid: Jid, highResolution: z.boolean().default(false) }),
    z.object({ url: z.string().nullable() }),
    'Profile picture URL of a contact or group.',
  ),
  'contacts.block': rpc(z.object({ jid: Jid, block: z.boolean() }), Ok, 'Block or unblock a contact.'),
  'contacts.blocklist': rpc(Empty, z.object({ jids: z.array(z.string()) }), 'Blocked contacts.'),
  'presence.subscribe': rpc(z.object({ jid: Jid }), Ok, "Receive a contact's presence updates as events."),
  'groups.list': rpc(
    z.object({ refresh: z.boolean().default(false) }),
    z.object({ groups: z.array(GroupInfo), fetchedAt: z.string() }),
    'Groups the account belongs to (cached for 4 minutes unless refresh).',
  ),
  'groups.get': rpc(
    z.object({ groupId: Jid, refresh: z.boolean().default(false) }),
    GroupInfo,
    'Group metadata.',
  ),
  'groups.create': rpc(
    z.object({ subject: z.string().min(1).max(100), participants: z.array(Jid).max(1024) }),
    GroupInfo,
    'Create a group.',
  ),
  'groups.update': rpc(
    z.object({
      groupId: Jid,
      subject: z.string().min(1).max(100).optional(),
      description: z.string().max(2048).optional(),
      /** Only admins can send. */
      announce: z.boolean().optional(),
      /** Only admins can edit group info. */
      locked: z.boolean().optional(),
      picture: MediaSource.optional(),
    }),
    GroupInfo,
    'Change subject, description, settings or picture.',
  ),
  'groups.leave': rpc(z.object({ groupId: Jid }), Ok, 'Leave a group.'),
  'groups.participants': rpc(
    z.object({
      groupId: Jid,
      action: z.enum(['add', 'remove', 'promote', 'demote']),
      participants: z.array(Jid).min(1).max(1024),
    }),
    z.object({ results: z.array(GroupParticipantResult) }),
    'Add, remove, promote or demote members.',
  ),
  'groups.invite': rpc(
    z.object({ groupId: Jid, reset: z.boolean().default(false) }),
    z.object({ code: z.string(), link: z.string() }),
    'The invite link (reset revokes the old one).',
  ),
  'groups.join': rpc(
    z.object({ code: z.string().min(1).max(64) }),
    z.object({ groupId: z.string() }),
    'Join by invite code.',
  ),
  'groups.requests': rpc(
    z.object({ groupId: Jid }),
    z.object({ requests: z.array(z.object({ jid: z.string(), requestedAt: z.number().int().nullable() })) }),
    'Pending join requests.',
  ),
  'groups.requests.update': rpc(
    z.object({
      groupId: Jid,
      action: z.enum(['approve', 'reject']),
      participants: z.array(Jid).min(1).max(1024),
    }),
    z.object({ results: z.array(GroupParticipantResult) }),
    'Approve or reject join requests.',
  ),
  'chats.modify': rpc(
    z.object({
      chatId: Jid,
      action: z.enum([
        'archive',
        'unarchive',
        'pin',
        'unpin',
        'mute',
        'unmute',
        'mark_read',
        'mark_unread',
        'clear',
        'delete',
      ]),
      /** For mute: until when, Unix seconds; absent mutes for 8 hours. */
      muteUntil: z.number().int().positive().optional(),
    }),
    Ok,
    'Archive, pin, mute, mark read/unread, clear or delete a chat.',
  ),
  'profile.get': rpc(
    Empty,
    z.object({
      name: z.string().nullable(),
      about: z.string().nullable(),
      pictureUrl: z.string().nullable(),
    }),
    "The account's own profile.",
  ),
  'profile.update': rpc(
    z.object({
      name: z.string().min(1).max(25).optional(),
      about: z.string().max(139).optional(),
      picture: MediaSource.optional(),
    }),
    Ok,
    'Change push name, about text or picture.',
  ),
  'privacy.get': rpc(
    Empty,
    z.record(z.string(), z.string()),
    'Privacy settings (last seen, online, picture, status, read receipts, groups).',
  ),
  'privacy.update': rpc(
    z.object({
      setting: z.enum(['last', 'online', 'profile', 'status', 'readreceipts', 'groupadd', 'calladd']),
      value: z.string().min(1).max(32),
    }),
    Ok,
    'Change one privacy setting.',
  ),
} as const;

export type WebRpcOp = keyof typeof WEB_RPC_CATALOG;
export type WebRpcRequest<Op extends WebRpcOp> = z.input<(typeof WEB_RPC_CATALOG)[Op]['request']>;
export type WebRpcResponse<Op extends WebRpcOp> = z.infer<(typeof WEB_RPC_CATALOG)[Op]['response']>;

/**
 * Whether a string names a web RPC op.
 *
 * @example
 * isWebRpcOp('groups.create'); // true
 */
export function isWebRpcOp(op: string): op is WebRpcOp {
  return Object.hasOwn(WEB_RPC_CATALOG, op);
}

/** What the cloud bridge answers on `wa.rpc.cloud.<accountId>.account.test` (seed 001). */
export const CloudAccountTestResult = z.object({
  connected: z.boolean(),
  phone_number: z.string().nullable(),
  display_phone_number: z.string().nullable(),
  verified_name: z.string().nullable(),
  quality_rating: z.string().nullable(),
  messaging_limit: z.string().nullable(),
  /** Why it is not connected (Meta's error code and message). */
  error: z.object({ code: z.union([z.number(), z.string()]), message: z.string() }).optional(),
});
export type CloudAccountTestResult = z.infer<typeof CloudAccountTestResult>;

/**
 * Every synchronous call the cloud bridge answers on `wa.rpc.cloud.<accountId>.<op>` (queue group
 * `cloud-api-bridge`).
 */
export const CLOUD_RPC_CATALOG = {
  'account.test': rpc(
    Empty,
    CloudAccountTestResult,
    'Check the credentials with Meta and refresh the number facts.',
  ),
} as const;
export type CloudRpcOp = keyof typeof CLOUD_RPC_CATALOG;
