import { existsSync } from 'node:fs';

/** With `CI=true` a missing service fails the run instead of skipping the tests that need it. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/** Whether a Docker engine might answer (a socket or DOCKER_HOST); testcontainers confirms. */
export function dockerMightBeAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/**
 * What to do when a service a test needs is not available: fail under CI, skip otherwise.
 *
 * @example
 * unavailable(context, 'NATS', 'set NATS_URL or install nats-server');
 */
export function unavailable(
  context: { skip: (note?: string) => never },
  service: string,
  hint: string,
): never {
  const message = `${service} is not available for tests: ${hint}`;
  if (isCi()) throw new Error(`${message} (CI=true makes this a failure)`);
  return context.skip(message);
}
