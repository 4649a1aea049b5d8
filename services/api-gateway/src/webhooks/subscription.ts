import { z } from '@hono/zod-openapi';
import { AccountId, ChatType, EVENT_CATALOG, EVENT_TYPES, Jid, MessageType } from '@wagate/contracts';
import { maskSecret, type WebhookFilters, type WebhookRow } from '@wagate/db';

/** Names other gateways' users subscribe with (seed 004); the dispatcher resolves the same ones. */
const EVENT_ALIASES = ['message', 'connected', 'disconnected', 'qr', 'ack'];
const EVENT_PREFIXES = new Set(EVENT_TYPES.map((type) => `${type.slice(0, type.indexOf('.'))}.*`));
const KNOWN_EVENTS = new Set<string>([...EVENT_TYPES, ...EVENT_PREFIXES, ...EVENT_ALIASES, '*']);

/** Headers a subscription may not set: the transport's and the signature's own. */
const RESERVED_HEADERS =
  /^(host|content-length|content-type|transfer-encoding|connection|webhook-.*|x-webhook-signature)$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

export const EventName = z
  .string()
  .min(1)
  .max(64)
  .refine((name) => KNOWN_EVENTS.has(name), {
    message: `must be an event type (${EVENT_TYPES.slice(0, 3).join(', ')}, …), a "<prefix>.*" pattern, "*", or one of ${EVENT_ALIASES.join(', ')}`,
  });

const WebhookUrl = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2048);

const Headers = z
  .record(
    z
      .string()
      .regex(HEADER_NAME, 'must be a header name')
      .refine((name) => !RESERVED_HEADERS.test(name), {
        message: 'is set by the dispatcher itself',
      }),
    z
      .string()
      .max(4096)
      .regex(/^[^\r\n]*$/, 'must be one line'),
  )
  .refine((headers) => Object.keys(headers).length <= 20, { message: 'at most 20 headers' });

/** Seed 003's filters, with its rules: settings types cannot be combined with chat or message types. */
const filterFields = {
  chat_ids: z
    .array(Jid)
    .max(1000)
    .optional()
    .openapi({ description: 'Only events of these chats (full JIDs).' }),
  chat_types: z
    .array(ChatType)
    .max(4)
    .optional()
    .openapi({ description: 'Only events of these kinds of chat.' }),
  mentions: z
    .array(z.union([z.literal('me'), Jid]))
    .max(100)
    .optional()
    .openapi({ description: 'Only messages that @mention these JIDs ("me": this session).' }),
  message_types: z
    .array(MessageType)
    .max(16)
    .optional()
    .openapi({ description: 'Only messages of these types.' }),
  settings_types: z
    .array(z.enum(['chats', 'messages', 'groups', 'system']))
    .max(4)
    .optional()
    .openapi({
      description:
        'Only these kinds of settings events; cannot be combined with chat or message type filters. System events: logged_out, client_connected, joined_group.',
    }),
};

const webhookFields = {
  url: WebhookUrl.openapi({ example: 'https://example.com/webhook' }),
  events: z
    .array(EventName)
    .max(64)
    .optional()
    .openapi({ description: 'Event types to send; empty or absent: all.' }),
  headers: Headers.optional().openapi({ description: 'Custom headers sent with each delivery.' }),
  enabled: z.boolean().optional(),
  rate_limit_per_second: z.number().int().min(1).max(10_000).nullable().optional(),
  ordered: z
    .boolean()
    .optional()
    .openapi({ description: 'Deliver one chat’s events one at a time, in order.' }),
  ...filterFields,
};

function settingsExclusive(value: {
  settings_types?: unknown[];
  chat_types?: unknown[];
  message_types?: unknown[];
}) {
  const hasSettings = (value.settings_types?.length ?? 0) > 0;
  return !(hasSettings && ((value.chat_types?.length ?? 0) > 0 || (value.message_types?.length ?? 0) > 0));
}
const SETTINGS_RULE = {
  message: 'settings_types cannot be combined with chat_types or message_types (seed 003)',
  path: ['settings_types'],
};

export const CreateWebhookBody = z
  .object({
    ...webhookFields,
    session_id: AccountId.nullable()
      .optional()
      .openapi({ description: 'The session; absent or null for every session (global).' }),
    secret: z
      .string()
      .min(8)
      .max(256)
      .optional()
      .openapi({ description: 'Signing secret; a `whsec_` secret is generated when absent. Returned once.' }),
  })
  .strict()
  .refine(settingsExclusive, SETTINGS_RULE)
  .openapi('CreateWebhook');
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const UpdateWebhookBody = z
  .object({ ...webhookFields, url: WebhookUrl.optional() })
  .strict()
  .refine(settingsExclusive, SETTINGS_RULE)
  .openapi('UpdateWebhook');
export type UpdateWebhookBody = z.infer<typeof UpdateWebhookBody>;

export const WebhookView = z
  .object({
    id: z.string().openapi({ example: 'wh_01JD3X8Q0Y5V6W7Z8A9B0C1D2E' }),
    session_id: z.string().nullable(),
    url: z.string(),
    events: z.array(z.string()),
    chat_ids: z.array(z.string()),
    chat_types: z.array(z.string()),
    mentions: z.array(z.string()),
    message_types: z.array(z.string()),
    settings_types: z.array(z.string()),
    headers: z.record(z.string(), z.string()).openapi({ description: 'Header values masked.' }),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable(),
    rate_limit_per_second: z.number().int().nullable(),
    ordered: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Webhook');
export type WebhookView = z.infer<typeof WebhookView>;

export const CreatedWebhook = WebhookView.extend({
  secret: z.string().openapi({ description: 'The signing secret: shown this once.' }),
}).openapi('CreatedWebhook');

/** The stored filters of a body's filter fields (absent fields stay absent). */
export function filtersOf(
  body: Partial<Record<keyof typeof filterFields, string[] | undefined>>,
): WebhookFilters {
  const filters: WebhookFilters = {};
  if (body.chat_ids) filters.chatIds = body.chat_ids;
  if (body.chat_types) filters.chatTypes = body.chat_types as WebhookFilters['chatTypes'];
  if (body.mentions) filters.mentions = body.mentions;
  if (body.message_types) filters.messageTypes = body.message_types;
  if (body.settings_types) filters.settingsTypes = body.settings_types as WebhookFilters['settingsTypes'];
  return filters;
}

/** Whether a body sets any filter field. */
export function setsFilters(body: object): boolean {
  return Object.keys(filterFields).some((field) => (body as Record<string, unknown>)[field] !== undefined);
}

/**
 * The API view of a subscription: never its secret, and custom header values masked (they often
 * carry credentials).
 */
export function webhookView(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    session_id: row.accountId,
    url: row.url,
    events: row.events,
    chat_ids: row.filters.chatIds ?? [],
    chat_types: row.filters.chatTypes ?? [],
    mentions: row.filters.mentions ?? [],
    message_types: row.filters.messageTypes ?? [],
    settings_types: row.filters.settingsTypes ?? [],
    headers: Object.fromEntries(
      Object.entries(row.headers).map(([name, value]) => [name, maskSecret(value)]),
    ),
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    rate_limit_per_second: row.rateLimitPerSecond,
    ordered: row.ordered,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** The event catalog as the events list shows it. */
export function eventList() {
  return [
    ...EVENT_TYPES.map((type) => ({
      type,
      description: EVENT_CATALOG[type].description,
      version: EVENT_CATALOG[type].version,
    })),
  ];
}
