import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { ExpectedError } from './errors';

export interface LocalNatsServer {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

export interface SpawnNatsServerOptions {
  /** JetStream store directory; created when missing. */
  storeDir: string;
  /** Client port; -1 (the default) lets the server pick a free one. */
  port?: number;
  /** Binary to run. Default `nats-server` from the PATH. */
  binary?: string;
  /** A configuration file (e.g. subject mappings); flags still set host, port and JetStream. */
  configFile?: string;
  /** How long to wait for "ready". Default 10 s. */
  startTimeoutMs?: number;
}

/**
 * Starts a `nats-server` with JetStream bound to 127.0.0.1 and resolves with its URL once it
 * accepts clients. A missing binary is an `ExpectedError` that says how to get one.
 *
 * @example
 * const server = await spawnNatsServer({ storeDir: './data/nats' });
 * // … later
 * await server.stop();
 */
export function spawnNatsServer(options: SpawnNatsServerOptions): Promise<LocalNatsServer> {
  mkdirSync(options.storeDir, { recursive: true });
  const args = ['-a', '127.0.0.1', '-p', String(options.port ?? -1), '-js', '-sd', options.storeDir];
  if (options.configFile) args.unshift('-c', options.configFile);
  const binary = options.binary ?? 'nats-server';
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ExpectedError(`nats-server did not become ready in time; its output: ${log.slice(-500)}`));
    }, options.startTimeoutMs ?? 10_000);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new ExpectedError(
              `${binary} is not on the PATH; install it (Debian: apt-get install nats-server; or https://github.com/nats-io/nats-server/releases) or set NATS_URL to a running server`,
            )
          : error,
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new ExpectedError(`nats-server exited with code ${code}: ${log.slice(-500)}`));
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (log.length < 20_000) log += chunk;
      const match = /Listening for client connections on [^\s]*:(\d+)/.exec(log);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stderr!.removeAllListeners('data');
      child.stderr!.resume();
      const port = Number(match[1]);
      resolve({
        url: `nats://127.0.0.1:${port}`,
        port,
        process: child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
