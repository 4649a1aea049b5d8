const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON bytes of a value, as every message of the product is encoded. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** The value of JSON bytes; throws a SyntaxError on malformed input. */
export function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes));
}
