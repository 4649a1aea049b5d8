import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';
import got, { type Got } from 'got';

/** Bodies larger than this are cut off: an endpoint's answer is only shown, never trusted. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** An endpoint's answer: its status, `Retry-After` and body as text. */
export interface WebhookAnswer {
  statusCode: number;
  retryAfter: string | undefined;
  body: string;
}

/** An answer whose body is larger than the dispatcher reads. */
export class WebhookResponseTooLargeError extends Error {
  override readonly name = 'WebhookResponseTooLargeError';
}

/**
 * The webhook HTTP client: one got instance with every fixed option set once, over keep-alive
 * agents. It never retries (JetStream owns retries) and never follows a redirect (3xx is a
 * failure); one timeout covers the whole exchange; host names resolve through the SSRF guard.
 * Answers are read from got's stream, not its promise API, which costs ~60 µs more CPU per
 * request for the same bytes.
 *
 * @example
 * const http = new WebhookHttp({ timeoutMs: 15_000, lookup: egress.lookup, userAgent: 'wagate-webhooks/1.0' });
 * const answer = await http.post('https://example.com/hook', { 'content-type': 'application/json' }, body);
 */
export class WebhookHttp {
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 1_024, scheduling: 'lifo' });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 1_024, scheduling: 'lifo' });
  private readonly client: Got;

  constructor(options: {
    /** Most time from the request to the end of the answer, in ms (got's `timeout.request`). */
    timeoutMs: number;
    /** Resolves host names (the SSRF guard's, which drops refused addresses). */
    lookup: LookupFunction;
    userAgent: string;
  }) {
    this.client = got.extend({
      agent: { http: this.httpAgent, https: this.httpsAgent },
      retry: { limit: 0 },
      followRedirect: false,
      throwHttpErrors: false,
      // Answers are only shown as a snippet, so they are read as sent; no cache, HTTP/1.1 only.
      decompress: false,
      cache: false,
      http2: false,
      timeout: { request: options.timeoutMs },
      headers: { 'user-agent': options.userAgent },
      dnsLookup: options.lookup,
    });
  }

  /** POSTs `body`; rejects on network errors, the timeout (`ETIMEDOUT`) and oversized answers. */
  post(url: string, headers: Record<string, string>, body: string | Buffer): Promise<WebhookAnswer> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let statusCode = 0;
      let retryAfter: string | undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      const exchange = this.client.stream.post(url, { headers, body });
      exchange.once('response', (response: { statusCode: number; headers: Record<string, unknown> }) => {
        statusCode = response.statusCode;
        const header = response.headers['retry-after'];
        retryAfter = typeof header === 'string' ? header : undefined;
      });
      exchange.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_RESPONSE_BYTES) return void chunks.push(chunk);
        // Destroyed without an error, so got neither wraps ours nor emits one of its own.
        settled = true;
        exchange.destroy();
        reject(new WebhookResponseTooLargeError('response body too large'));
      });
      exchange.on('error', (error) => {
        if (settled) return;
        settled = true;
        reject(error);
      });
      exchange.once('end', () => {
        if (settled) return;
        settled = true;
        resolve({
          statusCode,
          retryAfter,
          body: chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
