import { ConfigError, loadConfig } from '@wagate/runtime';
import { describe, expect, test } from 'vitest';
import { CloudApiBridgeConfig } from './config';

describe('cloud bridge configuration', () => {
  test("defaults to Meta's Graph API, its throughput rules and short timeouts", () => {
    const config = loadConfig(CloudApiBridgeConfig, {});
    expect(config).toMatchObject({
      GRAPH_API_URL: 'https://graph.facebook.com',
      GRAPH_TIMEOUT_MS: 15_000,
      GRAPH_RETRY_LIMIT: 2,
      CLOUD_PAIR_BACKOFF_UNIT_MS: 1_000,
      CLOUD_THROUGHPUT_BACKOFF_MS: 1_000,
      CLOUD_REFRESH_INTERVAL_MS: 900_000,
    });
  });

  test('reads every variable from the environment', () => {
    const config = loadConfig(CloudApiBridgeConfig, {
      GRAPH_API_URL: 'http://127.0.0.1:4010',
      GRAPH_RETRY_LIMIT: '0',
      CLOUD_COMMAND_CONCURRENCY: '64',
      CLOUD_PAIR_BACKOFF_UNIT_MS: '50',
      CLOUD_ACCOUNT_CACHE_MS: '0',
    });
    expect(config).toMatchObject({
      GRAPH_API_URL: 'http://127.0.0.1:4010',
      GRAPH_RETRY_LIMIT: 0,
      CLOUD_COMMAND_CONCURRENCY: 64,
      CLOUD_PAIR_BACKOFF_UNIT_MS: 50,
      CLOUD_ACCOUNT_CACHE_MS: 0,
    });
  });

  test('names each wrong variable', () => {
    try {
      loadConfig(CloudApiBridgeConfig, { GRAPH_API_URL: 'ftp://example.com', GRAPH_RETRY_LIMIT: '-1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('GRAPH_API_URL');
      expect(problems).toContain('GRAPH_RETRY_LIMIT');
    }
  });
});
