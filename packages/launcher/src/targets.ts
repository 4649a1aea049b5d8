import { apiGateway } from '@wagate/api-gateway';
import { cloudApiBridge } from '@wagate/cloud-api-bridge';
import { ConfigError } from '@wagate/runtime';
import type { ServiceModule } from '@wagate/service-host';
import { sessionWorker } from '@wagate/session-worker';
import { webhookDispatcher } from '@wagate/webhook-dispatcher';

/** Every service, in start order (the gateway last, so it takes requests once the rest runs). */
export const SERVICES: ServiceModule[] = [sessionWorker, webhookDispatcher, cloudApiBridge, apiGateway];

export const USAGE = `usage: wagate [--target=all|${SERVICES.map((service) => service.name).join('|')}]

  --target=all        every service in one process (monolithic mode; the default)
  --target=<service>  one service, as Kubernetes runs them (needs DATABASE_URL and NATS)

Configuration comes from environment variables; see README.md.`;

/**
 * The services a command line asks for: `--target=<name>` or `--target <name>`, default all.
 *
 * @example
 * servicesFor(['--target=api-gateway']); // [apiGateway]
 */
export function servicesFor(argv: readonly string[]): ServiceModule[] {
  let target = 'all';
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg.startsWith('--target=')) target = arg.slice('--target='.length);
    else if (arg === '--target') {
      target = argv[index + 1] ?? '';
      index += 1;
    } else throw new ConfigError([`unknown argument "${arg}"\n${USAGE}`]);
  }
  if (target === 'all') return SERVICES;
  const service = SERVICES.find((candidate) => candidate.name === target);
  if (!service) {
    throw new ConfigError([
      `--target: unknown service "${target}"; choose all, ${SERVICES.map((s) => s.name).join(', ')}`,
    ]);
  }
  return [service];
}
