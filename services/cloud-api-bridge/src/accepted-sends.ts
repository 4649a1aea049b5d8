/** How long an accepted send is remembered here; the database knows it long before. */
const REMEMBERED_MS = 60_000;
/** Entries kept before expired ones are swept. */
const SWEEP_THRESHOLD = 20_000;

/**
 * The sends this process just had accepted by Meta, until they are recorded and announced. Meta's
 * `sent` status can arrive before the bridge wrote the send's wamid and published its
 * `message.sent` (its webhook races the steps that follow Meta's answer); the webhook processor of
 * the same process waits for those steps instead of retrying later, so statuses keep their order
 * and never precede `message.sent`.
 *
 * @example
 * const done = accepted.recording('support', 'wamid.X');
 * await record(); await announce(); done();
 * await accepted.recorded('support', 'wamid.X'); // resolved once done() ran
 */
export class AcceptedSends {
  readonly #sends = new Map<string, { since: number; recorded: Promise<void> }>();

  /** Notes that a send's wamid is being recorded; call the returned function when it is (or failed). */
  recording(accountId: string, wamid: string): () => void {
    if (this.#sends.size > SWEEP_THRESHOLD) {
      const stale = Date.now() - REMEMBERED_MS;
      for (const [key, entry] of this.#sends) if (entry.since < stale) this.#sends.delete(key);
    }
    let done = () => {};
    const recorded = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.#sends.set(`${accountId} ${wamid}`, { since: Date.now(), recorded });
    return done;
  }

  /** Resolves once the send is recorded and announced; undefined for sends this process does not know. */
  recorded(accountId: string, wamid: string): Promise<void> | undefined {
    const entry = this.#sends.get(`${accountId} ${wamid}`);
    return entry && entry.since >= Date.now() - REMEMBERED_MS ? entry.recorded : undefined;
  }
}
