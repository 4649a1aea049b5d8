import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a sink received. */
export interface SinkRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The exact bytes received, for signature checks. */
  body: Buffer;
  receivedAt: number;
}

export interface HttpSink {
  readonly url: string;
  readonly requests: SinkRequest[];
  /** Decides each answer; default 200 with an empty body. */
  respondWith(
    responder: (
      request: SinkRequest,
    ) =>
      | { status: number; body?: string; headers?: Record<string, string> }
      | Promise<{ status: number; body?: string; headers?: Record<string, string> }>,
  ): void;
  close(): Promise<void>;
}

/**
 * A real HTTP receiver on 127.0.0.1 that records every request, for webhook tests.
 *
 * @example
 * const sink = await startHttpSink();
 * await waitFor(() => sink.requests.length > 0);
 */
export function startHttpSink(): Promise<HttpSink> {
  const requests: SinkRequest[] = [];
  let responder: Parameters<HttpSink['respondWith']>[0] = () => ({ status: 200 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const request: SinkRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
        receivedAt: Date.now(),
      };
      requests.push(request);
      try {
        const answer = await responder(request);
        res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      } catch {
        res.destroy();
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        respondWith: (next) => {
          responder = next;
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
