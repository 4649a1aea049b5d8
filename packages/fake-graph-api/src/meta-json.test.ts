import { describe, expect, it } from 'vitest';
import { serializeLikeMeta, signMetaPayload, verifyMetaSignature } from './meta-json';

/** The test vector of CLOUD-API.md: Meta's body with escaped unicode and its signature. */
const VECTOR_BODY = String.raw`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Luc\u00eda"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.X","timestamp":"1749416383","type":"text","text":{"body":"ol\u00e1"}}]},"field":"messages"}]}]}`;
const VECTOR_SIGNATURE = 'sha256=fa50c2d5dd5917d10e3c6620e1fb9c3995429183c1b0b6dba2b0438db0f7056a';

describe('serializeLikeMeta', () => {
  it('reproduces the byte-exact body of the documented test vector from its parsed form', () => {
    const serialized = serializeLikeMeta(JSON.parse(VECTOR_BODY));
    expect(serialized).toBe(VECTOR_BODY);
    expect(signMetaPayload('test_app_secret', serialized)).toBe(VECTOR_SIGNATURE);
  });

  it('escapes non-ASCII as lowercase \\uXXXX, emoji as surrogate pairs, and slashes', () => {
    expect(serializeLikeMeta({ name: 'Łódź 👍', mime: 'image/jpeg', quote: '"' })).toBe(
      String.raw`{"name":"\u0141\u00f3d\u017a \ud83d\udc4d","mime":"image\/jpeg","quote":"\""}`,
    );
  });

  it('keeps the value when the escaped text is parsed back', () => {
    const value = { text: 'olá 🇧🇷 — 中文', url: 'https://example.com/a?b=c' };
    const serialized = serializeLikeMeta(value);
    expect(serialized).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(serialized)).toEqual(value);
  });
});

describe('verifyMetaSignature', () => {
  it('accepts the documented signature and rejects a changed body or a missing header', () => {
    expect(verifyMetaSignature('test_app_secret', VECTOR_BODY, VECTOR_SIGNATURE)).toBe(true);
    expect(verifyMetaSignature('test_app_secret', VECTOR_BODY.replace('ol', 'OL'), VECTOR_SIGNATURE)).toBe(
      false,
    );
    expect(verifyMetaSignature('another_secret', VECTOR_BODY, VECTOR_SIGNATURE)).toBe(false);
    expect(verifyMetaSignature('test_app_secret', VECTOR_BODY, undefined)).toBe(false);
  });
});
