import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@wagate/testing';

const require = createRequire(import.meta.url);
const LAUNCHER = resolve(fileURLToPath(new URL('.', import.meta.url)), 'main.ts');

/** Runs the launcher to its exit and returns its code and output. */
function runLauncher(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wagate-launcher-'));
  const child = spawn(process.execPath, ['--import', require.resolve('tsx/esm'), LAUNCHER, ...args], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((done) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      rmSync(dataDir, { recursive: true, force: true });
      done({ code, stderr, stdout });
    }),
  );
}

/** The expected-error contract: exit ≠ 0, exactly one line on stderr, no stack trace. */
function expectOneLine(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('launcher', () => {
  test('an invalid port is one line naming PORT', async () => {
    expectOneLine(
      await runLauncher([], { PORT: 'abc' }),
      /^error: invalid configuration: PORT: must be a number \(got "abc"\)$/,
    );
    expectOneLine(
      await runLauncher([], { PORT: '70000' }),
      /PORT: must be an integer in \[0, 65535\] \(got "70000"\)/,
    );
  });

  test('a wrong DATABASE_URL is one line naming the database, without its password', async () => {
    const result = await runLauncher([], { DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:1/wagate' });
    expectOneLine(
      result,
      /^error: cannot connect to the database at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/wagate/,
    );
    expect(result.stderr).not.toContain('hunter2');
    expectOneLine(
      await runLauncher([], { DATABASE_URL: 'mysql://x@y/z' }),
      /DATABASE_URL: must be a postgres or postgresql URL/,
    );
  });

  test('an unreachable NATS is one line naming the URL and what to do', async ({ database }) => {
    expectOneLine(
      await runLauncher(['--target=session-worker'], {
        DATABASE_URL: database.url,
        NATS_URL: 'nats://127.0.0.1:1',
        ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      }),
      /^error: cannot reach NATS at nats:\/\/127\.0\.0\.1:1 .*start nats-server with JetStream \(-js\) or set NATS_URL$/,
    );
  });

  test('one service without DATABASE_URL, and an unknown target, are refused clearly', async () => {
    expectOneLine(
      await runLauncher(['--target=webhook-dispatcher'], {}),
      /DATABASE_URL: required when running one service/,
    );
    expectOneLine(await runLauncher(['--target=mailer'], {}), /--target: unknown service "mailer"/);
  });
});
