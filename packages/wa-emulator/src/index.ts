/**
 * A protocol-level WhatsApp server for tests and demos: unmodified Baileys connects to it, pairs
 * (QR or pairing code), chats, joins groups and moves media; emulated phones (device 0) are real
 * Signal participants; faults are injected on demand.
 *
 * @example
 * import { startEmulator, baileysSocketConfig, createMemoryAuthState } from '@wagate/wa-emulator';
 * const emulator = await startEmulator();
 * const phone = emulator.createPhone({ number: '15550001111', pushName: 'Alice' });
 */
export { baileysSocketConfig } from './baileys-config';
export { type EmulatorOptions, type EmulatorStats, startEmulator, WaEmulator } from './emulator';
export type { ProvisionedDevice } from './pairing/provisioning';
export {
  type ChatState,
  type CreatedGroup,
  EmulatedPhone,
  type ParticipantAction,
} from './phone/emulated-phone';
export { createMemoryAuthState, type MemoryAuthState, MemorySignalKeyStore } from './phone/memory-auth-state';
export type { IqMatch } from './state/fault-plan';
export type { SocketRecord } from './state/socket-ledger';
export { BaileysClient, disconnectCode, messageText } from './testing/baileys-client';
