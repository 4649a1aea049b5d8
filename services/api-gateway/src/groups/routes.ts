import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { type GroupInfo, MediaSource } from '@wagate/contracts';
import { ApiError } from '../http/errors';
import { errors, json, jsonBody } from '../http/openapi';
import { QueryBoolean } from '../http/paging';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import { callWorker } from '../http/worker-calls';
import { recipientJid } from '../messages/recipients';
import { SessionParam } from '../messages/views';
import type { AccountLookup } from '../sessions/account-lookup';

const tags = ['Groups'];
const workerErrors = errors(400, 401, 404, 409, 502, 503, 504);
const Ok = z.object({ success: z.literal(true) });

const GroupIdParam = z
  .string()
  .regex(/^[0-9-]{5,64}(@g\.us)?$/, 'must be a group id like 120363025246125486@g.us')
  .openapi({ param: { name: 'group_id', in: 'path' }, example: '120363025246125486@g.us' });

const GroupView = z
  .object({
    id: z.string(),
    subject: z.string(),
    description: z.string().nullable(),
    owner: z.string().nullable(),
    created_at: z.number().int().nullable().openapi({ description: 'Unix seconds' }),
    announce: z.boolean().openapi({ description: 'Only admins can send' }),
    locked: z.boolean().openapi({ description: 'Only admins can edit group info' }),
    participants: z.array(z.object({ id: z.string(), role: z.enum(['member', 'admin', 'superadmin']) })),
    size: z.number().int().nullable(),
  })
  .openapi('Group');

function groupView(group: GroupInfo): z.infer<typeof GroupView> {
  return {
    id: group.id,
    subject: group.subject,
    description: group.description ?? null,
    owner: group.owner ?? null,
    created_at: group.createdAt ?? null,
    announce: group.announce ?? false,
    locked: group.locked ?? false,
    participants: group.participants ?? [],
    size: group.size ?? group.participants?.length ?? null,
  };
}

const groupJid = (id: string) => (id.endsWith('@g.us') ? id : `${id}@g.us`);
const Participants = z.array(z.string().trim().min(3).max(128)).min(1).max(1024);
const ParticipantResults = z.object({
  results: z.array(z.object({ jid: z.string(), status: z.number().int() })),
});

const groupPath = '/api/v1/sessions/{id}/groups/{group_id}';
const groupParams = z.object({ id: SessionParam, group_id: GroupIdParam });

const listGroups = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/groups',
  tags,
  summary: 'List groups',
  description: 'Groups the session belongs to, cached for 4 minutes unless `refresh=true` (seed 002).',
  request: { params: z.object({ id: SessionParam }), query: z.object({ refresh: QueryBoolean.optional() }) },
  responses: {
    200: json(
      z.object({ groups: z.array(GroupView), total: z.number().int(), fetched_at: z.string() }),
      'The groups.',
    ),
    ...workerErrors,
  },
});

const createGroup = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/groups',
  tags,
  summary: 'Create a group',
  request: {
    params: z.object({ id: SessionParam }),
    body: jsonBody(
      z
        .object({
          subject: z.string().trim().min(1).max(100),
          participants: z.array(z.string().trim().min(3).max(128)).max(1024).default([]),
        })
        .openapi('CreateGroup'),
    ),
  },
  responses: { 201: json(GroupView, 'The new group.'), ...workerErrors },
});

const joinGroup = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/groups/join',
  tags,
  summary: 'Join a group by invite code',
  request: {
    params: z.object({ id: SessionParam }),
    body: jsonBody(
      z
        .object({
          code: z
            .string()
            .trim()
            .min(1)
            .max(128)
            .openapi({ description: 'The code, or the whole chat.whatsapp.com link' }),
        })
        .openapi('JoinGroup'),
    ),
  },
  responses: { 200: json(z.object({ group_id: z.string() }), 'Joined.'), ...workerErrors },
});

const getGroup = createRoute({
  method: 'get',
  path: groupPath,
  tags,
  summary: 'Group info',
  request: { params: groupParams, query: z.object({ refresh: QueryBoolean.optional() }) },
  responses: { 200: json(GroupView, 'The group.'), ...workerErrors },
});

const updateGroup = createRoute({
  method: 'patch',
  path: groupPath,
  tags,
  summary: 'Update a group',
  description:
    'Name (subject), topic (description), announce (only admins send), locked (only admins edit info), picture.',
  request: {
    params: groupParams,
    body: jsonBody(
      z
        .object({
          subject: z.string().trim().min(1).max(100).optional(),
          description: z.string().max(2048).optional(),
          announce: z.boolean().optional(),
          locked: z.boolean().optional(),
          picture: MediaSource.optional(),
        })
        .openapi('UpdateGroup'),
    ),
  },
  responses: { 200: json(GroupView, 'The group.'), ...workerErrors },
});

const leaveGroup = createRoute({
  method: 'delete',
  path: groupPath,
  tags,
  summary: 'Leave a group',
  request: { params: groupParams },
  responses: { 200: json(Ok, 'Left.'), ...workerErrors },
});

const changeParticipants = createRoute({
  method: 'post',
  path: `${groupPath}/participants`,
  tags,
  summary: 'Add, remove, promote or demote members',
  request: {
    params: groupParams,
    body: jsonBody(
      z
        .object({ action: z.enum(['add', 'remove', 'promote', 'demote']), participants: Participants })
        .openapi('GroupParticipants'),
    ),
  },
  responses: {
    200: json(ParticipantResults, 'One result per member (200 or WhatsApp’s error code).'),
    ...workerErrors,
  },
});

