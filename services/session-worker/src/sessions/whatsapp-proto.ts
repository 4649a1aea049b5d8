import { createRequire } from 'node:module';
import type { proto as ProtoNamespace } from '@whiskeysockets/baileys';

/**
 * Baileys' protobuf namespace. Node's ESM loader does not see `proto` among the named exports of
 * Baileys' CommonJS build (it hangs off a protobufjs root), so it is read through `require`.
 */
export const proto: typeof ProtoNamespace = createRequire(import.meta.url)('@whiskeysockets/baileys').proto;
