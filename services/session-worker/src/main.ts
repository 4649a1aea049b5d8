import { runMain } from '@wagate/runtime';
import { hostServices } from '@wagate/service-host';
import { sessionWorker } from './service';

runMain(() => hostServices([sessionWorker]));
