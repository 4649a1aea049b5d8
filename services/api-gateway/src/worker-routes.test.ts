import { chats, contacts } from '@wagate/db';
import { describe, expect, test } from '@wagate/testing';
import { gatewayUnderTest, serveWorkerRpc, storedCommand } from './testing/gateway-under-test';

const GROUP = {
  id: '120363025246125486@g.us',
  subject: 'Team',
  description: 'Topic',
  owner: '628123456789@s.whatsapp.net',
  createdAt: 1_767_000_000,
  announce: false,
  locked: false,
  participants: [{ id: '628123456789@s.whatsapp.net', role: 'superadmin' as const }],
  size: 1,
};

/** Catalog-shaped answers of a logged-in session, recording what the gateway asked. */
function workerAnswers(asked: Array<{ op: string; payload: unknown }>) {
  const record =
    // biome-ignore lint/suspicious/noExplicitAny: each answer reads the fields of its op's catalog request
      (op: string, answer: (payload: any) => unknown) =>
      async ({ payload }: { payload: unknown }) => {
        asked.push({ op, payload });
        return answer(payload);
      };
  return {
    'contacts.check': record('contacts.check', (payload) => ({
      results: payload.jids.map((jid: string) => ({ jid, exists: jid.startsWith('628') })),
    })),
    'contacts.picture': record('contacts.picture', () => ({ url: 'https://pps.whatsapp.net/picture.jpg' })),
    'contacts.block': record('contacts.block', () => ({ ok: true })),
    'contacts.blocklist': record('contacts.blocklist', () => ({ jids: ['628000000001@s.whatsapp.net'] })),
    'presence.subscribe': record('presence.subscribe', () => ({ ok: true })),
    'groups.list': record('groups.list', () => ({ groups: [GROUP], fetchedAt: '2026-01-01T00:00:00.000Z' })),
    'groups.get': record('groups.get', () => GROUP),
    'groups.create': record('groups.create', (payload) => ({ ...GROUP, subject: payload.subject })),
    'groups.update': record('groups.update', (payload) => ({ ...GROUP, ...payload, id: GROUP.id })),
    'groups.leave': record('groups.leave', () => ({ ok: true })),
    'groups.participants': record('groups.participants', (payload) => ({
      results: payload.participants.map((jid: string) => ({ jid, status: 200 })),
    })),
    'groups.invite': record('groups.invite', (payload) => ({
      code: payload.reset ? 'NEWCODE123' : 'CODE123456',
      link: `https://chat.whatsapp.com/${payload.reset ? 'NEWCODE123' : 'CODE123456'}`,
    })),
    'groups.join': record('groups.join', () => ({ groupId: GROUP.id })),
    'groups.requests': record('groups.requests', () => ({
      requests: [{ jid: '628000000002@s.whatsapp.net', requestedAt: 1_767_000_001 }],
    })),
    'groups.requests.update': record('groups.requests.update', (payload) => ({
      results: payload.participants.map((jid: string) => ({ jid, status: 200 })),
    })),
    'chats.modify': record('chats.modify', () => ({ ok: true })),
    'profile.get': record('profile.get', () => ({ name: 'John Doe', about: 'Hey there', pictureUrl: null })),
    'profile.update': record('profile.update', () => ({ ok: true })),
    'privacy.get': record('privacy.get', () => ({
      last: 'contacts',
      status: 'contacts',
      readreceipts: 'all',
    })),
    'privacy.update': record('privacy.update', () => ({ ok: true })),
    'session.qr': record('session.qr', () => ({
      qrCodes: ['2@QR'],
      timeoutSeconds: 60,
      status: 'waiting_for_qr',
    })),
    'session.pair': record('session.pair', () => ({ code: 'ABCD-EFGH', timeoutSeconds: 60 })),
    'session.disconnect': record('session.disconnect', () => ({
      status: 'disconnected',
      phoneNumber: null,
      pushName: null,
      isLoggedIn: false,
    })),
    'session.stop': record('session.stop', () => ({ ok: true })),
  };
}

