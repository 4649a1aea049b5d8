import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Topology } from '@wagate/contracts';
import { createLogger } from '@wagate/observability';
import { createGatewayApp, type GatewayAppDeps } from '../app';
import { apiTypesSource } from './api-types-source';

// The document does not depend on the services behind the routes, so none are connected.
const unconnected = {} as GatewayAppDeps['db'] & GatewayAppDeps['bus'];
const app = createGatewayApp({
  db: unconnected,
  bus: unconnected,
  topology: new Topology(),
  secretBox: {} as GatewayAppDeps['secretBox'],
  mediaStore: {} as GatewayAppDeps['mediaStore'],
  log: createLogger({ service: 'write-api-types', level: 'silent', format: 'json' }),
  rpcTimeoutMs: 1_000,
  adminKey: 'unused-admin-key-0000',
  maxBodyBytes: 1_048_576,
  shutdownSignal: AbortSignal.abort(),
});
const document = await (await app.request('/openapi.json')).json();
const target = fileURLToPath(new URL('./api-types.ts', import.meta.url));
writeFileSync(target, await apiTypesSource(document));
process.stdout.write(`wrote ${target}\n`);
