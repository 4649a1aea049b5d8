export {
  createScratchDatabase,
  dockerMightBeAvailable,
  type HttpSink,
  isCi,
  type NatsNamespace,
  type ScratchDatabase,
  type ServiceProcess,
  type SinkRequest,
  type StartServiceOptions,
  startHttpSink,
  startServiceProcess,
  waitFor,
} from '@wagate/test-servers';
export { describe, expect, vi } from 'vitest';
export * from './fixtures';
