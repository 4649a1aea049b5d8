import { runMain } from '@wagate/runtime';
import { hostServices } from '@wagate/service-host';
import { cloudApiBridge } from './service';

runMain(() => hostServices([cloudApiBridge]));
