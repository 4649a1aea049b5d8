import { describe, expect, type HttpSink, startHttpSink, test } from '@wagate/testing';
import { EgressGuard } from './egress-guard';
import { WebhookHttp, WebhookResponseTooLargeError } from './webhook-http';

/** Runs `body` with a sink and a client whose SSRF guard allows only `allowedHosts`. */
async function withSink(
  allowedHosts: string[],
  body: (sink: HttpSink, http: WebhookHttp) => Promise<void>,
): Promise<void> {
  const sink = await startHttpSink();
  const guard = new EgressGuard({ allowPrivateNetworks: false, allowedHosts });
  const http = new WebhookHttp({ timeoutMs: 300, lookup: guard.lookup, userAgent: 'wagate-webhooks/1.0' });
  try {
    await body(sink, http);
  } finally {
    http.close();
    await sink.close();
  }
}

describe('webhook HTTP client', () => {
  test('posts the exact body with the given headers and returns status, Retry-After and body', async () => {
    await withSink(['127.0.0.1'], async (sink, http) => {
      sink.respondWith(() => ({ status: 429, body: 'slow down', headers: { 'retry-after': '7' } }));
      const body = Buffer.from('{"text":"olá 👋"}');
      const answer = await http.post(
        sink.url,
        { 'content-type': 'application/json', 'x-tenant': 'acme' },
        body,
      );
      expect(answer).toEqual({ statusCode: 429, retryAfter: '7', body: 'slow down' });
      const [request] = sink.requests;
      expect(request!.body.equals(body)).toBe(true);
      expect(request!.headers).toMatchObject({ 'x-tenant': 'acme', 'user-agent': 'wagate-webhooks/1.0' });
    });
  });

  test('never follows a redirect: a 3xx is the answer', async () => {
    await withSink(['127.0.0.1'], async (sink, http) => {
      sink.respondWith(() => ({ status: 302, headers: { location: `${sink.url}/elsewhere` } }));
      expect((await http.post(sink.url, {}, '{}')).statusCode).toBe(302);
      expect(sink.requests).toHaveLength(1);
    });
  });

  test('gives up after the timeout and on answers larger than 64 KiB', async () => {
    await withSink(['127.0.0.1'], async (sink, http) => {
      sink.respondWith(() => new Promise(() => {}));
      const started = Date.now();
      await expect(http.post(sink.url, {}, '{}')).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      sink.respondWith(() => ({ status: 200, body: 'x'.repeat(100_000) }));
      await expect(http.post(sink.url, {}, '{}')).rejects.toBeInstanceOf(WebhookResponseTooLargeError);
    });
  });

  test('resolves host names through the SSRF guard', async () => {
    await withSink([], async (sink, http) => {
      const byName = sink.url.replace('127.0.0.1', 'localhost');
      await expect(http.post(byName, {}, '{}')).rejects.toThrow(/private address/);
      expect(sink.requests).toHaveLength(0);
    });
    await withSink(['localhost'], async (sink, http) => {
      const byName = sink.url.replace('127.0.0.1', 'localhost');
      expect((await http.post(byName, {}, '{}')).statusCode).toBe(200);
    });
  });
});
