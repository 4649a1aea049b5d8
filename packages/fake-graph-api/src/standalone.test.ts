import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import got from 'got';
import { describe, expect, it } from 'vitest';
import { standaloneConfig } from './standalone-config';

describe('standaloneConfig', () => {
  it('takes flags over environment variables and defaults the rest', () => {
    expect(
      standaloneConfig(['--port', '5001', '--webhook-url', 'http://127.0.0.1:9000/hook'], {
        FAKE_GRAPH_API_PORT: '5000',
        FAKE_GRAPH_API_APP_SECRET: 'from-env',
      }),
    ).toEqual({
      port: 5001,
      accessToken: 'EAAGfakeGraphApiSampleToken',
      webhookUrl: 'http://127.0.0.1:9000/hook',
      appSecret: 'from-env',
      verifyToken: 'fake_verify_token',
    });
  });

  it('skips the -- separator that pnpm hands through', () => {
    expect(standaloneConfig(['--', '--port', '0'], {}).port).toBe(0);
  });

  it('refuses unknown flags and invalid values', () => {
    expect(() => standaloneConfig(['--host', '0.0.0.0'], {})).toThrow();
    expect(() => standaloneConfig([], { FAKE_GRAPH_API_PORT: '70000' })).toThrow();
    expect(() => standaloneConfig(['--webhook-url', 'ftp://x'], {})).toThrow();
  });
});

describe('src/bin.ts', () => {
  it('serves the sample business on the given port, prints address and token, and stops on SIGTERM', async () => {
    const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', bin, '--port', '0', '--access-token', 'EAAGbinTest'],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      let output = '';
      for await (const chunk of child.stdout) {
        output += String(chunk);
        if (output.includes('control API')) break;
      }
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      expect(url).toBeDefined();
      expect(output).toContain('access token     EAAGbinTest');
      const phoneNumber = await got
        .get(`${url}/v21.0/106540352242922`, { headers: { authorization: 'Bearer EAAGbinTest' } })
        .json<{ verified_name: string }>();
      expect(phoneNumber.verified_name).toBe('Jaspers Market');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 20_000);
});
