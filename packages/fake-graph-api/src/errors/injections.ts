import { z } from 'zod';
import { digitsOf } from '../ids';
import { type GraphOperation, INJECTABLE_OPERATIONS } from '../recording/request-log';
import { type ErrorDelivery, metaErrorDefinition } from './catalog';
import { type GraphErrorResponse, whatsAppError } from './graph-error';

/**
 * An error to answer on demand instead of the normal behaviour: for the next `times` requests that
 * match (`'always'` until cleared), any code with Meta's body shape and HTTP status, optionally with
 * other details, title or status. `delivery: 'status'` accepts the message and fails it by webhook.
 *
 * @example
 * fake.injectError({ code: 131056, times: 2, match: { recipient: '+1 650 555 1234' } });
 */
export const ErrorInjection = z.object({
  code: z.number().int().nonnegative(),
  details: z.string().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
  httpStatus: z.number().int().min(400).max(599).optional(),
  /** Defaults to where Meta reports the code (see META_ERROR_CATALOG). */
  delivery: z.enum(['response', 'status']).optional(),
  times: z.union([z.number().int().positive(), z.literal('always')]).default(1),
  match: z
    .object({
      operation: z.enum(INJECTABLE_OPERATIONS).optional(),
      phoneNumberId: z.string().optional(),
      /** The recipient of a send, as any phone number spelling; compared by digits. */
      recipient: z.string().optional(),
    })
    .default({}),
});
export type ErrorInjection = z.input<typeof ErrorInjection>;

/**
 * What a request that hit an injection must answer.
 *
 * @example
 * injections.take({ operation: 'send_message' })?.delivery; // 'response'
 */
export interface InjectedError {
  code: number;
  details: string | undefined;
  title: string | undefined;
  message: string | undefined;
  type: string | undefined;
  httpStatus: number | undefined;
  delivery: ErrorDelivery;
}

interface ActiveInjection {
  id: number;
  error: InjectedError;
  remaining: number | 'always';
  match: { operation?: GraphOperation; phoneNumberId?: string; recipientDigits?: string };
}

interface InjectionTarget {
  operation: GraphOperation;
  phoneNumberId?: string;
  recipient?: string;
  /** Only injections reported this way; a send asks for webhook failures once it is accepted. */
  delivery?: ErrorDelivery;
}

/**
 * The errors tests asked for, consumed in the order they were added.
 *
 * @example
 * injections.add({ code: 130429, times: 2 });
 * injections.take({ operation: 'send_message', phoneNumberId: '1065…' })?.code; // 130429
 */
export class ErrorInjections {
  readonly #active: ActiveInjection[] = [];
  #nextId = 1;

  /** Returns an id for `remove`. */
  add(input: ErrorInjection): number {
    const injection = ErrorInjection.parse(input);
    const delivery = injection.delivery ?? metaErrorDefinition(injection.code).delivery;
    const active: ActiveInjection = {
      id: this.#nextId++,
      remaining: injection.times,
      error: {
        code: injection.code,
        details: injection.details,
        title: injection.title,
        message: injection.message,
        type: injection.type,
        httpStatus: injection.httpStatus,
        delivery,
      },
      // A webhook failure only exists for sent messages, so such an injection waits for a send.
      match: {
        operation: delivery === 'status' ? 'send_message' : injection.match.operation,
        phoneNumberId: injection.match.phoneNumberId,
        recipientDigits:
          injection.match.recipient === undefined ? undefined : digitsOf(injection.match.recipient),
      },
    };
    this.#active.push(active);
    return active.id;
  }

  remove(id: number): void {
    const index = this.#active.findIndex((injection) => injection.id === id);
    if (index >= 0) this.#active.splice(index, 1);
  }

  clear(): void {
    this.#active.length = 0;
  }

  /** The first injection matching the request, counted as used. */
  take(target: InjectionTarget): InjectedError | undefined {
    const recipientDigits = target.recipient === undefined ? undefined : digitsOf(target.recipient);
    const index = this.#active.findIndex(
      ({ match, error }) =>
        (target.delivery === undefined || error.delivery === target.delivery) &&
        (match.operation === undefined || match.operation === target.operation) &&
        (match.phoneNumberId === undefined || match.phoneNumberId === target.phoneNumberId) &&
        (match.recipientDigits === undefined || match.recipientDigits === recipientDigits),
    );
    const injection = this.#active[index];
    if (injection === undefined) return undefined;
    if (injection.remaining !== 'always') {
      injection.remaining -= 1;
      if (injection.remaining === 0) this.#active.splice(index, 1);
    }
    return injection.error;
  }
}

/**
 * The Graph error response of an injection answered in the response.
 *
 * @example
 * return graphError(c, injectedErrorResponse(injected));
 */
export function injectedErrorResponse(injected: InjectedError): GraphErrorResponse {
  return whatsAppError(injected.code, {
    details: injected.details,
    title: injected.title,
    message: injected.message,
    type: injected.type,
    httpStatus: injected.httpStatus,
  });
}
