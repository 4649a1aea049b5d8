import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCi, unavailable } from './environment';

describe('a missing service', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('skips the test outside CI', () => {
    vi.stubEnv('CI', '');
    const skip = vi.fn((note?: string): never => {
      throw new Error(`skipped: ${note}`);
    });
    expect(() => unavailable({ skip }, 'NATS', 'set NATS_URL')).toThrow(
      'skipped: NATS is not available for tests: set NATS_URL',
    );
  });

  it('fails the run with CI=true', () => {
    vi.stubEnv('CI', 'true');
    const skip = vi.fn((): never => {
      throw new Error('must not skip');
    });
    expect(isCi()).toBe(true);
    expect(() => unavailable({ skip }, 'PostgreSQL', 'set DATABASE_URL')).toThrow(
      /CI=true makes this a failure/,
    );
    expect(skip).not.toHaveBeenCalled();
  });
});
