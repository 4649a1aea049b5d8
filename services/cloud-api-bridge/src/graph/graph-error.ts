import { MetaErrorBody } from './graph-responses';

/**
 * What the bridge does about a Graph API failure, decided on Meta's `code` (never on the HTTP status):
 * - `transient`: server trouble (1, 2, 131000, 131016, 133004, network): retried with backoff;
 * - `throughput`: the number's or app's rate (4, 80007, 130429): every send of the number pauses;
 * - `pair_rate`: too many messages to one user (131056): that user's sends wait 4^X s;
 * - `token`: the access token expired or was revoked (190, 102, 0): the account is marked, no retry;
 * - `restricted`: the account is locked or blocked (368, 131031): the account is marked suspended;
 * - `maintenance`: the account is in maintenance (131057): retried later;
 * - `permanent`: anything else (bad parameters, closed window, templates…): the message fails.
 */
export type GraphFailureKind =
  | 'transient'
  | 'throughput'
  | 'pair_rate'
  | 'token'
  | 'restricted'
  | 'maintenance'
  | 'permanent';

const KIND_OF_CODE: ReadonlyMap<number, GraphFailureKind> = new Map([
  [1, 'transient'],
  [2, 'transient'],
  [131000, 'transient'],
  [131016, 'transient'],
  [133004, 'transient'],
  [4, 'throughput'],
  [80007, 'throughput'],
  [130429, 'throughput'],
  [131056, 'pair_rate'],
  [0, 'token'],
  [102, 'token'],
  [190, 'token'],
  [368, 'restricted'],
  [131031, 'restricted'],
  [131057, 'maintenance'],
]);

/**
 * A failure without a Meta code: `network` (no answer), `http_<status>` (an answer that is not Meta's
 * error body, e.g. a proxy's 502) or `invalid_response` (a success body Meta never sends).
 */
export type GraphFailureCode = number | 'network' | 'invalid_response' | `http_${number}`;

/**
 * The kind of a Meta error code, or of a failure that has no code (network trouble and 5xx answers
 * without Meta's body are transient).
 *
 * @example
 * failureKindOf(131056); // 'pair_rate'
 */
export function failureKindOf(code: GraphFailureCode): GraphFailureKind {
  if (typeof code === 'number') return KIND_OF_CODE.get(code) ?? 'permanent';
  if (code === 'network' || /^http_5\d\d$/.test(code)) return 'transient';
  return 'permanent';
}

/**
 * A failed Graph API request: Meta's code, subcode and texts, or a `GraphFailureCode` of its own.
 *
 * @example
 * if (error instanceof GraphApiError && error.kind === 'token') markTokenExpired(error);
 */
export class GraphApiError extends Error {
  override readonly name = 'GraphApiError';

  constructor(
    readonly code: GraphFailureCode,
    message: string,
    readonly details: {
      httpStatus?: number;
      subcode?: number;
      /** Meta's `error_data.details`. */
      reason?: string;
      fbtraceId?: string;
    } = {},
  ) {
    super(message);
  }

  get kind(): GraphFailureKind {
    return failureKindOf(this.code);
  }

  /** The failure as events and history carry it: Meta's code and a readable text. */
  toFailure(): { code: number | string; message: string } {
    const reason = this.details.reason;
    return {
      code: this.code,
      message: reason && !this.message.includes(reason) ? `${this.message}: ${reason}` : this.message,
    };
  }
}

/**
 * The error an unsuccessful answer stands for: Meta's, from its body, or `http_<status>` when the
 * body is not Meta's error shape.
 *
 * @example
 * graphErrorOf('{"error":{"code":190,"message":"…"}}', 401).code; // 190
 */
export function graphErrorOf(body: string, httpStatus: number): GraphApiError {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const parsed = MetaErrorBody.safeParse(json);
  if (!parsed.success) {
    return new GraphApiError(`http_${httpStatus}`, `the Graph API answered HTTP ${httpStatus}`, {
      httpStatus,
    });
  }
  const { error } = parsed.data;
  return new GraphApiError(error.code, error.message ?? `Meta error ${error.code}`, {
    httpStatus,
    subcode: error.error_subcode,
    reason: error.error_data?.details,
    fbtraceId: error.fbtrace_id,
  });
}
