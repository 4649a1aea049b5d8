import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths whose values never reach a log line: credentials, tokens, secrets and message bodies of
 * authentication requests, at any depth pino can express.
 */
export const REDACTED_PATHS = [
  'password',
  'oldPassword',
  'newPassword',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'appSecret',
  'app_secret',
  'verifyToken',
  'verify_token',
  'apiKey',
  'authorization',
  'cookie',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.appSecret',
  '*.app_secret',
  '*.verifyToken',
  '*.verify_token',
  '*.apiKey',
  '*.authorization',
  '*.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'databaseUrl',
  '*.databaseUrl',
];

export interface CreateLoggerOptions {
  /** Name of the service, bound to every line as `service`. */
  service: string;
  /** pino level; `LOG_LEVEL` is the usual source. Default `info`. */
  level?: string;
  /**
   * `pretty` for people (colour, one line per record), `json` for machines. Default: pretty when
   * standard output is a terminal, JSON otherwise (containers, CI, pipes).
   */
  format?: 'pretty' | 'json';
  /** Where JSON lines go; defaults to standard output. Tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
}

/**
 * The one logger of the product: pino, JSON by default, pretty in a terminal, secrets redacted.
 *
 * @example
 * const log = createLogger({ service: 'api-gateway', level: process.env.LOG_LEVEL });
 * log.info({ port: 3000 }, 'listening');
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const base: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (options.destination) return pino(base, options.destination as pino.DestinationStream);
  if (format === 'pretty') {
    return pino({
      ...base,
      formatters: {},
      transport: {
        target: 'pino-pretty',
        options: {
          colorize: true,
          singleLine: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,instance',
        },
      },
    });
  }
  return pino(base);
}
