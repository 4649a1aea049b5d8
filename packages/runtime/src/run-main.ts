import { describeError, ExpectedError } from './errors';

/**
 * Runs a process entry point. An `ExpectedError` (bad configuration, unreachable dependency) ends
 * the process with one line on standard error and exit code 1, no stack trace; anything else is a
 * bug and is printed with its stack.
 *
 * @example
 * runMain(async () => { const config = loadConfig(Config); await start(config); });
 */
export function runMain(main: () => Promise<unknown>): void {
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      if (error instanceof ExpectedError) {
        process.stderr.write(`error: ${describeError(error)}\n`);
      } else {
        process.stderr.write(
          `fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
      }
      process.exit(1);
    });
}
