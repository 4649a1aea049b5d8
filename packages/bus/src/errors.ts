import { ExpectedError } from '@wagate/runtime';

/**
 * A handler failure worth retrying later (a dependency is down, a rate limit was hit). The
 * consumer `nak`s the message with `delayMs`, or with its backoff schedule when absent.
 *
 * @example
 * throw new RetryableError('WhatsApp socket not open yet', { delayMs: 2_000 });
 */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly delayMs: number | undefined;
  constructor(message: string, options: { delayMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.delayMs = options.delayMs;
  }
}

/**
 * A handler failure that no retry can fix (invalid payload, unknown op, deleted target). The
 * consumer `term`s the message, which raises a JetStream advisory that dead-letter capture reads.
 *
 * @example
 * throw new PermanentError('recipient is not a valid JID');
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}

/** Nobody subscribes to an RPC subject: the owner of the partition is not running (HTTP 503). */
export class NoRespondersError extends ExpectedError {
  override readonly name = 'NoRespondersError';
  constructor(readonly subject: string) {
    super(`no service answers on ${subject}; it may be starting or failing over, retry shortly`);
  }
}

/** An RPC did not get an answer in time (HTTP 504). */
export class RequestTimeoutError extends ExpectedError {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`no answer on ${subject} within ${timeoutMs} ms`);
  }
}
