import { describe, expect, it } from 'vitest';
import { AccountId } from './account-id';
import { parseCommand } from './commands';
import { createEvent, newId, parseEvent } from './envelope';

describe('newId', () => {
  it('makes unique ULIDs in creation order, their random part spread over the whole alphabet', () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids.slice(0, 10)) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    // Monotonic ids of one millisecond share their first random characters; the last ones vary.
    const lastCharacters = new Set(ids.map((id) => id.at(-1)));
    expect(lastCharacters.size).toBe(32);
  });
});

describe('event envelope', () => {
  it('builds a CloudEvents 1.0 envelope with a versioned schema', () => {
    const event = createEvent('session.status', 'demo', { status: 'connecting' }, { source: 'wagate/test' });
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'session.status',
      subject: 'demo',
      datacontenttype: 'application/json',
      dataschema: 'urn:wagate:event:session.status:v1',
      data: { status: 'connecting' },
    });
    expect(event.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(Number.isNaN(Date.parse(event.time))).toBe(false);
  });

  it('refuses data that does not match the type', () => {
    expect(() =>
      createEvent('session.status', 'demo', { status: 'sleeping' } as never, { source: 'wagate/test' }),
    ).toThrow();
  });

  it('keeps fields a newer producer added and passes unknown types through', () => {
    const event = createEvent(
      'message.received',
      'demo',
      {
        id: 'ABC',
        chatId: '15551234567@s.whatsapp.net',
        chatType: 'contact',
        sender: '15551234567@s.whatsapp.net',
        fromMe: false,
        timestamp: 1_700_000_000,
        content: { type: 'text', text: 'hi' },
        mentions: [],
      },
      { source: 'wagate/test' },
    );
    const newer = { ...event, traceparent: '00-abc', type: 'message.received' };
    const parsed = parseEvent(JSON.parse(JSON.stringify(newer)));
    expect(parsed.known).toBe(true);
    expect(parsed.event).toMatchObject({ traceparent: '00-abc' });

    const future = parseEvent({ ...event, type: 'future.thing', data: { anything: 1 } });
    expect(future).toMatchObject({ known: false, event: { type: 'future.thing' } });
    expect(parseEvent({ nope: true })).toMatchObject({ known: false, error: expect.anything() });
  });
});

describe('commands', () => {
  it('validates the payload of a known op and reports unknown ops', () => {
    const base = { id: 'cmd_1', accountId: 'demo', createdAt: new Date().toISOString() };
    expect(parseCommand({ ...base, op: 'session.connect', payload: {} })).toMatchObject({ ok: true });
    expect(
      parseCommand({
        ...base,
        op: 'message.send',
        payload: { to: '1@s.whatsapp.net', messageId: 'M1', content: { type: 'image', media: {} } },
      }),
    ).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parseCommand({ ...base, op: 'teleport', payload: {} })).toMatchObject({
      ok: false,
      reason: 'unknown_op',
    });
  });
});

describe('AccountId', () => {
  it.each(['demo', 'business-1', 'A_b-9', 'x'.repeat(64)])('accepts %s', (id) => {
    expect(AccountId.safeParse(id).success).toBe(true);
  });
  it.each(['', 'a.b', 'a*', 'a>', 'a b', '-lead', 'x'.repeat(65), 'ü'])('refuses %j', (id) => {
    expect(AccountId.safeParse(id).success).toBe(false);
  });
});
