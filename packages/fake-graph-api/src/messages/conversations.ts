import { newConversationId } from '../ids';

/** Meta's customer-service window: free-form messages are allowed for 24 h after the user writes. */
const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

function pairKey(phoneNumberId: string, waId: string): string {
  return `${phoneNumberId}:${waId}`;
}

/**
 * When each user last wrote to each business number, which opens the customer-service window.
 *
 * @example
 * windows.recordInbound('106540352242922', '16505551234', Date.now());
 * windows.isOpen('106540352242922', '16505551234', Date.now()); // true
 */
export class CustomerServiceWindows {
  readonly #lastInboundAt = new Map<string, number>();

  recordInbound(phoneNumberId: string, waId: string, at: number): void {
    const key = pairKey(phoneNumberId, waId);
    this.#lastInboundAt.set(key, Math.max(at, this.#lastInboundAt.get(key) ?? at));
  }

  /** Sets the last inbound time outright, e.g. 25 h ago to test a closed window. */
  setLastInbound(phoneNumberId: string, waId: string, at: number): void {
    this.#lastInboundAt.set(pairKey(phoneNumberId, waId), at);
  }

  isOpen(phoneNumberId: string, waId: string, now: number): boolean {
    const lastInboundAt = this.#lastInboundAt.get(pairKey(phoneNumberId, waId));
    return lastInboundAt !== undefined && now - lastInboundAt < CUSTOMER_SERVICE_WINDOW_MS;
  }
}

/**
 * The pricing category of a message: a template's category, or `service` for free-form.
 *
 * @example
 * conversations.current(phoneNumberId, waId, 'utility', Date.now());
 */
export type PricingCategory = 'service' | 'marketing' | 'utility' | 'authentication';

/**
 * A 24-hour conversation as status webhooks name it (until webhook v24.0).
 *
 * @example
 * conversations.current(phoneNumberId, waId, 'service', Date.now()).expiresAt;
 */
export interface Conversation {
  id: string;
  category: PricingCategory;
  expiresAt: number;
}

/**
 * The 24-hour conversations that status webhooks name, one per business number, user and category.
 *
 * @example
 * conversations.current('106540352242922', '16505551234', 'service', Date.now()).id; // 'a75d17ad…'
 */
export class Conversations {
  readonly #open = new Map<string, Conversation>();

  current(phoneNumberId: string, waId: string, category: PricingCategory, now: number): Conversation {
    const key = `${pairKey(phoneNumberId, waId)}:${category}`;
    const open = this.#open.get(key);
    if (open !== undefined && open.expiresAt > now) return open;
    const started: Conversation = {
      id: newConversationId(),
      category,
      expiresAt: now + CUSTOMER_SERVICE_WINDOW_MS,
    };
    this.#open.set(key, started);
    return started;
  }
}
