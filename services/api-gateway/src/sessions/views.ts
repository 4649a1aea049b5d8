import { z } from '@hono/zod-openapi';
import { AccountId, SessionStatus } from '@wagate/contracts';
import type { AccountRow } from '@wagate/db';

const unixSeconds = (date: Date | null) => (date ? Math.floor(date.getTime() / 1000) : null);

/** A session as seed 004 shows it. */
export const SessionView = z
  .object({
    id: z.string().openapi({ example: 'business-1' }),
    name: z.string().nullable().openapi({ example: 'Business Account' }),
    phone_number: z.string().nullable().openapi({ example: '628123456789' }),
    push_name: z.string().nullable().openapi({ example: 'John Doe' }),
    status: SessionStatus.meta({ example: 'logged_in' }),
    created_at: z.number().int().openapi({ description: 'Unix seconds', example: 1767143203 }),
    updated_at: z.number().int().openapi({ description: 'Unix seconds', example: 1767143203 }),
    last_connected_at: z.number().int().nullable().openapi({ description: 'Unix seconds' }),
    is_logged_in: z.boolean(),
  })
  .openapi('Session');
export type SessionView = z.infer<typeof SessionView>;

/** The API view of a web account. */
export function sessionView(row: AccountRow): SessionView {
  const status = SessionStatus.catch('disconnected').parse(row.sessionStatus);
  return {
    id: row.id,
    name: row.name,
    phone_number: row.phoneNumber,
    push_name: row.pushName,
    status,
    created_at: unixSeconds(row.createdAt)!,
    updated_at: unixSeconds(row.updatedAt)!,
    last_connected_at: unixSeconds(row.lastConnectedAt),
    is_logged_in: status === 'logged_in',
  };
}

export const SessionIdParam = z.object({
  id: AccountId.meta({ param: { name: 'id', in: 'path' }, example: 'business-1' }),
});

export const CreateSessionBody = z
  .object({
    id: AccountId.optional().meta({
      description: 'Custom session id (generated when absent)',
      example: 'business-1',
    }),
    name: z.string().trim().min(1).max(128).optional().openapi({ example: 'Business Account' }),
    webhook: z
      .object({
        url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2048),
        events: z
          .array(z.string().min(1).max(64))
          .max(64)
          .optional()
          .openapi({ description: 'Events to send (default: all)' }),
        secret: z
          .string()
          .min(1)
          .max(256)
          .optional()
          .openapi({ description: 'HMAC secret for signature verification' }),
      })
      .optional(),
  })
  .openapi('CreateSession');

/** Live status of a session (seed 004's status answer). */
export const SessionStatusView = z
  .object({
    status: SessionStatus.meta({ example: 'logged_in' }),
    is_logged_in: z.boolean(),
    phone_number: z.string().nullable().openapi({ example: '628123456789' }),
    push_name: z.string().nullable().openapi({ example: 'John Doe' }),
    reason: z.string().nullable().openapi({ description: 'Why the session last left logged_in' }),
  })
  .openapi('SessionStatus');
export type SessionStatusView = z.infer<typeof SessionStatusView>;

/** The status part of an accounts row. */
export function statusViewOfRow(row: AccountRow): SessionStatusView {
  const status = SessionStatus.catch('disconnected').parse(row.sessionStatus);
  return {
    status,
    is_logged_in: status === 'logged_in',
    phone_number: row.phoneNumber,
    push_name: row.pushName,
    reason: row.statusReason,
  };
}

/** The status a worker answered (connect, disconnect, logout, restart). */
export function statusViewOfSummary(summary: {
  status: SessionStatusView['status'];
  reason?: string | null;
  phoneNumber: string | null;
  pushName: string | null;
  isLoggedIn: boolean;
}): SessionStatusView {
  return {
    status: summary.status,
    is_logged_in: summary.isLoggedIn,
    phone_number: summary.phoneNumber,
    push_name: summary.pushName,
    reason: summary.reason ?? null,
  };
}

/** Pacing and behaviour of a session (all optional). */
export const SessionSettings = z
  .object({
    messages_per_minute: z.number().int().min(1).max(1000).optional(),
    jitter_ms: z.number().int().min(0).max(60_000).optional(),
    simulate_typing: z.boolean().optional(),
    per_recipient_spacing_ms: z.number().int().min(0).max(3_600_000).optional(),
    reject_calls: z.boolean().optional(),
    auto_read: z.boolean().optional(),
  })
  .strict()
  .openapi('SessionSettings');
