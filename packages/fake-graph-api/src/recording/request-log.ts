/**
 * Downloads are served by Meta's media host, not the Graph API, so errors cannot be injected there.
 *
 * @example
 * fake.injectError({ code: 131016, match: { operation: 'upload_media' } });
 */
export const INJECTABLE_OPERATIONS = [
  'send_message',
  'mark_read',
  'upload_media',
  'get_media',
  'delete_media',
  'get_phone_number',
  'list_phone_numbers',
  'list_templates',
] as const;

/**
 * The operations the fake serves; error injections and recordings name them.
 *
 * @example
 * fake.requests('send_message');
 */
export type GraphOperation = (typeof INJECTABLE_OPERATIONS)[number] | 'download_media';

/**
 * One request the fake received on the Graph side, with its answer.
 *
 * @example
 * fake.requests('send_message').at(-1)?.body; // { messaging_product: 'whatsapp', … }
 */
export interface RecordedRequest {
  /** Increasing from 1 in arrival order. */
  sequence: number;
  receivedAt: number;
  /** Undefined for paths the fake has no route for. */
  operation: GraphOperation | undefined;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lowercased names, as Node received them. */
  headers: Record<string, string>;
  /** The parsed JSON body, the multipart fields (files as `{ filename, type, size }`), or undefined. */
  body: unknown;
  responseStatus: number;
  /** The parsed JSON answer, or undefined for binary downloads. */
  responseBody: unknown;
}

/**
 * Every Graph request in arrival order, so tests can assert what the bridge sent.
 *
 * @example
 * log.requests().filter((r) => r.operation === 'send_message').map((r) => r.body);
 */
export class RequestLog {
  readonly #requests: RecordedRequest[] = [];
  #nextSequence = 1;

  record(request: Omit<RecordedRequest, 'sequence'>): RecordedRequest {
    const recorded = { ...request, sequence: this.#nextSequence++ };
    this.#requests.push(recorded);
    return recorded;
  }

  requests(): readonly RecordedRequest[] {
    return [...this.#requests];
  }

  clear(): void {
    this.#requests.length = 0;
  }
}
