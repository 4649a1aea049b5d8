import { runMain } from '@wagate/runtime';
import { hostServices } from '@wagate/service-host';
import { apiGateway } from './service';

runMain(() => hostServices([apiGateway]));
