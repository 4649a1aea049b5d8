export { WebhookDispatcherConfig } from './config';
export { webhookDispatcher } from './service';
