import { CloudAccountsRepository, CloudMessagesRepository, MessageHistoryRepository } from '@wagate/db';
import type { ServiceModule } from '@wagate/service-host';
import { AcceptedSends } from './accepted-sends';
import { CloudAccountDirectory } from './accounts/account-directory';
import { AccountFacts } from './accounts/account-facts';
import { serveCloudRpc } from './accounts/account-rpc';
import { startFactsRefresh } from './accounts/facts-refresh';
import type { BridgeContext } from './bridge-context';
import { BridgeEvents } from './bridge-events';
import { CloudApiBridgeConfig } from './config';
import { GraphClient } from './graph/graph-client';
import { InboundMedia } from './inbound/inbound-media';
import { startWebhookProcessor } from './inbound/webhook-processor';
import { startCommandConsumer } from './outbound/command-handler';
import { OutboundMedia } from './outbound/outbound-media';
import { RecipientBackoff, ThroughputPacer } from './outbound/send-pacing';

/**
 * The cloud API bridge: Business Cloud API accounts behind the same commands and events as web
 * accounts. It consumes `cloud-commands` (sends, mark-read, typing) and `cloud-inbound` (Meta's
 * webhooks accepted by the gateway), answers the cloud RPCs (`account.test`) and refreshes every
 * account's quality rating, messaging limit and status.
 *
 * @example
 * runMain(() => hostServices([cloudApiBridge]));
 */
export const cloudApiBridge: ServiceModule<typeof CloudApiBridgeConfig> = {
  name: 'cloud-api-bridge',
  config: CloudApiBridgeConfig,
  start: async (context, config) => {
    const { bus, log } = context;
    const accounts = new CloudAccountsRepository(context.db, context.secretBox, context.topology.partitions);
    const messages = new CloudMessagesRepository(context.db);
    const history = new MessageHistoryRepository(context.db);
    const graph = new GraphClient({
      baseUrl: config.GRAPH_API_URL,
      timeoutMs: config.GRAPH_TIMEOUT_MS,
      retryLimit: config.GRAPH_RETRY_LIMIT,
      retryDelayMs: config.GRAPH_RETRY_DELAY_MS,
      maxMediaBytes: config.CLOUD_MEDIA_MAX_BYTES,
      metrics: context.metrics,
    });
    const directory = new CloudAccountDirectory(accounts, config.CLOUD_ACCOUNT_CACHE_MS);
    const events = new BridgeEvents(bus);
    const facts = new AccountFacts({ graph, accounts, directory, events, log });
    const rpc = serveCloudRpc(bus, facts);
    const shared: BridgeContext = {
      bus,
      log,
      graph,
      directory,
      accounts,
      messages,
      facts,
      events,
      accepted: new AcceptedSends(),
    };
    const commands = startCommandConsumer({
      ...shared,
      media: new OutboundMedia(graph, history, context.mediaStore),
      pacer: new ThroughputPacer({
        firstMs: config.CLOUD_THROUGHPUT_BACKOFF_MS,
        maxMs: config.CLOUD_THROUGHPUT_BACKOFF_MAX_MS,
      }),
      recipients: new RecipientBackoff(config.CLOUD_PAIR_BACKOFF_UNIT_MS),
      concurrency: config.CLOUD_COMMAND_CONCURRENCY,
    });
    const inbound = startWebhookProcessor({
      ...shared,
      media: new InboundMedia({
        graph,
        messages,
        history,
        store: context.mediaStore,
        maxBytes: config.CLOUD_MEDIA_MAX_BYTES,
        log,
      }),
      concurrency: config.CLOUD_INBOUND_CONCURRENCY,
    });
    const refresh = startFactsRefresh({ accounts, facts, intervalMs: config.CLOUD_REFRESH_INTERVAL_MS, log });
    log.info({ graphApi: config.GRAPH_API_URL }, 'cloud API bridge started');
    return {
      stop: async () => {
        await rpc.drain();
        await refresh.stop();
        await Promise.all([commands.stop(), inbound.stop()]);
        graph.close();
      },
    };
  },
};
