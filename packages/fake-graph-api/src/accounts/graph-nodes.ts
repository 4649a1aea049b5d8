import { type GraphErrorResponse, nonexistingFieldError, whatsAppError } from '../errors/graph-error';
import type { PhoneNumberRecord, TemplateRecord } from './accounts';

/** Graph writes times as `2023-08-22T19:05:36+0000`. */
function graphTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

/**
 * Every field the fake serves on a phone number node, in Graph's order.
 *
 * @example
 * phoneNumberFields(phoneNumber).quality_rating; // 'GREEN'
 */
export function phoneNumberFields(phoneNumber: PhoneNumberRecord): Record<string, unknown> {
  return {
    verified_name: phoneNumber.verifiedName,
    code_verification_status: phoneNumber.codeVerificationStatus,
    display_phone_number: phoneNumber.displayPhoneNumber,
    quality_rating: phoneNumber.qualityRating,
    platform_type: 'CLOUD_API',
    throughput: { level: phoneNumber.throughputPerSecond >= 1000 ? 'HIGH' : 'STANDARD' },
    last_onboarded_time: graphTime(phoneNumber.onboardedAt),
    name_status: phoneNumber.nameStatus,
    messaging_limit_tier: phoneNumber.messagingLimitTier,
    whatsapp_business_manager_messaging_limit: phoneNumber.businessManagerMessagingLimit,
    status: 'CONNECTED',
    account_mode: 'LIVE',
    is_official_business_account: false,
    id: phoneNumber.phoneNumberId,
  };
}

/**
 * `GET /{phone-number-id}` without `fields`, as CLOUD-API.md records it.
 *
 * @example
 * selectFields(all, undefined, PHONE_NUMBER_DEFAULT_FIELDS, 'WhatsAppBusinessPhoneNumber');
 */
export const PHONE_NUMBER_DEFAULT_FIELDS = ['id', 'display_phone_number', 'verified_name', 'quality_rating'];

/**
 * `GET /{waba-id}/phone_numbers` without `fields`.
 *
 * @example
 * selectFields(all, c.req.query('fields'), PHONE_NUMBER_LIST_DEFAULT_FIELDS, 'WhatsAppBusinessPhoneNumber');
 */
export const PHONE_NUMBER_LIST_DEFAULT_FIELDS = [
  'verified_name',
  'code_verification_status',
  'display_phone_number',
  'quality_rating',
  'platform_type',
  'throughput',
  'last_onboarded_time',
  'id',
];

/**
 * Every field the fake serves on a message template node.
 *
 * @example
 * templateFields(template).language; // 'en_US'
 */
export function templateFields(template: TemplateRecord): Record<string, unknown> {
  return {
    name: template.name,
    parameter_format: template.parameterFormat,
    components: template.components,
    language: template.language,
    status: template.status,
    category: template.category,
    id: template.id,
  };
}

/**
 * `GET /{waba-id}/message_templates` without `fields`.
 *
 * @example
 * selectFields(templateFields(t), undefined, TEMPLATE_DEFAULT_FIELDS, 'WhatsAppBusinessHSM');
 */
export const TEMPLATE_DEFAULT_FIELDS = [
  'name',
  'parameter_format',
  'components',
  'language',
  'status',
  'category',
  'id',
];

/**
 * Graph's `fields=` projection: the requested fields in the requested order with `id` last when
 * not asked for; an unknown field is code 100.
 *
 * @example
 * selectFields(phoneNumberFields(p), 'quality_rating', PHONE_NUMBER_DEFAULT_FIELDS, 'WhatsAppBusinessPhoneNumber');
 * // { value: { quality_rating: 'GREEN', id: '1065…' } }
 */
export function selectFields(
  all: Record<string, unknown>,
  fieldsParameter: string | undefined,
  defaults: readonly string[],
  nodeType: string,
): { value: Record<string, unknown> } | { error: GraphErrorResponse } {
  const requested =
    fieldsParameter === undefined
      ? defaults
      : fieldsParameter
          .split(',')
          .map((field) => field.trim())
          .filter((field) => field !== '');
  const unknown = requested.find((field) => !(field in all));
  if (unknown !== undefined) return { error: nonexistingFieldError(unknown, nodeType) };
  const fields = requested.includes('id') ? requested : [...requested, 'id'];
  return { value: Object.fromEntries(fields.map((field) => [field, all[field]])) };
}

/** Graph's cursors are opaque base64 strings; these encode the id of the item at the page edge. */
function cursorOf(id: string): string {
  return Buffer.from(id).toString('base64');
}

interface PageQuery {
  limit: string | undefined;
  after: string | undefined;
  before: string | undefined;
}

/**
 * One page of a Graph edge with cursor paging: `paging.cursors.before/after`, and `next` /
 * `previous` URLs when there is more in that direction (`limit` defaults to 25).
 *
 * @example
 * const page = cursorPage(phoneNumbers, { limit: '1', after: undefined, before: undefined }, pageUrl);
 * if ('value' in page) page.value.paging?.cursors.after;
 */
export function cursorPage<T extends { id: string }>(
  items: readonly T[],
  query: PageQuery,
  pageUrl: (cursor: { after: string } | { before: string }) => string,
):
  | {
      value: {
        data: T[];
        paging?: { cursors: { before: string; after: string }; next?: string; previous?: string };
      };
    }
  | { error: GraphErrorResponse } {
  const limit = query.limit === undefined ? 25 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    return { error: whatsAppError(100, { details: 'Param limit must be a positive integer.' }) };
  }
  const indexOfCursor = (cursor: string) => items.findIndex((item) => cursorOf(item.id) === cursor);
  let start = 0;
  let end = items.length;
  if (query.after !== undefined) start = indexOfCursor(query.after) + 1;
  if (query.before !== undefined) end = Math.max(0, indexOfCursor(query.before));
  const data =
    query.before !== undefined && query.after === undefined
      ? items.slice(Math.max(start, end - limit), end)
      : items.slice(start, Math.min(end, start + limit));
  const first = data[0];
  const last = data.at(-1);
  if (first === undefined || last === undefined) return { value: { data } };
  const firstIndex = items.indexOf(first);
  const lastIndex = items.indexOf(last);
  const cursors = { before: cursorOf(first.id), after: cursorOf(last.id) };
  return {
    value: {
      data,
      paging: {
        cursors,
        ...(lastIndex < items.length - 1 ? { next: pageUrl({ after: cursors.after }) } : {}),
        ...(firstIndex > 0 ? { previous: pageUrl({ before: cursors.before }) } : {}),
      },
    },
  };
}
