import { z } from 'zod';
import { ConfigError } from './errors';

const SENSITIVE_NAME = /SECRET|PASSWORD|TOKEN|KEY|CREDENTIAL/i;

/**
 * How a value is shown in a configuration error: never for secrets, and URLs without their
 * password.
 */
function shownValue(name: string, value: unknown): string {
  if (value === undefined) return 'unset';
  if (SENSITIVE_NAME.test(name)) return 'a value that is not shown';
  const text = String(value);
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return `"${url.toString()}"`;
  } catch {
    return `"${text.length > 80 ? `${text.slice(0, 80)}…` : text}"`;
  }
}

/**
 * Parses environment variables with a zod object schema whose keys are the variable names. Every
 * problem is reported at once, each naming its variable, with the value shown unless secret.
 *
 * @example
 * const Config = z.object({ PORT: port.default(3000) });
 * const config = loadConfig(Config, process.env); // throws ConfigError: "PORT: …"
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const input: Record<string, unknown> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = env[name];
    // An empty variable means "unset", as in most shells' `VAR= command`.
    if (value !== undefined && value !== '') input[name] = value;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(config)');
    return `${name}: ${issue.message} (got ${shownValue(name, input[name])})`;
  });
  throw new ConfigError(problems);
}

/** A TCP port from an environment variable (0 picks a free port). */
export const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(0, 'must be an integer in [0, 65535]')
  .max(65_535, 'must be an integer in [0, 65535]');

/** A boolean from an environment variable: true/false, 1/0, yes/no, on/off. */
export const booleanFlag = z.string().transform((value, ctx) => {
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off'].includes(normalized)) return false;
  ctx.addIssue({ code: 'custom', message: 'must be true or false' });
  return z.NEVER;
});

/** A positive integer from an environment variable. */
export const positiveInt = z.coerce
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .positive('must be positive');

/** A URL with one of the given protocols. */
export function urlWith(...protocols: string[]) {
  return z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `must be a ${protocols.join(' or ')} URL` },
  );
}

/** pino log levels. */
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  error: 'must be one of fatal, error, warn, info, debug, trace, silent',
});
