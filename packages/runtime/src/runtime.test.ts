import { Writable } from 'node:stream';
import { createLogger } from '@wagate/observability';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { booleanFlag, loadConfig, port, urlWith } from './config';
import { ConfigError, describeError } from './errors';
import { Readiness } from './health';
import { ShutdownSequence } from './shutdown';

const silent = createLogger({ service: 'test', level: 'silent', format: 'json' });

describe('loadConfig', () => {
  const Config = z.object({
    PORT: port.default(3000),
    DEBUG: booleanFlag.default(false),
    DATABASE_URL: urlWith('postgres').optional(),
    API_SECRET: z.string().min(16, 'must be at least 16 characters'),
  });

  it('parses and applies defaults; an empty variable counts as unset', () => {
    expect(loadConfig(Config, { PORT: '', DEBUG: 'yes', API_SECRET: 's'.repeat(16) })).toEqual({
      PORT: 3000,
      DEBUG: true,
      API_SECRET: 's'.repeat(16),
    });
  });

  it('names every wrong variable at once, hides secrets and URL passwords', () => {
    let error: unknown;
    try {
      loadConfig(Config, {
        PORT: 'abc',
        DEBUG: 'maybe',
        DATABASE_URL: 'mysql://u:pw@h/db',
        API_SECRET: 'short',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toEqual([
      'PORT: must be a number (got "abc")',
      'DEBUG: must be true or false (got "maybe")',
      'DATABASE_URL: must be a postgres URL (got "mysql://u:***@h/db")',
      'API_SECRET: must be at least 16 characters (got a value that is not shown)',
    ]);
    expect(message).not.toContain('short');
    expect(message).not.toContain(':pw@');
  });
});

describe('Readiness', () => {
  it('is ready only while every check passes and no shutdown began', async () => {
    let databaseUp = true;
    const readiness = new Readiness([
      {
        name: 'database',
        check: async () => {
          if (!databaseUp) throw new Error('connection refused');
        },
      },
    ]);
    expect(await readiness.report()).toMatchObject({ ready: true });
    databaseUp = false;
    expect(await readiness.report()).toMatchObject({
      ready: false,
      checks: { database: { ok: false, error: 'connection refused' } },
    });
    databaseUp = true;
    readiness.markShuttingDown();
    expect(await readiness.report()).toMatchObject({ ready: false, shuttingDown: true });
  });
});

describe('ShutdownSequence', () => {
  it('runs every step once, in order, even when one fails or hangs', async () => {
    const ran: string[] = [];
    const shutdown = new ShutdownSequence(silent, 50)
      .add('readiness false', () => {
        ran.push('readiness');
      })
      .add('stop services', async () => {
        ran.push('services');
        throw new Error('boom');
      })
      .add('hang', () => new Promise(() => ran.push('hang')))
      .add('drain NATS', () => {
        ran.push('nats');
      });
    await Promise.all([shutdown.run(), shutdown.run()]);
    expect(ran).toEqual(['readiness', 'services', 'hang', 'nats']);
  });
});

describe('logger', () => {
  it('writes JSON lines with secrets redacted', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ service: 'test', destination });
    log.info(
      {
        password: 'hunter2',
        webhook: { secret: 'whsec_x', url: 'https://example.com' },
        authorization: 'Bearer t',
      },
      'hello',
    );
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({
      level: 'info',
      service: 'test',
      msg: 'hello',
      password: '[redacted]',
      authorization: '[redacted]',
    });
    expect(record.webhook).toEqual({ secret: '[redacted]', url: 'https://example.com' });
  });
});

describe('describeError', () => {
  it('joins the messages of causes', () => {
    expect(describeError(new Error('cannot start', { cause: new Error('port in use') }))).toBe(
      'cannot start: port in use',
    );
  });
});
