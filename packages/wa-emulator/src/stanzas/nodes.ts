import { type BinaryNode, getBinaryNodeChildren } from '@whiskeysockets/baileys';
import { iqErrorText } from '../state/fault-plan';
import { SERVER_JID } from '../state/jid';

/** Current time as WhatsApp writes it in `t` attributes: unix seconds. */
export const unixSeconds = (): string => Math.floor(Date.now() / 1000).toString();

/** Element children of a node, ignoring text or binary content. */
export const childrenOf = (node: BinaryNode | undefined): BinaryNode[] =>
  Array.isArray(node?.content) ? node.content : [];

export const childrenNamed = getBinaryNodeChildren;

/** `<iq type="result">` answering `request`, from the server or the given address. */
export const iqResult = (request: BinaryNode, content?: BinaryNode[], from = SERVER_JID): BinaryNode => ({
  tag: 'iq',
  attrs: { from, id: request.attrs.id ?? '', type: 'result' },
  ...(content ? { content } : {}),
});

/** `<iq type="error"><error code text/></iq>` answering `request`. */
export const iqError = (request: BinaryNode, code: number, from = SERVER_JID): BinaryNode => ({
  tag: 'iq',
  attrs: { from, id: request.attrs.id ?? '', type: 'error' },
  content: [{ tag: 'error', attrs: { code: code.toString(), text: iqErrorText(code) } }],
});

/** Raised by a handler to answer an iq with an error code instead of a result. */
export class IqRejection extends Error {
  override readonly name = 'IqRejection';
  constructor(
    readonly code: number,
    message = iqErrorText(code),
  ) {
    super(message);
  }
}

/** Bytes of a child's content, for binary children such as `<registration>` or `<value>`. */
export const bytesOf = (node: BinaryNode | undefined): Buffer | undefined => {
  if (!node) {
    return undefined;
  }
  if (node.content instanceof Uint8Array) {
    return Buffer.from(node.content);
  }
  if (typeof node.content === 'string') {
    return Buffer.from(node.content, 'utf-8');
  }
  return undefined;
};

/** Big-endian unsigned integer of up to 4 bytes. */
export const readUInt = (bytes: Uint8Array): number => bytes.reduce((value, byte) => value * 256 + byte, 0);
