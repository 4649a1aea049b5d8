/**
 * Runs tasks one after another per key, in the order they were given, and tasks of different keys
 * at the same time.
 *
 * @example
 * const queue = new KeyedSerialQueue();
 * await Promise.all([queue.run('a', first), queue.run('a', second), queue.run('b', other)]); // first before second
 */
export class KeyedSerialQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
