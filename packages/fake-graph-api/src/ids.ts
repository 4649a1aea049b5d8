import { randomBytes, randomInt } from 'node:crypto';

/**
 * A Graph object id as Meta issues them: a decimal string of 15 or 16 digits, never starting with 0.
 *
 * @example
 * newGraphObjectId(); // '106540352242922'
 */
export function newGraphObjectId(): string {
  const digits = randomInt(15, 17);
  let id = String(randomInt(1, 10));
  while (id.length < digits) id += String(randomInt(0, 10));
  return id;
}

/** Which side wrote the message; Meta encodes it in the wamid (0x11 business, 0x12 user). */
type MessageDirection = 'outbound' | 'inbound';

/**
 * A WhatsApp message id shaped like Meta's: `wamid.` and the base64 of a small protobuf-like record
 * holding the user's wa_id, the direction and an uppercase hex key (18 hex digits for messages the
 * business sent, 20 for messages it received), e.g. `wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3…`.
 *
 * @example
 * newWamid('16505551234', 'outbound'); // 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI…'
 */
export function newWamid(waId: string, direction: MessageDirection): string {
  const userId = Buffer.from(waId, 'latin1');
  const keyLength = direction === 'outbound' ? 18 : 20;
  const key = Buffer.from(
    randomBytes(keyLength / 2)
      .toString('hex')
      .toUpperCase(),
    'latin1',
  );
  const record = Buffer.concat([
    Buffer.from([0x1c, 0x18, userId.length]),
    userId,
    Buffer.from([0x15, 0x02, 0x00, direction === 'outbound' ? 0x11 : 0x12, 0x18, key.length]),
    key,
    Buffer.from([0x00]),
  ]);
  return `wamid.${record.toString('base64')}`;
}

const TRACE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * An `fbtrace_id` like the ones in Meta's error bodies and `x-fb-trace-id` headers (23 characters).
 *
 * @example
 * newFbTraceId(); // 'AXsgnV2Cm3ZMGF3dF_cfYIn'
 */
export function newFbTraceId(): string {
  let id = 'A';
  while (id.length < 23) id += TRACE_ALPHABET[randomInt(0, TRACE_ALPHABET.length)];
  return id;
}

/**
 * A conversation id as in status webhooks: 32 lowercase hex digits.
 *
 * @example
 * newConversationId(); // 'a75d17ad06104c51166f948319b03c6a'
 */
export function newConversationId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Meta's Unix timestamps in webhooks are strings of whole seconds.
 *
 * @example
 * unixSeconds(1_749_416_383_512); // '1749416383'
 */
export function unixSeconds(epochMs: number): string {
  return String(Math.floor(epochMs / 1000));
}

/**
 * The digits of a phone number, which is how Meta writes wa_ids and webhook display numbers.
 *
 * @example
 * digitsOf('+1 555-078-3881'); // '15550783881'
 */
export function digitsOf(phoneNumber: string): string {
  return phoneNumber.replace(/\D/g, '');
}
