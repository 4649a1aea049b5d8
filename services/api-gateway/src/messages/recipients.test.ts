import { describe, expect, it } from 'vitest';
import { ApiError } from '../http/errors';
import { recipientJid } from './recipients';

describe('recipientJid (seed 002 recipient rules)', () => {
  it('takes a JID with "@" as it is, after checking it', () => {
    expect(recipientJid('120363025246125486@g.us')).toBe('120363025246125486@g.us');
    expect(recipientJid('628123456789@s.whatsapp.net')).toBe('628123456789@s.whatsapp.net');
    expect(() => recipientJid('not a jid@example.com')).toThrow(ApiError);
  });

  it('validates a number with a country, or written with + and its country code', () => {
    expect(recipientJid('08123456789', 'ID')).toBe('628123456789@s.whatsapp.net');
    expect(recipientJid('+62 812-3456-789')).toBe('628123456789@s.whatsapp.net');
    expect(recipientJid('(202) 456-1111', 'us')).toBe('12024561111@s.whatsapp.net');
    expect(() => recipientJid('+1 000 000 0000')).toThrow(ApiError);
    expect(() => recipientJid('12345', 'ID')).toThrow(ApiError);
    expect(() => recipientJid('08123456789', 'XX')).toThrow(ApiError);
  });

  it('appends @s.whatsapp.net to 7-15 bare digits and refuses the rest', () => {
    expect(recipientJid('628123456789')).toBe('628123456789@s.whatsapp.net');
    expect(recipientJid('1234567')).toBe('1234567@s.whatsapp.net');
    expect(() => recipientJid('123456')).toThrow(ApiError);
    expect(() => recipientJid('1234567890123456')).toThrow(ApiError);
    expect(() => recipientJid("1' OR 1=1 --")).toThrow(ApiError);
  });
});
