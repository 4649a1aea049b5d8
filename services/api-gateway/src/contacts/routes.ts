import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { AccountsRepository, type ContactRow, DirectoryListingsRepository } from '@wagate/db';
import { ApiError } from '../http/errors';
import { errors, json, jsonBody } from '../http/openapi';
import { PageInfo, PageQuery, QueryBoolean } from '../http/paging';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import { callWorker } from '../http/worker-calls';
import { recipientJid } from '../messages/recipients';
import { SessionParam } from '../messages/views';
import type { AccountLookup } from '../sessions/account-lookup';

const tags = ['Contacts'];
const workerErrors = errors(400, 401, 404, 409, 502, 503, 504);
const Ok = z.object({ success: z.literal(true) });

/** A contact in the path: a JID or a number (seed 002 rules). */
const ContactIdParam = z
  .string()
  .min(3)
  .max(128)
  .openapi({ param: { name: 'contact_id', in: 'path' }, example: '628123456789@s.whatsapp.net' });

export const ContactView = z
  .object({
    session_id: z.string(),
    id: z.string(),
    name: z.string().nullable(),
    notify: z.string().nullable().openapi({ description: 'The contact’s own push name' }),
    verified_name: z.string().nullable(),
    lid: z.string().nullable(),
    phone_number: z.string().nullable(),
  })
  .openapi('Contact');

export function contactView(row: ContactRow): z.infer<typeof ContactView> {
  return {
    session_id: row.accountId,
    id: row.id,
    name: row.name,
    notify: row.notify,
    verified_name: row.verifiedName,
    lid: row.lid,
    phone_number: row.phoneNumber,
  };
}

const ContactPage = z.object({ contacts: z.array(ContactView), ...PageInfo }).openapi('ContactPage');
const ContactQuery = z.object({ search: z.string().max(128).optional(), ...PageQuery });

const checkNumbers = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/contacts/check',
  tags,
  summary: 'Check numbers on WhatsApp',
  description:
    'Whether numbers have WhatsApp (seed 002 has-whatsapp, seed 003 check). Numbers follow the seed 002 rules.',
  request: {
    params: z.object({ id: SessionParam }),
    body: jsonBody(
      z
        .object({
          numbers: z.array(z.string().trim().min(3).max(128)).min(1).max(50),
          country: z.string().length(2).optional(),
        })
        .openapi('CheckNumbers'),
    ),
  },
  responses: {
    200: json(
      z.object({ results: z.array(z.object({ input: z.string(), jid: z.string(), exists: z.boolean() })) }),
      'One answer per number.',
    ),
    ...workerErrors,
  },
});

const listSessionContacts = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/contacts',
  tags,
  summary: 'Contacts of a session',
  request: { params: z.object({ id: SessionParam }), query: ContactQuery },
  responses: { 200: json(ContactPage, 'A page of contacts.'), ...errors(400, 401, 404) },
});

const listAllContacts = createRoute({
  method: 'get',
  path: '/api/v1/contacts',
  tags,
  summary: 'Contacts of every session',
  description: 'Contacts across every session the caller may see, paginated (seed 002).',
  request: { query: ContactQuery },
  responses: { 200: json(ContactPage, 'A page of contacts.'), ...errors(400, 401) },
});

const renameContact = createRoute({
  method: 'patch',
  path: '/api/v1/sessions/{id}/contacts/{contact_id}',
  tags,
  summary: 'Update a contact’s name',
  request: {
    params: z.object({ id: SessionParam, contact_id: ContactIdParam }),
    body: jsonBody(z.object({ name: z.string().trim().min(1).max(256) }).openapi('RenameContact')),
  },
  responses: { 200: json(ContactView, 'The contact.'), ...errors(400, 401, 404) },
});

const contactPicture = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/contacts/{contact_id}/picture',
  tags,
  summary: 'Profile picture of a contact or group',
  request: {
    params: z.object({ id: SessionParam, contact_id: ContactIdParam }),
    query: z.object({ high_resolution: QueryBoolean.optional() }),
  },
  responses: {
    200: json(z.object({ url: z.string().nullable() }), 'The picture URL (null without one).'),
    ...workerErrors,
  },
});

