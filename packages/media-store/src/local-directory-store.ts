import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { assertMediaKey, type MediaStore, type StoredObject } from './media-store';

/**
 * Media in a local directory: the default of monolithic mode. Every process that reads it must
 * see the same directory (one process, or a shared volume).
 *
 * @example
 * const store = new LocalDirectoryMediaStore('./data/media');
 */
export class LocalDirectoryMediaStore implements MediaStore {
  private readonly root: string;

  constructor(directory: string) {
    this.root = resolve(directory);
  }

  async put(key: string, data: Uint8Array, mimeType: string): Promise<StoredObject> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const stored: StoredObject = {
      key,
      size: data.byteLength,
      sha256: createHash('sha256').update(data).digest('hex'),
      mimeType,
    };
    // Write then rename, so a reader never sees half a file.
    const partial = `${path}.${process.pid}.partial`;
    await writeFile(partial, data);
    await writeFile(`${partial}.json`, JSON.stringify(stored));
    await rename(`${partial}.json`, `${path}.json`);
    await rename(partial, path);
    return stored;
  }

  async open(key: string): Promise<Readable | undefined> {
    const path = this.pathOf(key);
    try {
      await stat(path);
    } catch {
      return undefined;
    }
    return createReadStream(path);
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    try {
      return JSON.parse(await readFile(`${this.pathOf(key)}.json`, 'utf8')) as StoredObject;
    } catch {
      return undefined;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    await rm(`${path}.json`, { force: true });
  }

  private pathOf(key: string): string {
    assertMediaKey(key);
    return join(this.root, key);
  }
}
