import { encodeFrame } from '../protocol/frame-encoder.js';
import { Opcode } from '../protocol/opcodes.js';
import type { SendData } from '../server/payload.js';

/**
 * One published message, framed once (RFC 6455 §5.2: a server frame is unmasked, so the same
 * bytes are valid on every connection) and shared by every subscriber: each socket writes these
 * buffers as they are, with no copy, closure or promise of its own.
 */
export class PublishedMessage {
  /** The frame: header and payload merged (small payloads) or apart, as `encodeFrame` returns. */
  readonly frame: readonly Buffer[];
  /** Bytes on the wire, counted against each subscriber's `maxBufferedAmount`. */
  readonly size: number;
  /** The payload for a socket that cannot take the shared frame and sends its own. */
  readonly payload: Uint8Array | string;
  readonly binary: boolean;
  /** What the publisher passed, for the `'drop'` event. */
  readonly data: SendData;

  constructor(data: SendData, payload: Uint8Array | string, binary: boolean) {
    this.data = data;
    this.payload = payload;
    this.binary = binary;
    this.frame = encodeFrame(binary ? Opcode.Binary : Opcode.Text, payload, {
      fin: true,
      rsv: 0,
      mask: false,
    });
    let size = 0;
    for (const part of this.frame) size += part.length;
    this.size = size;
  }

  /** The payload's bytes, a view into the frame (a text payload is encoded there once). */
  payloadBytes(): Buffer {
    const last = this.frame[this.frame.length - 1]!;
    if (this.frame.length > 1) return last;
    const length = last.length;
    // The header is 2, 4 or 10 bytes (RFC 6455 §5.2: 7-, 16- or 64-bit length).
    const second = last[1]! & 0x7f;
    const header = second < 126 ? 2 : second === 126 ? 4 : 10;
    return last.subarray(header, length);
  }
}
