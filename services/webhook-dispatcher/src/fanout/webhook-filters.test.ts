import { createEvent, type EventData, type EventEnvelope, type EventType } from '@wagate/contracts';
import { describe, expect, it } from 'vitest';
import { selectsEvent } from './event-selection';
import { matchesFilters, orderingKeyOf } from './webhook-filters';

const ME = { users: ['628111111111', '99887766'] };
const GROUP = '120363025246125486@g.us';
const ALICE = '628222222222@s.whatsapp.net';

function event<T extends EventType>(type: T, data: EventData<T>): EventEnvelope {
  return createEvent(type, 'demo', data, { source: 'test' });
}

function message(overrides: Partial<EventData<'message.received'>> = {}): EventEnvelope {
  return event('message.received', {
    id: 'M1',
    chatId: ALICE,
    chatType: 'contact',
    sender: ALICE,
    fromMe: false,
    timestamp: 1_700_000_000,
    content: { type: 'text', text: 'hi' },
    mentions: [],
    ...overrides,
  });
}

const groupMessage = message({ chatId: GROUP, chatType: 'group', sender: ALICE });
const sessionStatus = event('session.status', { status: 'connecting' });

describe('seed 003 webhook filters', () => {
  it('no filters pass everything', () => {
    expect(matchesFilters({}, message(), ME)).toBe(true);
    expect(matchesFilters({}, sessionStatus, ME)).toBe(true);
  });

  it('chat_ids pass events of those chats only, whatever the device part or c.us spelling', () => {
    const filters = { chatIds: ['628222222222@c.us'] };
    expect(matchesFilters(filters, message(), ME)).toBe(true);
    expect(matchesFilters(filters, message({ chatId: '628222222222:7@s.whatsapp.net' }), ME)).toBe(true);
    expect(matchesFilters(filters, groupMessage, ME)).toBe(false);
    expect(matchesFilters(filters, sessionStatus, ME)).toBe(false);
    expect(matchesFilters({ chatIds: [GROUP] }, event('group.update', { id: GROUP, changes: {} }), ME)).toBe(
      true,
    );
  });

  it('chat_types pass events of chats of those types only', () => {
    expect(matchesFilters({ chatTypes: ['group'] }, groupMessage, ME)).toBe(true);
    expect(matchesFilters({ chatTypes: ['group'] }, message(), ME)).toBe(false);
    expect(matchesFilters({ chatTypes: ['contact'] }, message(), ME)).toBe(true);
    const channel = message({ chatId: '1203631@newsletter', chatType: 'channel' });
    expect(matchesFilters({ chatTypes: ['channel'] }, channel, ME)).toBe(true);
    expect(matchesFilters({ chatTypes: ['broadcast'] }, channel, ME)).toBe(false);
    const broadcast = message({ chatId: 'status@broadcast', chatType: 'broadcast' });
    expect(matchesFilters({ chatTypes: ['broadcast'] }, broadcast, ME)).toBe(true);
    expect(matchesFilters({ chatTypes: ['group'] }, sessionStatus, ME)).toBe(false);
  });

  it('mentions pass messages that mention those users, and "me" the session itself', () => {
    const mentionsMe = message({
      chatId: GROUP,
      chatType: 'group',
      mentions: ['628111111111@s.whatsapp.net'],
    });
    const mentionsMyLid = message({ chatId: GROUP, chatType: 'group', mentions: ['99887766@lid'] });
    const mentionsAlice = message({ chatId: GROUP, chatType: 'group', mentions: [ALICE] });
    expect(matchesFilters({ mentions: ['me'] }, mentionsMe, ME)).toBe(true);
    expect(matchesFilters({ mentions: ['me'] }, mentionsMyLid, ME)).toBe(true);
    expect(matchesFilters({ mentions: ['me'] }, mentionsAlice, ME)).toBe(false);
    expect(matchesFilters({ mentions: ['me'] }, groupMessage, ME)).toBe(false);
    expect(matchesFilters({ mentions: [ALICE] }, mentionsAlice, ME)).toBe(true);
    expect(matchesFilters({ mentions: ['628222222222'] }, mentionsAlice, ME)).toBe(true);
    expect(matchesFilters({ mentions: [ALICE] }, mentionsMe, ME)).toBe(false);
    expect(matchesFilters({ mentions: ['me'] }, sessionStatus, ME)).toBe(false);
    expect(matchesFilters({ mentions: ['me'] }, mentionsMe, { users: [] })).toBe(false);
  });

  it('message_types pass messages with content of those types only', () => {
    const image = message({ content: { type: 'image', media: { mimeType: 'image/jpeg' } } });
    expect(matchesFilters({ messageTypes: ['image'] }, image, ME)).toBe(true);
    expect(matchesFilters({ messageTypes: ['image'] }, message(), ME)).toBe(false);
    expect(matchesFilters({ messageTypes: ['text', 'image'] }, message(), ME)).toBe(true);
    const ack = event('message.ack', { id: 'M1', chatId: ALICE, status: 'read', timestamp: 1 });
    expect(matchesFilters({ messageTypes: ['text'] }, ack, ME)).toBe(false);
  });

  it('combined filters must all hold (chat types with chat ids, chat types with message types)', () => {
    const filters = { chatTypes: ['group' as const], messageTypes: ['text'] };
    expect(matchesFilters(filters, groupMessage, ME)).toBe(true);
    expect(matchesFilters(filters, message(), ME)).toBe(false);
    expect(
      matchesFilters(
        filters,
        { ...groupMessage, data: { ...(groupMessage.data as object), content: { type: 'poll' } } },
        ME,
      ),
    ).toBe(false);
    expect(matchesFilters({ chatTypes: ['group'], chatIds: [GROUP] }, groupMessage, ME)).toBe(true);
    expect(matchesFilters({ chatTypes: ['contact'], chatIds: [GROUP] }, groupMessage, ME)).toBe(false);
  });

  it('settings_types select groups of events: chats, messages, groups', () => {
    const chatUpdate = event('chat.update', { chats: [{ id: ALICE, archived: true }] });
    const groupUpdate = event('group.update', { id: GROUP, changes: { subject: 'new' } });
    expect(matchesFilters({ settingsTypes: ['chats'] }, chatUpdate, ME)).toBe(true);
    expect(matchesFilters({ settingsTypes: ['chats'] }, message(), ME)).toBe(false);
    expect(matchesFilters({ settingsTypes: ['messages'] }, message(), ME)).toBe(true);
    expect(matchesFilters({ settingsTypes: ['messages'] }, groupUpdate, ME)).toBe(false);
    expect(matchesFilters({ settingsTypes: ['groups'] }, groupUpdate, ME)).toBe(true);
    expect(matchesFilters({ settingsTypes: ['groups'] }, sessionStatus, ME)).toBe(false);
  });

  it('settings_types system: logged_out, client_connected, joined_group only', () => {
    const system = { settingsTypes: ['system' as const] };
    const loggedOut = event('session.status', { status: 'disconnected', reason: 'logged_out' });
    const connectionLost = event('session.status', { status: 'connecting', reason: 'connection_lost' });
    const connected = event('session.status', { status: 'logged_in' });
    const joined = event('group.participants', {
      id: GROUP,
      action: 'add',
      participants: ['628111111111@s.whatsapp.net'],
    });
    const someoneElseJoined = event('group.participants', {
      id: GROUP,
      action: 'add',
      participants: [ALICE],
    });
    const iLeft = event('group.participants', {
      id: GROUP,
      action: 'remove',
      participants: ['628111111111@s.whatsapp.net'],
    });
    expect(matchesFilters(system, loggedOut, ME)).toBe(true);
    expect(matchesFilters(system, connected, ME)).toBe(true);
    expect(matchesFilters(system, joined, ME)).toBe(true);
    expect(matchesFilters(system, connectionLost, ME)).toBe(false);
    expect(matchesFilters(system, someoneElseJoined, ME)).toBe(false);
    expect(matchesFilters(system, iLeft, ME)).toBe(false);
    expect(matchesFilters(system, message(), ME)).toBe(false);
  });

  it('settings_types take precedence: chat and message type filters are ignored when set', () => {
    const filters = {
      settingsTypes: ['messages' as const],
      chatTypes: ['group' as const],
      chatIds: [GROUP],
      messageTypes: ['image'],
    };
    expect(matchesFilters(filters, message(), ME)).toBe(true);
    expect(matchesFilters(filters, sessionStatus, ME)).toBe(false);
  });

  it('orders by chat: events of one chat share a key, session events another', () => {
    expect(orderingKeyOf(message({ chatId: '628222222222:3@c.us' }))).toBe(orderingKeyOf(message()));
    expect(orderingKeyOf(groupMessage)).toBe(GROUP);
    expect(orderingKeyOf(sessionStatus)).toBe('-');
  });
});

describe('event lists', () => {
  it('select exact types, prefixes, everything, and seed 004 aliases', () => {
    expect(selectsEvent([], 'session.qr')).toBe(true);
    expect(selectsEvent(['message.received'], 'message.received')).toBe(true);
    expect(selectsEvent(['message.received'], 'message.sent')).toBe(false);
    expect(selectsEvent(['message.*'], 'message.ack')).toBe(true);
    expect(selectsEvent(['message'], 'message.received')).toBe(true);
    expect(selectsEvent(['connected'], 'session.status')).toBe(true);
    expect(selectsEvent(['connected'], 'message.received')).toBe(false);
  });
});
