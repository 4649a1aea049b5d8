import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { MetricsRegistry } from '@wagate/observability';
import got, { type Got, type Method, type Response } from 'got';
import type { z } from 'zod';
import { failureKindOf, GraphApiError, graphErrorOf } from './graph-error';
import {
  MediaInfo,
  type MediaInfo as MediaInfoBody,
  MediaUploadResponse,
  PhoneNumberFacts,
  SendMessageResponse,
  SuccessResponse,
} from './graph-responses';

/** What a request needs of an account: where its number is and the token to use. */
export interface GraphCredentials {
  phoneNumberId: string;
  /** e.g. `v21.0`. */
  apiVersion: string;
  accessToken: string;
}

export interface GraphClientOptions {
  /** Graph base URL without version, e.g. `https://graph.facebook.com`. */
  baseUrl: string;
  timeoutMs: number;
  /** Retries of a transient failure. */
  retryLimit: number;
  /** First retry delay; it doubles with each retry. */
  retryDelayMs: number;
  /** Largest media download. */
  maxMediaBytes: number;
  metrics?: MetricsRegistry;
}

/** What a JSON request may carry. */
interface JsonRequestOptions {
  json?: unknown;
  body?: FormData;
  searchParams?: Record<string, string>;
}

/** The Graph operations the bridge performs, as metrics label them. */
export type GraphOperation =
  | 'send_message'
  | 'mark_read'
  | 'upload_media'
  | 'get_media'
  | 'download_media'
  | 'get_phone_number';

/** Fields of a number that the bridge tracks (CLOUD-API.md "Account facts"). */
const PHONE_NUMBER_FIELDS = [
  'display_phone_number',
  'verified_name',
  'quality_rating',
  'messaging_limit_tier',
  'whatsapp_business_manager_messaging_limit',
  'throughput',
  'status',
].join(',');

/** Statuses at which Meta may have put a transient code; the body decides (`retryDecision`). */
const RETRIED_STATUS_CODES = [400, 408, 429, 500, 502, 503, 504];

/**
 * Meta's WhatsApp Cloud API over got: bearer tokens, timeouts, keep-alive connections, Meta's
 * error bodies turned into `GraphApiError`, and retries with doubling backoff only for transient
 * failures (network, codes 1, 2, 131000, 131016, 133004) — rate limits and every other code are left
 * to the caller, which knows what each means for the account.
 *
 * @example
 * const graph = new GraphClient({ baseUrl: 'https://graph.facebook.com', timeoutMs: 15_000, retryLimit: 2, retryDelayMs: 500, maxMediaBytes: 100e6 });
 * const { wamid } = await graph.sendMessage(credentials, { messaging_product: 'whatsapp', to: '16505551234', type: 'text', text: { body: 'hi' } });
 */
export class GraphClient {
  readonly #got: Got;
  readonly #agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  readonly #baseUrl: string;
  readonly #maxMediaBytes: number;
  readonly #requests;
  readonly #seconds;

