/**
 * Which iq a scheduled failure applies to; unset fields match anything.
 *
 * @example
 * emulator.failNextIq('*', { xmlns: 'usync' }, 503);
 */
export interface IqMatch {
  readonly xmlns?: string;
  readonly type?: string;
}

/** An error the server answers an iq with instead of its result. */
export interface IqFailure extends IqMatch {
  readonly code: number;
  readonly text: string;
}

const IQ_ERROR_TEXT: Record<number, string> = {
  400: 'bad-request',
  401: 'not-authorized',
  403: 'forbidden',
  404: 'item-not-found',
  406: 'not-acceptable',
  429: 'rate-overlimit',
  500: 'internal-server-error',
  501: 'feature-not-implemented',
  503: 'service-unavailable',
};

export const iqErrorText = (code: number): string => IQ_ERROR_TEXT[code] ?? 'undefined-condition';

/**
 * Faults scheduled by tests: iq failures, lost login replies, a per-account send rate limit.
 * Faults that act at once (dropping a socket, a conflict, a ban, a spoiled frame) live on the
 * emulator handle.
 */
export class FaultPlan {
  private readonly iqFailures = new Map<string, IqFailure[]>();
  private readonly recentSends = new Map<string, number[]>();
  private readonly lostLoginReplies = new Set<string>();
  /** Messages per second one account may send before the server answers 429; undefined = no limit. */
  messagesPerSecond: number | undefined;

  /** Makes the next matching iq from `deviceJid` (or any device, for `*`) fail with `code`. */
  failNextIq(deviceJid: string, match: IqMatch, code: number): void {
    const failures = this.iqFailures.get(deviceJid) ?? [];
    failures.push({ ...match, code, text: iqErrorText(code) });
    this.iqFailures.set(deviceJid, failures);
  }

  /** Removes and returns the failure scheduled for this iq, if one matches. */
  takeIqFailure(
    deviceJid: string,
    xmlns: string | undefined,
    type: string | undefined,
  ): IqFailure | undefined {
    for (const key of [deviceJid, '*']) {
      const failures = this.iqFailures.get(key);
      const index =
        failures?.findIndex(
          (failure) =>
            (failure.xmlns === undefined || failure.xmlns === xmlns) &&
            (failure.type === undefined || failure.type === type),
        ) ?? -1;
      if (failures && index >= 0) {
        const [failure] = failures.splice(index, 1);
        return failure;
      }
    }
    return undefined;
  }

  /** The next login of `deviceJid` gets no `<success>`, as if the reply were lost on the way. */
  loseNextLoginReply(deviceJid: string): void {
    this.lostLoginReplies.add(deviceJid);
  }

  /** Whether this login's reply is to be lost (once). */
  takeLostLoginReply(deviceJid: string): boolean {
    return this.lostLoginReplies.delete(deviceJid);
  }

  /** Counts a send by `number`; false when it exceeds the rate limit within the last second. */
  admitMessage(number: string, now = Date.now()): boolean {
    if (this.messagesPerSecond === undefined) {
      return true;
    }
    const window = (this.recentSends.get(number) ?? []).filter((sentAt) => now - sentAt < 1000);
    if (window.length >= this.messagesPerSecond) {
      this.recentSends.set(number, window);
      return false;
    }
    window.push(now);
    this.recentSends.set(number, window);
    return true;
  }
}
