interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the calls made during one turn of the event loop into one batch call: at hundreds of
 * sends per second, many commands reach the same database step together, and one statement for all
 * of them costs one round trip instead of one each. A failed batch fails each of its calls.
 *
 * @example
 * const lookups = new MicroBatch((keys: string[]) => repo.findMany(keys));
 * const row = await lookups.submit('cmd_1'); // shares a query with lookups submitted alongside it
 */
export class MicroBatch<I, O> {
  #pending: Array<Pending<I, O>> = [];
  #scheduled = false;

  /** `run` answers each item of a batch, in the items' order. */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 500,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#pending.length >= this.maxBatch) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    this.run(batch.map((pending) => pending.item)).then(
      (results) => {
        for (const [index, pending] of batch.entries()) pending.resolve(results[index]!);
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
  }
}
