import type { Context } from 'hono';
import { type GraphEnv, graphError, metaJson } from '../graph-http';
import type { BusinessRecord, MetaAccounts, PhoneNumberRecord } from './accounts';
import {
  cursorPage,
  PHONE_NUMBER_DEFAULT_FIELDS,
  PHONE_NUMBER_LIST_DEFAULT_FIELDS,
  phoneNumberFields,
  selectFields,
  TEMPLATE_DEFAULT_FIELDS,
  templateFields,
} from './graph-nodes';

/**
 * `GET /{version}/{phone-number-id}` with optional `fields=` (quality_rating, verified_name,
 * display_phone_number, messaging_limit_tier, whatsapp_business_manager_messaging_limit, …).
 *
 * @example
 * return phoneNumberNode(c, phoneNumber);
 */
export function phoneNumberNode(c: Context<GraphEnv>, phoneNumber: PhoneNumberRecord): Response {
  c.set('operation', 'get_phone_number');
  const selected = selectFields(
    phoneNumberFields(phoneNumber),
    c.req.query('fields'),
    PHONE_NUMBER_DEFAULT_FIELDS,
    'WhatsAppBusinessPhoneNumber',
  );
  return 'error' in selected ? graphError(c, selected.error) : metaJson(c, 200, selected.value);
}

/** The same edge with the cursor query replaced, for `paging.next` / `paging.previous`. */
function pageUrlOf(c: Context<GraphEnv>) {
  return (cursor: { after: string } | { before: string }): string => {
    const url = new URL(c.req.url);
    url.searchParams.delete('after');
    url.searchParams.delete('before');
    for (const [name, value] of Object.entries(cursor)) url.searchParams.set(name, value);
    return url.toString();
  };
}

function pageQueryOf(c: Context<GraphEnv>) {
  return { limit: c.req.query('limit'), after: c.req.query('after'), before: c.req.query('before') };
}

/**
 * `GET /{version}/{waba-id}/phone_numbers` with `fields=` and cursor paging.
 *
 * @example
 * return listPhoneNumbers(c, accounts, business);
 */
export function listPhoneNumbers(
  c: Context<GraphEnv>,
  accounts: MetaAccounts,
  business: BusinessRecord,
): Response {
  c.set('operation', 'list_phone_numbers');
  const projected = [];
  for (const phoneNumberId of business.phoneNumberIds) {
    const selected = selectFields(
      phoneNumberFields(accounts.phoneNumber(phoneNumberId)),
      c.req.query('fields'),
      PHONE_NUMBER_LIST_DEFAULT_FIELDS,
      'WhatsAppBusinessPhoneNumber',
    );
    if ('error' in selected) return graphError(c, selected.error);
    projected.push({ ...selected.value, id: phoneNumberId });
  }
  const page = cursorPage(projected, pageQueryOf(c), pageUrlOf(c));
  return 'error' in page ? graphError(c, page.error) : metaJson(c, 200, page.value);
}

/**
 * `GET /{version}/{waba-id}/message_templates` with `fields=`, the `name` (partial), `status`,
 * `category` and `language` filters, and cursor paging.
 *
 * @example
 * return listTemplates(c, business);
 */
export function listTemplates(c: Context<GraphEnv>, business: BusinessRecord): Response {
  c.set('operation', 'list_templates');
  const name = c.req.query('name');
  const status = c.req.query('status')?.toUpperCase();
  const category = c.req.query('category')?.toUpperCase();
  const language = c.req.query('language');
  const projected = [];
  for (const template of business.templates) {
    if (name !== undefined && !template.name.includes(name)) continue;
    if (status !== undefined && template.status !== status) continue;
    if (category !== undefined && template.category !== category) continue;
    if (language !== undefined && template.language !== language) continue;
    const selected = selectFields(
      templateFields(template),
      c.req.query('fields'),
      TEMPLATE_DEFAULT_FIELDS,
      'WhatsAppBusinessHSM',
    );
    if ('error' in selected) return graphError(c, selected.error);
    projected.push({ ...selected.value, id: template.id });
  }
  const page = cursorPage(projected, pageQueryOf(c), pageUrlOf(c));
  return 'error' in page ? graphError(c, page.error) : metaJson(c, 200, page.value);
}
