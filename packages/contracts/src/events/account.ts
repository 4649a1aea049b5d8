import { z } from 'zod';

/** Status of an account as the accounts admin API shows it (seed 001). */
export const AccountStatus = z.enum(['pending', 'active', 'disconnected', 'suspended']);
export type AccountStatus = z.infer<typeof AccountStatus>;

export const AccountStatusEvent = z.object({
  status: AccountStatus,
  previousStatus: AccountStatus.optional(),
  /** Why it changed, e.g. `token_expired` (Meta code 190) or `quality_changed`. */
  reason: z.string().optional(),
  qualityRating: z.enum(['GREEN', 'YELLOW', 'RED', 'NA', 'UNKNOWN']).optional(),
  messagingLimit: z.string().optional(),
  error: z.object({ code: z.union([z.number(), z.string()]), message: z.string() }).optional(),
});
export type AccountStatusEvent = z.infer<typeof AccountStatusEvent>;

export const WebhookDisabledEvent = z.object({
  webhookId: z.string().min(1),
  url: z.string(),
  /** `gone` (the endpoint answered 410) or `failing` (it failed for too long). */
  reason: z.enum(['gone', 'failing']),
});
export type WebhookDisabledEvent = z.infer<typeof WebhookDisabledEvent>;
