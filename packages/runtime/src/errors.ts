/**
 * An error the operator can fix without reading code (bad configuration, a dependency that does
 * not answer). `runMain` prints its message as one line, without a stack trace, and exits 1.
 *
 * @example
 * throw new ExpectedError('cannot reach NATS at nats://127.0.0.1:4222: connection refused');
 */
export class ExpectedError extends Error {
  override readonly name: string = 'ExpectedError';
}

/**
 * A configuration value is missing or wrong; the message names the variable.
 *
 * @example
 * throw new ConfigError(['PORT: must be an integer in [0, 65535] (got "abc")']);
 */
export class ConfigError extends ExpectedError {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

/**
 * The message of an unknown thrown value, with the messages of its causes.
 *
 * @example
 * describeError(new Error('a', { cause: new Error('b') })); // 'a: b'
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth += 1) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !parts.includes(message)) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ') || 'unknown error';
}