const blockContact = (action: 'block' | 'unblock') =>
  createRoute({
    method: 'post',
    path: `/api/v1/sessions/{id}/contacts/{contact_id}/${action}`,
    tags,
    summary: action === 'block' ? 'Block a contact' : 'Unblock a contact',
    request: { params: z.object({ id: SessionParam, contact_id: ContactIdParam }) },
    responses: { 200: json(Ok, 'Done.'), ...workerErrors },
  });

const blocklist = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/blocklist',
  tags,
  summary: 'Blocked contacts',
  request: { params: z.object({ id: SessionParam }) },
  responses: { 200: json(z.object({ jids: z.array(z.string()) }), 'Blocked JIDs.'), ...workerErrors },
});

const subscribePresence = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/contacts/{contact_id}/presence/subscribe',
  tags,
  summary: 'Subscribe to a contact’s presence',
  description: 'Later `presence.update` events report when the contact is online or typing.',
  request: { params: z.object({ id: SessionParam, contact_id: ContactIdParam }) },
  responses: { 200: json(Ok, 'Subscribed.'), ...workerErrors },
});

/**
 * Contact routes: number check, listings (per session and across sessions), rename, picture,
 * block/unblock, blocklist, presence subscription.
 *
 * @example
 * app.route('/', contactRoutes(deps, lookup));
 */
export function contactRoutes(deps: GatewayRouteDeps, lookup: AccountLookup) {
  const directory = new DirectoryListingsRepository(deps.db);
  const accounts = new AccountsRepository(deps.db, deps.topology.partitions);
  const app = new OpenAPIHono<GatewayEnv>();

  app.openapi(checkNumbers, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    const body = c.req.valid('json');
    const jids = body.numbers.map((number, index) => recipientJid(number, body.country, `numbers.${index}`));
    const { results } = await callWorker(deps, account.id, 'contacts.check', { jids: [...new Set(jids)] });
    const exists = new Map(results.map((result) => [result.jid, result.exists]));
    return c.json(
      {
        results: body.numbers.map((input, index) => ({
          input,
          jid: jids[index]!,
          exists: exists.get(jids[index]!) ?? false,
        })),
      },
      200,
    );
  });

  app.openapi(listSessionContacts, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id);
    const query = c.req.valid('query');
    const { rows, total } = await directory.contacts([account.id], query);
    return c.json({ contacts: rows.map(contactView), total, limit: query.limit, offset: query.offset }, 200);
  });

  app.openapi(listAllContacts, async (c) => {
    const principal = c.get('principal');
    const query = c.req.valid('query');
    const scoped = principal.kind === 'token' ? principal.sessionIds : null;
    const ids = scoped ?? (await accounts.list({ limit: 10_000 })).map((row) => row.id);
    const { rows, total } = await directory.contacts(ids, query);
    return c.json({ contacts: rows.map(contactView), total, limit: query.limit, offset: query.offset }, 200);
  });

  app.openapi(renameContact, async (c) => {
    const { id, contact_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id);
    const jid = recipientJid(contact_id, undefined, 'contact_id');
    const row = await directory.renameContact(account.id, jid, c.req.valid('json').name);
    if (!row) throw new ApiError('not_found', `contact "${jid}" is not among the session's contacts`);
    return c.json(contactView(row), 200);
  });

  app.openapi(contactPicture, async (c) => {
    const { id, contact_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id, 'web');
    const picture = await callWorker(deps, account.id, 'contacts.picture', {
      jid: recipientJid(contact_id, undefined, 'contact_id'),
      highResolution: c.req.valid('query').high_resolution ?? false,
    });
    return c.json({ url: picture.url }, 200);
  });

  for (const action of ['block', 'unblock'] as const) {
    app.openapi(blockContact(action), async (c) => {
      const { id, contact_id } = c.req.valid('param');
      const account = await lookup.require(c.get('principal'), id, 'web');
      await callWorker(deps, account.id, 'contacts.block', {
        jid: recipientJid(contact_id, undefined, 'contact_id'),
        block: action === 'block',
      });
      return c.json({ success: true as const }, 200);
    });
  }

  app.openapi(blocklist, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    return c.json(await callWorker(deps, account.id, 'contacts.blocklist', {}), 200);
  });

  app.openapi(subscribePresence, async (c) => {
    const { id, contact_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id, 'web');
    await callWorker(deps, account.id, 'presence.subscribe', {
      jid: recipientJid(contact_id, undefined, 'contact_id'),
    });
    return c.json({ success: true as const }, 200);
  });

  return app;
}
