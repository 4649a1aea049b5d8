import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { ExpectedError } from './errors';

export interface RunningHttpServer {
  readonly port: number;
  readonly url: string;
  /** Stops accepting connections, lets requests in flight finish for `graceMs`, then cuts the rest. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Serves a hono app on host:port and resolves once it listens (port 0 picks a free port).
 *
 * @example
 * const server = await listen(app, { host: '127.0.0.1', port: 3000 });
 * log.info(`listening on ${server.url}`);
 */
export function listen(
  app: Pick<Hono, 'fetch'>,
  options: { host: string; port: number; maxRequestBodyBytes?: number },
): Promise<RunningHttpServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port });
    const onError = (error: NodeJS.ErrnoException) => {
      const where = `${options.host}:${options.port}`;
      if (error.code === 'EADDRINUSE')
        reject(new ExpectedError(`port ${where} is already in use: choose another PORT`));
      else if (error.code === 'EACCES')
        reject(new ExpectedError(`not allowed to listen on ${where}: choose a PORT above 1023`));
      else reject(error);
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        port,
        url: `http://${host}:${port}`,
        close: (graceMs = 5_000) =>
          new Promise<void>((done) => {
            const cut = setTimeout(() => {
              if ('closeAllConnections' in server) server.closeAllConnections();
            }, graceMs);
            cut.unref();
            server.close(() => {
              clearTimeout(cut);
              done();
            });
            if ('closeIdleConnections' in server) server.closeIdleConnections();
          }),
      });
    });
  });
}
