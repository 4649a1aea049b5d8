import type { z } from 'zod';
import { type GraphErrorResponse, whatsAppError } from '../errors/graph-error';
import {
  MetaMarkReadBody,
  MetaSendMessageBody,
  SENDABLE_MESSAGE_TYPES,
  type SendableMessageType,
} from './send-schemas';

type Parsed<T> = { ok: true; value: T } | { ok: false; error: GraphErrorResponse };

/** Meta names parameters like `interactive['action']['buttons'][0]['reply']['title']`. */
function metaParamPath(path: readonly PropertyKey[]): string {
  const [first, ...rest] = path;
  return `${String(first ?? 'body')}${rest.map((key) => (typeof key === 'number' ? `[${key}]` : `['${String(key)}']`)).join('')}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Turns the first schema violation into the error Meta sends for it: 131008 for a missing required
 * parameter, 100 for an unknown parameter or a value of the wrong JSON type, 131009 for a value out
 * of Meta's limits; a rule may name its own code in `params.metaCode`.
 */
function metaErrorOfIssue(issue: z.core.$ZodIssue, raw: unknown): GraphErrorResponse {
  const param = metaParamPath(issue.path);
  if (issue.code === 'custom' && typeof issue.params?.metaCode === 'number') {
    return whatsAppError(issue.params.metaCode, { details: `${param}: ${issue.message}` });
  }
  if (issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined) {
    return whatsAppError(131008, { details: `The parameter ${param} is required.` });
  }
  if (issue.code === 'unrecognized_keys') {
    return whatsAppError(100, {
      details: `Param ${issue.keys.map((key) => metaParamPath([...issue.path, key])).join(', ')} is not a valid parameter.`,
    });
  }
  if (issue.code === 'invalid_type') {
    return whatsAppError(100, { details: `Param ${param} must be a ${issue.expected}.` });
  }
  return whatsAppError(131009, { details: `Param ${param} is not valid: ${issue.message}` });
}

function isSendableType(value: unknown): value is SendableMessageType {
  return SENDABLE_MESSAGE_TYPES.includes(value as SendableMessageType);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a send body as Meta does, including its default `type` of `text`.
 *
 * @example
 * const parsed = parseSendMessageBody({ messaging_product: 'whatsapp', to: '16505551234', text: { body: 'hi' } });
 * if (parsed.ok) parsed.value.type; // 'text'
 */
export function parseSendMessageBody(raw: unknown): Parsed<MetaSendMessageBody> {
  if (!isObject(raw))
    return { ok: false, error: whatsAppError(100, { details: 'The request body must be a JSON object.' }) };
  const type = raw.type ?? 'text';
  if (!isSendableType(type)) {
    return {
      ok: false,
      error: whatsAppError(100, {
        details: `Param type must be one of {${SENDABLE_MESSAGE_TYPES.map((t) => t.toUpperCase()).join(', ')}} - got "${String(type)}".`,
      }),
    };
  }
  const withType = { ...raw, type };
  const result = MetaSendMessageBody.safeParse(withType);
  if (result.success) return { ok: true, value: result.data };
  const [issue] = result.error.issues;
  return { ok: false, error: metaErrorOfIssue(issue!, withType) };
}

/**
 * Checks a mark-as-read (optionally with typing indicator) body.
 *
 * @example
 * parseMarkReadBody({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.…' }).ok; // true
 */
export function parseMarkReadBody(raw: unknown): Parsed<MetaMarkReadBody> {
  const result = MetaMarkReadBody.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const [issue] = result.error.issues;
  return { ok: false, error: metaErrorOfIssue(issue!, raw) };
}

/**
 * Whether a body asks to mark a message read rather than to send one.
 *
 * @example
 * isMarkReadRequest({ status: 'read', message_id: 'wamid.X' }); // true
 */
export function isMarkReadRequest(raw: unknown): boolean {
  return isObject(raw) && raw.status !== undefined;
}
