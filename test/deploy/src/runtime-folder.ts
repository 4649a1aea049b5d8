import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@wagate/testing';
import { runtimeStage, stageEnvironment } from './dockerfile';
import { REPOSITORY_ROOT } from './manifests';

const run = promisify(execFile);

/** Where the image puts the runtime folder (the Dockerfile's WORKDIR). */
export const IMAGE_APP_DIR = '/app';

/**
 * Runs deploy/package-runtime.sh into `outDir`, without `pnpm install` (the checkout is installed,
 * and other processes use its node_modules).
 */
export async function packageRuntime(outDir: string): Promise<void> {
  await run('bash', [join(REPOSITORY_ROOT, 'deploy/package-runtime.sh'), '--no-install', outDir], {
    cwd: REPOSITORY_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * The environment the image gives its process (the runtime stage's ENV), with the image's paths
 * moved to where the folder and the data directory are here and HOST on loopback, plus `extra`.
 * Nothing of this shell's environment leaks in but PATH.
 */
export function imageEnvironment(
  folder: string,
  dataDir: string,
  extra: Record<string, string>,
): Record<string, string> {
  const image = stageEnvironment(runtimeStage());
  const relocated = Object.fromEntries(
    Object.entries(image).map(([name, value]) => [
      name,
      value.startsWith(`${IMAGE_APP_DIR}/`) ? join(folder, value.slice(IMAGE_APP_DIR.length + 1)) : value,
    ]),
  );
  return { ...relocated, DATA_DIR: dataDir, HOST: '127.0.0.1', PATH: process.env.PATH ?? '', ...extra };
}

/** A process started from the runtime folder. */
export interface RuntimeProcess {
  readonly url: string;
  /** Everything it wrote to standard output and error. */
  output(): string;
  /** SIGTERM, then the exit code (SIGKILL after `timeoutMs`, which fails with code null). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/**
 * Starts `node <script> <args>` in the runtime folder, as the image's ENTRYPOINT does, and
 * resolves once `/readyz` answers 200.
 *
 * @example
 * const wagate = await startRuntime(folder, ['dist/main.js', '--target=all'], env);
 * await wagate.stop(); // 0
 */
export async function startRuntime(
  folder: string,
  command: string[],
  env: Record<string, string>,
): Promise<RuntimeProcess> {
  const port = Number(env.PORT);
  const child: ChildProcess = spawn(process.execPath, command, {
    cwd: folder,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitFor(
        async () => {
          const answer = await fetch(`${url}/readyz`).catch(() => undefined);
          return answer?.status === 200;
        },
        { timeoutMs: 60_000, message: `${command.join(' ')} to answer /readyz` },
      ),
      exited.then((code) => {
        throw new Error(`${command.join(' ')} exited with code ${code} before it was ready`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${output.slice(-3_000)}`);
  }
  return {
    url,
    output: () => output,
    stop: async (timeoutMs = 30_000) => {
      if (child.exitCode !== null) return child.exitCode;
      const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}