describe('routes answered by the session worker (catalog stand-in on real NATS)', () => {
  test('contacts, groups, chats, profile, privacy: requests follow the RPC catalog, answers map to the API', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    const asked: Array<{ op: string; payload: unknown }> = [];
    const stop = await serveWorkerRpc(await nats.connect('worker'), workerAnswers(asked));
    const lastAsked = () => asked.at(-1);
    try {
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'demo' } });
      const base = '/api/v1/sessions/demo';
      const check = await gateway.call('POST', `${base}/contacts/check`, {
        body: { numbers: ['+62 812-3456-789', '0812 000 111', '15550001111'], country: 'ID' },
      });
      expect(check.status).toBe(400);
      const checked = await gateway.call('POST', `${base}/contacts/check`, {
        body: { numbers: ['+62 812-3456-789', '15550001111@s.whatsapp.net'] },
      });
      expect(checked.body.results).toEqual([
        { input: '+62 812-3456-789', jid: '628123456789@s.whatsapp.net', exists: true },
        { input: '15550001111@s.whatsapp.net', jid: '15550001111@s.whatsapp.net', exists: false },
      ]);
      expect(
        (await gateway.call('GET', `${base}/contacts/628123456789/picture?high_resolution=true`)).body,
      ).toEqual({ url: 'https://pps.whatsapp.net/picture.jpg' });
      expect(lastAsked()).toEqual({
        op: 'contacts.picture',
        payload: { jid: '628123456789@s.whatsapp.net', highResolution: true },
      });
      expect((await gateway.call('POST', `${base}/contacts/628123456789/block`)).status).toBe(200);
      expect(lastAsked()).toEqual({
        op: 'contacts.block',
        payload: { jid: '628123456789@s.whatsapp.net', block: true },
      });
      await gateway.call('POST', `${base}/contacts/628123456789/unblock`);
      expect(lastAsked()).toMatchObject({ payload: { block: false } });
      expect((await gateway.call('GET', `${base}/blocklist`)).body).toEqual({
        jids: ['628000000001@s.whatsapp.net'],
      });
      expect((await gateway.call('POST', `${base}/contacts/628123456789/presence/subscribe`)).status).toBe(
        200,
      );

      await database.db.insert(contacts).values([
        { accountId: 'demo', id: '628123456789@s.whatsapp.net', notify: 'John' },
        { accountId: 'demo', id: '628000000009@s.whatsapp.net', name: 'Jane' },
      ]);
      expect((await gateway.call('GET', `${base}/contacts?search=jane`)).body).toMatchObject({
        total: 1,
        contacts: [{ name: 'Jane' }],
      });
      expect((await gateway.call('GET', '/api/v1/contacts?limit=1')).body).toMatchObject({
        total: 2,
        limit: 1,
      });
      expect(
        (await gateway.call('PATCH', `${base}/contacts/628123456789`, { body: { name: 'Johnny' } })).body,
      ).toMatchObject({ name: 'Johnny', notify: 'John' });
      expect(
        (await gateway.call('PATCH', `${base}/contacts/628777777777`, { body: { name: 'X' } })).status,
      ).toBe(404);

      expect((await gateway.call('GET', `${base}/groups`)).body).toMatchObject({
        total: 1,
        groups: [{ id: GROUP.id, subject: 'Team', participants: [{ role: 'superadmin' }] }],
      });
      const created = await gateway.call('POST', `${base}/groups`, {
        body: { subject: 'New', participants: ['628123456789'] },
      });
      expect(created).toMatchObject({ status: 201, body: { subject: 'New' } });
      expect(lastAsked()).toEqual({
        op: 'groups.create',
        payload: { subject: 'New', participants: ['628123456789@s.whatsapp.net'] },
      });
      expect(
        (
          await gateway.call('POST', `${base}/groups/join`, {
            body: { code: 'https://chat.whatsapp.com/CODE123456' },
          })
        ).body,
      ).toEqual({ group_id: GROUP.id });
      expect(lastAsked()).toEqual({ op: 'groups.join', payload: { code: 'CODE123456' } });
      expect(
        (await gateway.call('GET', `${base}/groups/120363025246125486?refresh=true`)).body,
      ).toMatchObject({ id: GROUP.id });
      expect(lastAsked()).toEqual({ op: 'groups.get', payload: { groupId: GROUP.id, refresh: true } });
      expect(
        (
          await gateway.call('PATCH', `${base}/groups/${GROUP.id}`, {
            body: { announce: true, locked: true },
          })
        ).body,
      ).toMatchObject({ announce: true, locked: true });
      expect((await gateway.call('PATCH', `${base}/groups/${GROUP.id}`, { body: {} })).status).toBe(400);
      const promoted = await gateway.call('POST', `${base}/groups/${GROUP.id}/participants`, {
        body: { action: 'promote', participants: ['628123456789'] },
      });
      expect(promoted.body).toEqual({ results: [{ jid: '628123456789@s.whatsapp.net', status: 200 }] });
      expect((await gateway.call('GET', `${base}/groups/${GROUP.id}/invite`)).body).toEqual({
        code: 'CODE123456',
        link: 'https://chat.whatsapp.com/CODE123456',
      });
      expect((await gateway.call('POST', `${base}/groups/${GROUP.id}/invite/reset`)).body.code).toBe(
        'NEWCODE123',
      );
      expect((await gateway.call('GET', `${base}/groups/${GROUP.id}/requests`)).body).toEqual({
        requests: [{ jid: '628000000002@s.whatsapp.net', requested_at: 1_767_000_001 }],
      });
      expect(
        (
          await gateway.call('POST', `${base}/groups/${GROUP.id}/requests`, {
            body: { action: 'approve', participants: ['628000000002'] },
          })
        ).status,
      ).toBe(200);
      expect((await gateway.call('DELETE', `${base}/groups/${GROUP.id}`)).body).toEqual({ success: true });
      expect((await gateway.call('GET', `${base}/groups/not-a-group!`)).status).toBe(400);

      await database.db.insert(chats).values([
        { accountId: 'demo', id: GROUP.id, type: 'group', name: 'Team', pinned: true, lastMessageAt: 10 },
        {
          accountId: 'demo',
          id: '628123456789@s.whatsapp.net',
          type: 'contact',
          archived: true,
          lastMessageAt: 20,
        },
      ]);
      expect(
        (await gateway.call('GET', `${base}/chats`)).body.chats.map((chat: { id: string }) => chat.id),
      ).toEqual([GROUP.id, '628123456789@s.whatsapp.net']);
      expect((await gateway.call('GET', `${base}/chats?archived=true`)).body.total).toBe(1);
      for (const [action, asOp] of [
        ['archive', 'archive'],
        ['pin', 'pin'],
        ['read', 'mark_read'],
        ['clear', 'clear'],
      ] as const) {
        expect((await gateway.call('POST', `${base}/chats/${GROUP.id}/${action}`)).status).toBe(200);
        expect(lastAsked()).toEqual({ op: 'chats.modify', payload: { chatId: GROUP.id, action: asOp } });
      }
      await gateway.call('POST', `${base}/chats/628123456789/mute`, { body: { until: 1_900_000_000 } });
      expect(lastAsked()).toEqual({
        op: 'chats.modify',
        payload: { chatId: '628123456789@s.whatsapp.net', action: 'mute', muteUntil: 1_900_000_000 },
      });
      expect((await gateway.call('POST', `${base}/chats/628123456789/explode`)).status).toBe(400);
      expect((await gateway.call('DELETE', `${base}/chats/628123456789`)).status).toBe(200);

      expect((await gateway.call('GET', `${base}/profile`)).body).toEqual({
        name: 'John Doe',
        about: 'Hey there',
        picture_url: null,
      });
      expect((await gateway.call('PATCH', `${base}/profile`, { body: { about: 'Busy' } })).status).toBe(200);
      expect(
        (await gateway.call('PATCH', `${base}/profile`, { body: { name: 'x'.repeat(26) } })).status,
      ).toBe(400);
      expect((await gateway.call('GET', `${base}/privacy`)).body).toEqual({
        settings: { last: 'contacts', status: 'contacts', readreceipts: 'all' },
      });
      expect(
        (await gateway.call('PATCH', `${base}/privacy`, { body: { setting: 'last', value: 'none' } })).status,
      ).toBe(200);
      expect(
        (await gateway.call('PATCH', `${base}/privacy`, { body: { setting: 'shoe size', value: 'none' } }))
          .status,
      ).toBe(400);

      const resources = await gateway.call('GET', '/api/v1/health/resources');
      expect(resources.body).toMatchObject({
        sessions: { total: 1 },
        queues: { commands: { pending: expect.any(Number) } },
        cpu: { cores: expect.any(Number) },
      });
      expect((await gateway.call('GET', '/api/v1/health/resources', { auth: null })).status).toBe(401);
    } finally {
      stop();
      gateway.close();
    }
  });

  test('seed 002 phones: add, connect by QR or pairing code, send, typing, has-whatsapp, history, groups, contacts, delete', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    const asked: Array<{ op: string; payload: unknown }> = [];
    const stop = await serveWorkerRpc(await nats.connect('worker'), workerAnswers(asked));
    try {
      const added = await gateway.call('POST', '/api/v1/user/phones', {
        body: { phone: '0812-3456-789', country: 'ID' },
      });
      expect(added).toMatchObject({
        status: 201,
        body: { data: { phone: '628123456789', session_id: '628123456789' } },
      });
      expect((await gateway.call('GET', '/api/v1/user/phones')).body.data).toHaveLength(1);
      const phone = '/api/v1/user/phones/+628123456789';
      expect((await gateway.call('POST', `${phone}/connect`)).body.data).toMatchObject({
        qr: '2@QR',
        pairing_code: null,
      });
      expect(
        (await gateway.call('POST', `${phone}/connect`, { body: { pairingCodeMode: true } })).body.data,
      ).toMatchObject({ pairing_code: 'ABCD-EFGH' });
      const sent = await gateway.call('POST', `${phone}/message`, {
        body: { recipient: '08123456780', country: 'ID', message: 'hi' },
      });
      expect(sent).toMatchObject({
        status: 202,
        body: { success: true, data: { to: '628123456780@s.whatsapp.net', status: 'pending' } },
      });
      const media = await gateway.call('POST', `${phone}/message`, {
        body: { jid: '120363025246125486@g.us', message: 'look', mediaLink: 'https://example.com/cat.jpg' },
      });
      expect(media.status).toBe(202);
      expect(await storedCommand(gateway.bus, '628123456789', 'message.send')).toMatchObject({
        payload: {
          to: '120363025246125486@g.us',
          content: { type: 'image', media: { url: 'https://example.com/cat.jpg' }, caption: 'look' },
        },
      });
      expect(
        (await gateway.call('POST', `${phone}/message`, { body: { recipient: '123', message: 'x' } })).status,
      ).toBe(400);
      expect(
        (
          await gateway.call('POST', `${phone}/typing`, {
            body: { recipient: '628123456780', isTyping: true },
          })
        ).status,
      ).toBe(202);
      expect(await storedCommand(gateway.bus, '628123456789', 'presence.send')).toMatchObject({
        payload: { presence: 'composing' },
      });
      expect(
        (await gateway.call('POST', `${phone}/has-whatsapp`, { body: { recipient: '+62 812-3456-780' } }))
          .body,
      ).toEqual({
        success: true,
        data: { exists: true, jid: '628123456780@s.whatsapp.net' },
      });
      expect((await gateway.call('GET', `${phone}/messages?page=1&limit=10`)).body.data).toMatchObject({
        page: 1,
        limit: 10,
        total: 0,
      });
      expect((await gateway.call('GET', `${phone}/groups`)).body.data).toHaveLength(1);
      expect((await gateway.call('GET', `${phone}/groups/120363025246125486`)).body.data.id).toBe(GROUP.id);
      expect((await gateway.call('GET', '/api/v1/user/contacts')).body).toEqual({ success: true, data: [] });
      expect(
        (await gateway.call('GET', '/api/v1/user/contacts/pagination?page=2&limit=5')).body.data,
      ).toMatchObject({ page: 2, limit: 5 });
      expect((await gateway.call('GET', '/api/v1/user/contacts/628123456789')).body.data).toEqual([]);
      expect((await gateway.call('POST', `${phone}/disconnect`)).body.data).toEqual({
        status: 'disconnected',
      });
      expect((await gateway.call('DELETE', phone)).status).toBe(200);
      expect((await gateway.call('GET', '/api/v1/user/phones')).body.data).toEqual([]);
    } finally {
      stop();
      gateway.close();
    }
  });
});