  constructor(options: GraphClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#maxMediaBytes = options.maxMediaBytes;
    this.#requests = options.metrics?.counter(
      'wagate_cloud_graph_requests_total',
      'Graph API requests of the cloud bridge, by operation and outcome (ok or Meta code)',
      ['operation', 'outcome'],
    );
    this.#seconds = options.metrics?.histogram(
      'wagate_cloud_graph_request_seconds',
      'Time of one Graph API request, retries included',
      ['operation'],
    );
    const { retryDelayMs } = options;
    this.#got = got.extend({
      agent: this.#agents,
      timeout: { request: options.timeoutMs },
      throwHttpErrors: false,
      headers: { 'user-agent': 'wagate-cloud-api-bridge/1.0' },
      retry: {
        limit: options.retryLimit,
        methods: ['GET', 'POST', 'DELETE'],
        statusCodes: RETRIED_STATUS_CODES,
        calculateDelay: ({ attemptCount, error, computedValue }) => {
          if (computedValue === 0) return 0;
          const response = error.response;
          const code = response
            ? graphErrorOf(String(response.body ?? ''), response.statusCode).code
            : 'network';
          if (failureKindOf(code) !== 'transient') return 0;
          return retryDelayMs * 2 ** (attemptCount - 1) * (0.8 + Math.random() * 0.4);
        },
      },
    });
  }

  /**
   * `POST /{phone-number-id}/messages` with a message body; resolves with Meta's wamid and when Meta's
   * answer began to arrive (Meta counted the message before then: what throughput pacing needs).
   */
  async sendMessage(
    credentials: GraphCredentials,
    body: Record<string, unknown>,
  ): Promise<{ wamid: string; answeredAt: number }> {
    const { data, answeredAt } = await this.#timedJson(
      'send_message',
      credentials,
      'POST',
      `${credentials.phoneNumberId}/messages`,
      SendMessageResponse,
      { json: body },
    );
    return { wamid: data.messages[0]!.id, answeredAt };
  }

  /** Marks a received message (and the ones before it) read; with `typing`, shows "typing…" too. */
  async markRead(credentials: GraphCredentials, wamid: string, typing: boolean): Promise<void> {
    await this.#json(
      'mark_read',
      credentials,
      'POST',
      `${credentials.phoneNumberId}/messages`,
      SuccessResponse,
      {
        json: {
          messaging_product: 'whatsapp',
          status: 'read',
          message_id: wamid,
          ...(typing ? { typing_indicator: { type: 'text' } } : {}),
        },
      },
    );
  }

  /** Uploads a file for sending (multipart, as Meta documents); resolves with Meta's media id. */
  async uploadMedia(
    credentials: GraphCredentials,
    file: { data: Uint8Array; mimeType: string; fileName: string },
  ): Promise<string> {
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', file.mimeType);
    form.set('file', new Blob([file.data], { type: file.mimeType }), file.fileName);
    const { id } = await this.#json(
      'upload_media',
      credentials,
      'POST',
      `${credentials.phoneNumberId}/media`,
      MediaUploadResponse,
      {
        body: form,
      },
    );
    return id;
  }

  /** `GET /{media-id}`: the short-lived download URL and what Meta knows of the file. */
  mediaInfo(credentials: GraphCredentials, mediaId: string): Promise<MediaInfoBody> {
    return this.#json('get_media', credentials, 'GET', encodeURIComponent(mediaId), MediaInfo, {
      searchParams: { phone_number_id: credentials.phoneNumberId },
    });
  }

  /**
   * Downloads media from the URL `mediaInfo` gave, with the bearer token Meta requires (callers check
   * `file_size` against the limit first; the body is checked again here).
   */
  async downloadMedia(credentials: GraphCredentials, url: string): Promise<Buffer> {
    const response = await this.#call('download_media', () =>
      this.#got(url, {
        method: 'GET',
        headers: { authorization: `Bearer ${credentials.accessToken}` },
        responseType: 'buffer',
      }),
    );
    if (!response.ok) throw graphErrorOf(response.body.toString('utf8'), response.statusCode);
    if (response.body.byteLength > this.#maxMediaBytes) {
      throw new GraphApiError(
        'invalid_response',
        `the media is ${response.body.byteLength} bytes, more than allowed`,
      );
    }
    return response.body;
  }

  /** `GET /{phone-number-id}` with the fields the bridge tracks. */
  phoneNumber(credentials: GraphCredentials): Promise<PhoneNumberFacts> {
    return this.#json('get_phone_number', credentials, 'GET', credentials.phoneNumberId, PhoneNumberFacts, {
      searchParams: { fields: PHONE_NUMBER_FIELDS },
    });
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  async #json<S extends z.ZodType>(
    operation: GraphOperation,
    credentials: GraphCredentials,
    method: Method,
    path: string,
    schema: S,
    options: JsonRequestOptions,
  ): Promise<z.infer<S>> {
    return (await this.#timedJson(operation, credentials, method, path, schema, options)).data;
  }

  /** A JSON request, its parsed answer, and when the answer's first byte arrived. */
  async #timedJson<S extends z.ZodType>(
    operation: GraphOperation,
    credentials: GraphCredentials,
    method: Method,
    path: string,
    schema: S,
    options: JsonRequestOptions,
  ): Promise<{ data: z.infer<S>; answeredAt: number }> {
    const url = `${this.#baseUrl}/${credentials.apiVersion}/${path}`;
    const response = await this.#call(operation, () =>
      this.#got(url, {
        method,
        headers: { authorization: `Bearer ${credentials.accessToken}` },
        json: options.json,
        body: options.body,
        searchParams: options.searchParams,
        responseType: 'text',
      }),
    );
    if (!response.ok) throw graphErrorOf(response.body, response.statusCode);
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new GraphApiError(
        'invalid_response',
        `the Graph API answered ${operation} with an unexpected body`,
        {
          httpStatus: response.statusCode,
        },
      );
    }
    return { data: parsed.data, answeredAt: response.timings.response ?? Date.now() };
  }

  /** Runs a request, turning network failures into `GraphApiError` and counting the outcome. */
  async #call<T extends Response<unknown>>(operation: GraphOperation, request: () => Promise<T>): Promise<T> {
    const stopTimer = this.#seconds?.startTimer({ operation });
    try {
      const response = await request();
      this.#requests?.inc({
        operation,
        outcome: response.ok ? 'ok' : String(graphErrorOf(String(response.body), response.statusCode).code),
      });
      return response;
    } catch (error) {
      if (error instanceof GraphApiError) throw error;
      this.#requests?.inc({ operation, outcome: 'network' });
      throw new GraphApiError(
        'network',
        `the Graph API could not be reached (${(error as Error).message})`,
        {},
      );
    } finally {
      stopTimer?.();
    }
  }
}
