import { createRequire } from 'node:module';
import type { proto as ProtoNamespace } from '@whiskeysockets/baileys';

/**
 * Baileys' protobuf namespace. Node's ESM loader cannot see `proto` among the named exports of the
 * CommonJS build (it is attached through a protobufjs root), so it is read through `require`.
 */
export const proto: typeof ProtoNamespace = createRequire(import.meta.url)('@whiskeysockets/baileys').proto;
