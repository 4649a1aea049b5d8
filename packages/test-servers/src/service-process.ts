import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/** tsx's ESM loader, resolved from this package so child processes need no install of their own. */
const TSX_LOADER = require.resolve('tsx/esm');
const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ServiceProcess {
  readonly name: string;
  readonly process: ChildProcess;
  /** The URL the process logged in its "ready on" line. */
  readonly url: string;
  /** Every log line so far (JSON lines of pino, or plain lines). */
  readonly logs: string[];
  /** Sends a signal and waits for the exit; SIGKILL after `timeoutMs`. Resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** Resolves when the process exits. */
  readonly exited: Promise<number | null>;
}

export interface StartServiceOptions {
  /** A name for messages. */
  name: string;
  /** Entry file, relative to the repository root (e.g. `services/api-gateway/src/main.ts`). */
  entry: string;
  args?: string[];
  /** Extra arguments for Node itself, before the entry (`--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
  env: Record<string, string>;
  /** Default 30 s. */
  readyTimeoutMs?: number;
}

/**
 * Runs a service as its own Node process (as Kubernetes would), with JSON logs, and resolves once
 * it logs that it is ready, with the URL it listens on.
 *
 * @example
 * const gateway = await startServiceProcess({ name: 'gateway', entry: 'services/api-gateway/src/main.ts', env });
 * await fetch(`${gateway.url}/readyz`);
 * await gateway.stop('SIGTERM');
 */
export function startServiceProcess(options: StartServiceOptions): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      '--import',
      TSX_LOADER,
      resolve(REPOSITORY_ROOT, options.entry),
      ...(options.args ?? []),
    ],
    {
      cwd: REPOSITORY_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_FORMAT: 'json', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not become ready; last output:\n${logs.slice(-20).join('\n')}`));
    }, options.readyTimeoutMs ?? 30_000);
    const onLine = (line: string) => {
      logs.push(line);
      const match = /ready on (http:\/\/[^\s"]+)/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolveReady({
        name: options.name,
        process: child,
        url: match[1]!,
        logs,
        exited,
        stop: async (signal = 'SIGTERM', timeoutMs = 30_000) => {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          child.kill(signal);
          const code = await exited;
          clearTimeout(kill);
          return code;
        },
      });
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line) onLine(line);
      });
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${options.name} exited with code ${code} before it was ready:\n${logs.slice(-20).join('\n')}`,
        ),
      );
    });
  });
}
