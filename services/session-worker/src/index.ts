export { importAuthState } from './auth/import-auth-state';
export { SessionWorkerConfig } from './config';
export { sessionWorker } from './service';
