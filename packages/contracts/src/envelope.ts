import { monotonicFactory } from 'ulid';
import { z } from 'zod';
import { AccountId } from './account-id';
import { EVENT_CATALOG, type EventData, type EventType, isEventType } from './events/catalog';

/**
 * Random bytes drawn from a pool that one call to the CSPRNG refills: ulid's default PRNG makes a
 * call per character, which cost a busy session worker 2 % of its CPU.
 */
const randomPool = new Uint8Array(4_096);
let randomOffset = randomPool.length;
function pooledRandom(): number {
  if (randomOffset === randomPool.length) {
    globalThis.crypto.getRandomValues(randomPool);
    randomOffset = 0;
  }
  return randomPool[randomOffset++]! / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

/**
 * A new ULID: sortable by creation time, unique across processes.
 *
 * @example
 * newId(); // '01JD3…'
 */
export function newId(): string {
  return nextUlid();
}

/**
 * The CloudEvents 1.0 envelope of every event. Unknown fields are kept (`loose`) so that an older
 * consumer passes on what a newer producer added.
 */
export const EventEnvelope = z
  .object({
    specversion: z.literal('1.0'),
    id: z.string().min(1),
    source: z.string().min(1),
    type: z.string().min(1),
    time: z.iso.datetime({ offset: true }),
    /** The account the event belongs to. */
    subject: AccountId,
    datacontenttype: z.literal('application/json'),
    /** `urn:wagate:event:<type>:v<version>`. */
    dataschema: z.string().optional(),
    data: z.unknown(),
  })
  .loose();
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** An envelope whose `data` matched the schema of its known `type`. */
export type TypedEvent<T extends EventType = EventType> = {
  specversion: '1.0';
  id: string;
  source: string;
  type: T;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  dataschema?: string;
  data: EventData<T>;
};

/** The `dataschema` URN of an event type's current version. */
export function dataSchemaOf(type: EventType): string {
  return `urn:wagate:event:${type}:v${EVENT_CATALOG[type].version}`;
}

export interface CreateEventOptions {
  /** Producer, e.g. `wagate/session-worker`. */
  source: string;
  /** Override for deterministic ids (tests, replays); a new ULID otherwise. */
  id?: string;
  time?: Date;
}

/**
 * Builds a validated event envelope.
 *
 * @example
 * const event = createEvent('session.status', 'demo', { status: 'connecting' }, { source: 'wagate/session-worker' });
 */
export function createEvent<T extends EventType>(
  type: T,
  accountId: string,
  data: EventData<T>,
  options: CreateEventOptions,
): TypedEvent<T> {
  return {
    specversion: '1.0',
    id: options.id ?? newId(),
    source: options.source,
    type,
    time: (options.time ?? new Date()).toISOString(),
    subject: AccountId.parse(accountId),
    datacontenttype: 'application/json',
    dataschema: dataSchemaOf(type),
    data: EVENT_CATALOG[type].data.parse(data) as EventData<T>,
  };
}

export type ParsedEvent =
  | { known: true; event: TypedEvent }
  | { known: false; event: EventEnvelope }
  | { known: false; error: z.ZodError; event?: undefined };

/**
 * Validates an envelope and, for known types, its data. An unknown type is not an error: a newer
 * producer may publish types this consumer does not know yet.
 *
 * @example
 * const parsed = parseEvent(JSON.parse(text));
 * if (parsed.known) handle(parsed.event);
 */
export function parseEvent(raw: unknown): ParsedEvent {
  const envelope = EventEnvelope.safeParse(raw);
  if (!envelope.success) return { known: false, error: envelope.error };
  const { type } = envelope.data;
  if (!isEventType(type)) return { known: false, event: envelope.data };
  const data = EVENT_CATALOG[type].data.safeParse(envelope.data.data);
  if (!data.success) return { known: false, error: data.error };
  return { known: true, event: { ...envelope.data, type, data: data.data } as TypedEvent };
}
