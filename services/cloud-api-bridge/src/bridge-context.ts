import type { Bus } from '@wagate/bus';
import type { CloudAccountsRepository, CloudMessagesRepository } from '@wagate/db';
import type { Logger } from '@wagate/observability';
import type { AcceptedSends } from './accepted-sends';
import type { CloudAccountDirectory } from './accounts/account-directory';
import type { AccountFacts } from './accounts/account-facts';
import type { BridgeEvents } from './bridge-events';
import type { GraphClient } from './graph/graph-client';

/**
 * What the bridge's consumers share: NATS, Meta's API, the accounts and their facts, history and the
 * event publisher. Built once by the service.
 */
export interface BridgeContext {
  bus: Bus;
  log: Logger;
  graph: GraphClient;
  directory: CloudAccountDirectory;
  accounts: CloudAccountsRepository;
  messages: CloudMessagesRepository;
  facts: AccountFacts;
  events: BridgeEvents;
  accepted: AcceptedSends;
}
