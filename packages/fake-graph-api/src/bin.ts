import { startFakeGraphApi } from './fake-graph-api';
import { standaloneConfig } from './standalone-config';

/**
 * Runs the fake on its own with one sample business, for demos and manual testing:
 * `npx -y pnpm@10 --filter @wagate/fake-graph-api start -- --port 4010 --webhook-url http://…`.
 */
const config = standaloneConfig(process.argv.slice(2), process.env);

/** Meta's documentation ids, so that requests look like its examples. */
const SAMPLE = {
  wabaId: '102290129340398',
  phoneNumberId: '106540352242922',
  displayPhoneNumber: '+1 555-078-3881',
};

const fake = await startFakeGraphApi({
  port: config.port,
  businesses: [
    {
      wabaId: SAMPLE.wabaId,
      name: 'Jaspers Market',
      phoneNumbers: [
        {
          phoneNumberId: SAMPLE.phoneNumberId,
          displayPhoneNumber: SAMPLE.displayPhoneNumber,
          verifiedName: 'Jaspers Market',
        },
      ],
      accessTokens: [config.accessToken],
      webhook:
        config.webhookUrl === undefined
          ? undefined
          : { callbackUrl: config.webhookUrl, appSecret: config.appSecret, verifyToken: config.verifyToken },
      templates: [
        {
          name: 'hello_world',
          language: 'en_US',
          category: 'MARKETING',
          components: [
            { type: 'HEADER', format: 'TEXT', text: 'Hello World' },
            {
              type: 'BODY',
              text: 'Welcome and congratulations!! This message demonstrates your ability to send a message.',
            },
          ],
        },
      ],
    },
  ],
});

// A bin reports to its operator on stdout; the library itself never writes there.
process.stdout.write(
  [
    `fake Graph API listening on ${fake.url}`,
    `  Graph base URL   ${fake.graphUrl('v21.0')}`,
    `  WABA id          ${SAMPLE.wabaId}`,
    `  phone number id  ${SAMPLE.phoneNumberId} (${SAMPLE.displayPhoneNumber})`,
    `  access token     ${config.accessToken}`,
    `  webhook          ${config.webhookUrl === undefined ? 'none (pass --webhook-url)' : `${config.webhookUrl} (app secret ${config.appSecret}, verify token ${config.verifyToken})`}`,
    `  control API      ${fake.url}/_fake`,
    '',
  ].join('\n'),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
