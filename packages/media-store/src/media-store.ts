import type { Readable } from 'node:stream';

/** What is known of stored bytes. */
export interface StoredObject {
  key: string;
  size: number;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  mimeType: string;
}

/**
 * Where the bytes of media live (received media, uploads for sending). Keys are opaque strings of
 * letters, digits, `/`, `.`, `_` and `-` chosen by the writer, e.g. `<accountId>/<mediaId>`.
 *
 * @example
 * await store.put('demo/m1', bytes, 'image/jpeg');
 * const stream = await store.open('demo/m1');
 */
export interface MediaStore {
  /** Stores bytes under a key, replacing what was there. */
  put(key: string, data: Uint8Array, mimeType: string): Promise<StoredObject>;
  /** The bytes as a stream, or undefined when the key holds nothing. */
  open(key: string): Promise<Readable | undefined>;
  /** What is known of a key without reading it. */
  stat(key: string): Promise<StoredObject | undefined>;
  /** Removes a key; removing nothing is not an error. */
  delete(key: string): Promise<void>;
}

const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9/._-]{0,255}$/;

/** Throws on a key that could escape the store or is not portable across stores. */
export function assertMediaKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.includes('..') || key.includes('//')) {
    throw new RangeError(`not a valid media key: ${JSON.stringify(key)}`);
  }
}
