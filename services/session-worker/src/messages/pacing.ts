/** How an account paces its outbound messages (0 turns a limit off). */
export interface PacingPolicy {
  messagesPerMinute: number;
  jitterMs: number;
  perRecipientMs: number;
  simulateTyping: boolean;
  typingMaxMs: number;
}

/**
 * Outbound pacing of one account against bans: at most `messagesPerMinute`, a random extra delay
 * of up to `jitterMs`, and at least `perRecipientMs` between two messages to one recipient.
 *
 * @example
 * const pacer = new Pacer({ messagesPerMinute: 20, jitterMs: 2000, perRecipientMs: 3000, … });
 * await sleep(pacer.delayFor('15551234567@s.whatsapp.net'));
 * pacer.sent('15551234567@s.whatsapp.net');
 */
export class Pacer {
  private nextAt = 0;
  private readonly lastByRecipient = new Map<string, number>();

  constructor(
    readonly policy: PacingPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** Milliseconds to wait before the next message to `recipient`. */
  delayFor(recipient: string, now = Date.now()): number {
    const { perRecipientMs, jitterMs } = this.policy;
    const last = this.lastByRecipient.get(recipient);
    const recipientWait = last === undefined ? 0 : last + perRecipientMs - now;
    const wait = Math.max(0, this.nextAt - now, recipientWait);
    return wait > 0 || this.paced ? wait + Math.floor(this.random() * jitterMs) : 0;
  }

  /** A message to `recipient` left now. */
  sent(recipient: string, now = Date.now()): void {
    const { messagesPerMinute, perRecipientMs } = this.policy;
    if (messagesPerMinute > 0) this.nextAt = now + 60_000 / messagesPerMinute;
    if (perRecipientMs > 0) {
      this.lastByRecipient.set(recipient, now);
      // Only recipients still within their spacing matter.
      if (this.lastByRecipient.size > 1_000) {
        for (const [jid, at] of this.lastByRecipient)
          if (at + perRecipientMs < now) this.lastByRecipient.delete(jid);
      }
    }
  }

  /** How long "typing…" shows before a text of this length. */
  typingMs(text: string): number {
    return Math.min(this.policy.typingMaxMs, 400 + text.length * 40);
  }

  private get paced(): boolean {
    return this.policy.messagesPerMinute > 0 || this.policy.perRecipientMs > 0;
  }
}
