export * from './environment';
export * from './fixtures';
export * from './http-sink';
export * from './nats';
export * from './postgres';
export * from './service-process';
export * from './wait-for';
