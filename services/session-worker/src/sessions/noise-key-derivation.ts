import { hkdfSync } from 'node:crypto';
import { createRequire } from 'node:module';

type Hkdf = (
  buffer: Uint8Array,
  expandedLength: number,
  info: { salt?: Uint8Array; info?: string },
) => Promise<Buffer>;

/** Baileys' crypto helpers, the very module object its noise handler calls through. */
const baileysCrypto = createRequire(import.meta.url)('@whiskeysockets/baileys/lib/Utils/crypto.js') as {
  hkdf: Hkdf;
};

/** Baileys' own HKDF (WebCrypto, on libuv's thread pool), kept for the equivalence test. */
export const webCryptoHkdf: Hkdf = baileysCrypto.hkdf;

/** HKDF-SHA256 computed at once, with the inputs and output of Baileys' `hkdf`. */
export const immediateHkdf: Hkdf = async (buffer, expandedLength, { salt, info }) =>
  Buffer.from(
    hkdfSync('sha256', buffer, salt ?? new Uint8Array(0), Buffer.from(info ?? '', 'utf8'), expandedLength),
  );

/**
 * Makes Baileys derive keys without leaving the current task. After its handshake, Baileys sends
 * its last handshake message and starts deriving the session's transport keys without awaiting
 * them; WebCrypto does that on the thread pool, so a busy worker can read the server's `<success>`
 * first, which Baileys then treats as a handshake frame and loses (and every later frame fails to
 * decrypt). Derived at once, the keys are in place before the worker reads from any socket. The
 * bytes are the same (RFC 5869); only when they are ready changes.
 */
export function deriveBaileysKeysImmediately(): void {
  baileysCrypto.hkdf = immediateHkdf;
}
