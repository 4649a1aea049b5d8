/** The 4-byte intro every client sends before its first frame: "WA", protocol 6, dictionary 2. */
const WA_INTRO = Buffer.from([87, 65, 6, 2]);
/** Largest frame the 3-byte length prefix can describe. */
export const MAX_FRAME_BYTES = 0xffffff;

/** Raised for bytes that cannot be the start of a WhatsApp stream; the socket is then closed. */
export class MalformedStreamError extends Error {
  override readonly name = 'MalformedStreamError';
}

/**
 * Splits the client's byte stream into frames: an intro (`WA\x06\x02`, or an `ED` edge-routing block
 * followed by it) once, then 3-byte big-endian length prefixed frames.
 */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);
  private introDone = false;

  /** Adds received bytes and returns every complete frame they finish. */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    if (!this.introDone && !this.consumeIntro()) {
      return [];
    }
    const frames: Buffer[] = [];
    while (this.buffered.length >= 3) {
      const size = (this.buffered[0]! << 16) | this.buffered.readUInt16BE(1);
      if (this.buffered.length < size + 3) {
        break;
      }
      frames.push(this.buffered.subarray(3, size + 3));
      this.buffered = this.buffered.subarray(size + 3);
    }
    return frames;
  }

  private consumeIntro(): boolean {
    const bytes = this.buffered;
    if (bytes.length < 4) {
      return false;
    }
    let offset = 0;
    if (bytes[0] === 0x45 && bytes[1] === 0x44) {
      // "ED" edge routing header: ED, 0, 1, 3-byte length, routing info, then the WA intro.
      if (bytes.length < 7) {
        return false;
      }
      const routingLength = (bytes[4]! << 16) | bytes.readUInt16BE(5);
      offset = 7 + routingLength;
      if (bytes.length < offset + 4) {
        return false;
      }
    }
    if (!bytes.subarray(offset, offset + 4).equals(WA_INTRO)) {
      throw new MalformedStreamError('stream does not start with the WhatsApp intro');
    }
    this.buffered = bytes.subarray(offset + 4);
    this.introDone = true;
    return true;
  }
}

/** Prefixes a server frame with its 3-byte length (the server sends no intro). */
export const encodeFrame = (payload: Uint8Array): Buffer => {
  if (payload.length > MAX_FRAME_BYTES) {
    throw new RangeError(`frame of ${payload.length} bytes exceeds the 3-byte length prefix`);
  }
  const frame = Buffer.alloc(3 + payload.length);
  frame.writeUInt8(payload.length >> 16, 0);
  frame.writeUInt16BE(payload.length & 0xffff, 1);
  frame.set(payload, 3);
  return frame;
};

/** The intro bytes, mixed into the Noise prologue by both sides. */
export const NOISE_PROLOGUE = WA_INTRO;
