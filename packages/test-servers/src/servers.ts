/**
 * The servers and helpers of this package without its vitest fixtures, for scripts that run
 * outside vitest (benchmarks under `test/bench`).
 *
 * @example
 * import { acquireNatsServer, startServiceProcess } from '@wagate/test-servers/servers';
 */
export * from './http-sink';
export * from './nats';
export * from './postgres';
export * from './service-process';
export * from './wait-for';
