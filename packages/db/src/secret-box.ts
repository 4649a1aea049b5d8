import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ExpectedError } from '@wagate/runtime';

const VERSION = 'v1';

/**
 * Encrypts secrets at rest (cloud access tokens, app secrets, webhook secrets) with AES-256-GCM
 * under a key from the environment. Ciphertexts look like `v1.<iv>.<tag>.<data>` (base64url).
 *
 * @example
 * const box = SecretBox.fromEncodedKey(process.env.ENCRYPTION_KEY!);
 * const stored = box.seal('EAAG…');
 * box.open(stored); // 'EAAG…'
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** A key given as 64 hex characters or base64 of 32 bytes. */
  static fromEncodedKey(encoded: string): SecretBox {
    const trimmed = encoded.trim();
    const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
      ? Buffer.from(trimmed, 'hex')
      : Buffer.from(trimmed, 'base64');
    if (key.length !== 32) {
      throw new ExpectedError(
        'ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64 (generate one with: openssl rand -base64 32)',
      );
    }
    return new SecretBox(key);
  }

  /** A new random key, base64-encoded. */
  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      data.toString('base64url'),
    ].join('.');
  }

  /** The plaintext; throws when the ciphertext was tampered with or sealed under another key. */
  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
