import type { Bus } from '@wagate/bus';
import type { Topology } from '@wagate/contracts';
import type { Database, SecretBox } from '@wagate/db';
import type { MediaStore } from '@wagate/media-store';
import type { Logger, MetricsRegistry } from '@wagate/observability';

/**
 * What every route module of the gateway receives. A route module is a function
 * `xRoutes(deps: GatewayRouteDeps): OpenAPIHono<GatewayEnv>` in its capability's folder, mounted by
 * `createGatewayApp` after authentication (so `c.get('principal')` is set).
 */
export interface GatewayRouteDeps {
  db: Database;
  bus: Bus;
  topology: Topology;
  secretBox: SecretBox;
  mediaStore: MediaStore;
  log: Logger;
  metrics?: MetricsRegistry;
  /** How long to wait for a session worker or the cloud bridge to answer an RPC. */
  rpcTimeoutMs: number;
}
