import { z } from 'zod';

/** Status of a web session, exactly as FEATURES.md and seed 004 list them. */
export const SessionStatus = z.enum([
  'disconnected',
  'connecting',
  'waiting_for_qr',
  'waiting_for_pair_code',
  'connected',
  'logged_in',
]);
export type SessionStatus = z.infer<typeof SessionStatus>;

/** Why a session left `logged_in`, when it did. */
export const DisconnectReason = z.enum([
  /** The user asked (disconnect, disable, delete). */
  'requested',
  /** WhatsApp logged the device out (401) or the user unlinked it; credentials are gone. */
  'logged_out',
  /** Another socket took the account (440); never reconnected automatically. */
  'connection_replaced',
  /** The owning worker lost its partition lease; another worker takes over. */
  'ownership_lost',
  /** Network trouble; reconnecting with backoff. */
  'connection_lost',
  /** WhatsApp asked for a restart (515), as after pairing. */
  'restart_required',
  /** WhatsApp banned or restricted the number (403/402). */
  'banned',
  /** The QR or pairing code expired unanswered. */
  'pairing_timeout',
  'unknown',
]);
export type DisconnectReason = z.infer<typeof DisconnectReason>;

export const SessionStatusEvent = z.object({
  status: SessionStatus,
  previousStatus: SessionStatus.optional(),
  reason: DisconnectReason.optional(),
  /** Baileys' disconnect code (e.g. 401, 440, 515) when the socket closed. */
  disconnectCode: z.number().int().optional(),
  phoneNumber: z.string().nullable().optional(),
  pushName: z.string().nullable().optional(),
  /** Worker that owns the session now. */
  workerId: z.string().optional(),
});
export type SessionStatusEvent = z.infer<typeof SessionStatusEvent>;

export const SessionQrEvent = z.object({
  /** The QR payload (`ref,noiseKey,identityKey,advSecret`) to render as a QR image. */
  qr: z.string().min(1),
  expiresInSeconds: z.number().int().positive(),
});
export type SessionQrEvent = z.infer<typeof SessionQrEvent>;

export const SessionPairingCodeEvent = z.object({
  /** The code to type on the phone, as `ABCD-EFGH`. */
  code: z.string().regex(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/),
  phoneNumber: z.string(),
  expiresInSeconds: z.number().int().positive(),
});
export type SessionPairingCodeEvent = z.infer<typeof SessionPairingCodeEvent>;
