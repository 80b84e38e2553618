import { deflateMessage } from '../extensions/deflate-codec.js';
import type { DeflateSettings } from '../extensions/zlib-pool.js';
import { encodeFrame } from '../protocol/frame-encoder.js';
import { RSV1 } from '../protocol/frame-sender.js';
import { Opcode } from '../protocol/opcodes.js';
import type { SharedMessage } from '../protocol/types.js';
import type { SendData } from '../server/payload.js';

const UNMASKED_FINAL = { fin: true, rsv: 0, mask: false } as const;
const UNMASKED_FINAL_COMPRESSED = { fin: true, rsv: RSV1, mask: false } as const;

/**
 * One published message, framed once (RFC 6455 §5.2: a server frame is unmasked, so the same
 * bytes are valid on every connection) and shared by every subscriber: each socket writes these
 * buffers as they are, with no copy, closure or promise of its own. Subscribers that compress
 * without context takeover share one compressed frame per compressor configuration, made when
 * the first of them asks for it (`deflated`).
 */
export class PublishedMessage implements SharedMessage {
  /** The frame: header and payload merged (small payloads) or apart, as `encodeFrame` returns. */
  readonly frame: readonly Buffer[];
  /** Bytes of the uncompressed frame, counted against each subscriber's `maxBufferedAmount`. */
  readonly size: number;
  /** The payload's length in bytes. */
  readonly length: number;
  readonly binary: boolean;
  readonly compress: boolean;
  /** What the publisher passed, for the `'drop'` event. */
  readonly data: SendData;
  /** The compressed frame for the first configuration asked for, and for any other. */
  private deflatedWith: DeflateSettings | null = null;
  private deflatedFrame: readonly Buffer[] = [];
  private otherDeflated: Map<DeflateSettings, readonly Buffer[]> | null = null;

  constructor(
    data: SendData,
    payload: Uint8Array | string,
    length: number,
    binary: boolean,
    compress: boolean,
  ) {
    this.data = data;
    this.length = length;
    this.binary = binary;
    this.compress = compress;
    this.frame = encodeFrame(binary ? Opcode.Binary : Opcode.Text, payload, UNMASKED_FINAL);
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

  /**
   * The frame with RSV1 and the payload compressed with `settings` (RFC 7692 §7.2.1), made on
   * the first call for these settings: one zlib pass per configuration and publish, whatever the
   * number of subscribers. Settings are compared by identity (`deflateSettings` gives one object
   * per configuration).
   */
  deflated(settings: DeflateSettings): readonly Buffer[] {
    if (this.deflatedWith === settings) return this.deflatedFrame;
    if (this.deflatedWith === null) {
      this.deflatedWith = settings;
      this.deflatedFrame = this.compressWith(settings);
      return this.deflatedFrame;
    }
    this.otherDeflated ??= new Map();
    let frame = this.otherDeflated.get(settings);
    if (frame === undefined) {
      frame = this.compressWith(settings);
      this.otherDeflated.set(settings, frame);
    }
    return frame;
  }

  private compressWith(settings: DeflateSettings): readonly Buffer[] {
    let compressed: Buffer;
    try {
      compressed = deflateMessage(this.payloadBytes(), settings);
    } catch {
      // RFC 7692 §6: any message may go uncompressed; a zlib fault must not stop a publish.
      return this.frame;
    }
    const opcode = this.binary ? Opcode.Binary : Opcode.Text;
    return encodeFrame(opcode, compressed, UNMASKED_FINAL_COMPRESSED);
  }
}
