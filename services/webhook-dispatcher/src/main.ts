import { runMain } from '@wagate/runtime';
import { hostServices } from '@wagate/service-host';
import { webhookDispatcher } from './service';

runMain(() => hostServices([webhookDispatcher]));
