import { parseArgs } from 'node:util';
import { z } from 'zod';

/** How `src/bin.ts` runs the fake on its own; each value comes from a flag or else the environment. */
const StandaloneConfig = z.object({
  /** TCP port on 127.0.0.1 (`--port`, `FAKE_GRAPH_API_PORT`); 0 picks a free one. */
  port: z.coerce.number().int().min(0).max(65_535).default(4010),
  /** The bearer token the sample business accepts (`--access-token`, `FAKE_GRAPH_API_ACCESS_TOKEN`). */
  accessToken: z.string().min(1).default('EAAGfakeGraphApiSampleToken'),
  /** Where status and inbound webhooks go (`--webhook-url`, `FAKE_GRAPH_API_WEBHOOK_URL`); none if unset. */
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** The app secret that signs webhooks (`--app-secret`, `FAKE_GRAPH_API_APP_SECRET`). */
  appSecret: z.string().min(1).default('fake_app_secret'),
  /** What the handshake sends as `hub.verify_token` (`--verify-token`, `FAKE_GRAPH_API_VERIFY_TOKEN`). */
  verifyToken: z.string().min(1).default('fake_verify_token'),
});
type StandaloneConfig = z.output<typeof StandaloneConfig>;

/**
 * Reads the standalone configuration: flags win over environment variables, defaults fill the rest;
 * unknown flags and invalid values throw.
 *
 * @example
 * standaloneConfig(['--port', '4010'], process.env).port; // 4010
 */
export function standaloneConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): StandaloneConfig {
  // `pnpm start -- --port 1` hands the `--` separator through to the script.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string' },
      'access-token': { type: 'string' },
      'webhook-url': { type: 'string' },
      'app-secret': { type: 'string' },
      'verify-token': { type: 'string' },
    },
  });
  return StandaloneConfig.parse({
    port: values.port ?? env.FAKE_GRAPH_API_PORT,
    accessToken: values['access-token'] ?? env.FAKE_GRAPH_API_ACCESS_TOKEN,
    webhookUrl: values['webhook-url'] ?? env.FAKE_GRAPH_API_WEBHOOK_URL,
    appSecret: values['app-secret'] ?? env.FAKE_GRAPH_API_APP_SECRET,
    verifyToken: values['verify-token'] ?? env.FAKE_GRAPH_API_VERIFY_TOKEN,
  });
}
