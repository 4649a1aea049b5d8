export { CloudApiBridgeConfig } from './config';
export { cloudApiBridge } from './service';
