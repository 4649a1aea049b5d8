import { type Bus, RpcFailure, type Subscription } from '@wagate/bus';
import { CLOUD_RPC_CATALOG } from '@wagate/contracts';
import type { AccountFacts } from './account-facts';

/** Queue group of the bridge's RPC subscription: one replica answers each call. */
export const CLOUD_RPC_QUEUE = 'cloud-api-bridge';

/**
 * Answers the cloud RPCs (`CLOUD_RPC_CATALOG`) on `wa.rpc.cloud.<accountId>.<op>`: `account.test`
 * checks the credentials with Meta and answers seed 001's test connection.
 *
 * @example
 * const subscription = serveCloudRpc(bus, facts);
 */
export function serveCloudRpc(bus: Bus, facts: AccountFacts): Subscription {
  const { topology } = bus;
  return bus.serve(
    topology.cloudRpcFilter(),
    async ({ subject, payload }) => {
      const routed = topology.parseRoutedSubject(subject);
      if (!routed) throw new RpcFailure('invalid_request', `not a cloud RPC subject: ${subject}`);
      switch (routed.op) {
        case 'account.test': {
          const request = CLOUD_RPC_CATALOG['account.test'].request.safeParse(payload);
          if (!request.success) throw new RpcFailure('invalid_request', 'account.test takes an empty object');
          const result = await facts.test(routed.accountId);
          if (!result)
            throw new RpcFailure('not_found', `cloud account "${routed.accountId}" does not exist`);
          return result;
        }
        default:
          throw new RpcFailure('invalid_request', `the cloud bridge has no RPC "${routed.op}"`);
      }
    },
    { queue: CLOUD_RPC_QUEUE },
  );
}
