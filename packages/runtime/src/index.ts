export * from './config';
export * from './errors';
export * from './health';
export * from './http-server';
export * from './local-nats-server';
export * from './run-main';
export * from './shutdown';