const inviteLink = createRoute({
  method: 'get',
  path: `${groupPath}/invite`,
  tags,
  summary: 'Invite link',
  request: { params: groupParams },
  responses: {
    200: json(z.object({ code: z.string(), link: z.string() }), 'The invite link.'),
    ...workerErrors,
  },
});

const resetInvite = createRoute({
  method: 'post',
  path: `${groupPath}/invite/reset`,
  tags,
  summary: 'Reset the invite link',
  request: { params: groupParams },
  responses: {
    200: json(z.object({ code: z.string(), link: z.string() }), 'The new invite link.'),
    ...workerErrors,
  },
});

const joinRequests = createRoute({
  method: 'get',
  path: `${groupPath}/requests`,
  tags,
  summary: 'Pending join requests',
  request: { params: groupParams },
  responses: {
    200: json(
      z.object({
        requests: z.array(z.object({ jid: z.string(), requested_at: z.number().int().nullable() })),
      }),
      'The requests.',
    ),
    ...workerErrors,
  },
});

const answerRequests = createRoute({
  method: 'post',
  path: `${groupPath}/requests`,
  tags,
  summary: 'Approve or reject join requests',
  request: {
    params: groupParams,
    body: jsonBody(
      z
        .object({ action: z.enum(['approve', 'reject']), participants: Participants })
        .openapi('GroupRequests'),
    ),
  },
  responses: { 200: json(ParticipantResults, 'One result per requester.'), ...workerErrors },
});

/**
 * Group routes: list (cached), create, join, info, update (name, topic, announce, lock, picture),
 * leave, members, invite link and reset, join requests. Pin, unpin and clear are chat actions.
 *
 * @example
 * app.route('/', groupRoutes(deps, lookup));
 */
export function groupRoutes(deps: GatewayRouteDeps, lookup: AccountLookup) {
  const app = new OpenAPIHono<GatewayEnv>();
  const jids = (values: string[]) =>
    values.map((value, index) => recipientJid(value, undefined, `participants.${index}`));

  app.openapi(listGroups, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    const listed = await callWorker(deps, account.id, 'groups.list', {
      refresh: c.req.valid('query').refresh ?? false,
    });
    return c.json(
      { groups: listed.groups.map(groupView), total: listed.groups.length, fetched_at: listed.fetchedAt },
      200,
    );
  });

  app.openapi(createGroup, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    const body = c.req.valid('json');
    const group = await callWorker(deps, account.id, 'groups.create', {
      subject: body.subject,
      participants: jids(body.participants),
    });
    return c.json(groupView(group), 201);
  });

  app.openapi(joinGroup, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    const code = c.req.valid('json').code.replace(/^https?:\/\/chat\.whatsapp\.com\//, '');
    if (!/^[A-Za-z0-9]{6,64}$/.test(code))
      throw new ApiError('invalid_request', 'the invite code is not valid');
    const joined = await callWorker(deps, account.id, 'groups.join', { code });
    return c.json({ group_id: joined.groupId }, 200);
  });

  app.openapi(getGroup, async (c) => {
    const { id, group_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id, 'web');
    const group = await callWorker(deps, account.id, 'groups.get', {
      groupId: groupJid(group_id),
      refresh: c.req.valid('query').refresh ?? false,
    });
    return c.json(groupView(group), 200);
  });

  app.openapi(updateGroup, async (c) => {
    const { id, group_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id, 'web');
    const body = c.req.valid('json');
    if (Object.values(body).every((value) => value === undefined)) {
      throw new ApiError(
        'invalid_request',
        'give at least one of subject, description, announce, locked, picture',
      );
    }
    const group = await callWorker(deps, account.id, 'groups.update', {
      groupId: groupJid(group_id),
      ...body,
    });
    return c.json(groupView(group), 200);
  });

  app.openapi(leaveGroup, async (c) => {
    const { id, group_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id, 'web');
    await callWorker(deps, account.id, 'groups.leave', { groupId: groupJid(group_id) });
    return c.json({ success: true as const }, 200);
  });

  app.openapi(changeParticipants, async (c) => {
    const { id, group_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id, 'web');
    const body = c.req.valid('json');
    const results = await callWorker(deps, account.id, 'groups.participants', {
      groupId: groupJid(group_id),
      action: body.action,
      participants: jids(body.participants),
    });
    return c.json(results, 200);
  });

  for (const [route, reset] of [
    [inviteLink, false],
    [resetInvite, true],
  ] as const) {
    app.openapi(route, async (c) => {
      const { id, group_id } = c.req.valid('param');
      const account = await lookup.require(c.get('principal'), id, 'web');
      return c.json(
        await callWorker(deps, account.id, 'groups.invite', { groupId: groupJid(group_id), reset }),
        200,
      );
    });
  }

  app.openapi(joinRequests, async (c) => {
    const { id, group_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id, 'web');
    const { requests } = await callWorker(deps, account.id, 'groups.requests', {
      groupId: groupJid(group_id),
    });
    return c.json(
      { requests: requests.map((request) => ({ jid: request.jid, requested_at: request.requestedAt })) },
      200,
    );
  });

  app.openapi(answerRequests, async (c) => {
    const { id, group_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id, 'web');
    const body = c.req.valid('json');
    const results = await callWorker(deps, account.id, 'groups.requests.update', {
      groupId: groupJid(group_id),
      action: body.action,
      participants: jids(body.participants),
    });
    return c.json(results, 200);
  });

  return app;
}
