import type { DeflateCodec, DeflateResult } from '../extensions/deflate-codec.js';
import { encodeFrame, type FrameAllocator } from './frame-encoder.js';
import { isControlOpcode } from './opcodes.js';
import type { EngineSink } from './types.js';

const EMPTY = Buffer.alloc(0);

/** RFC 7692 §6: the "Per-Message Compressed" bit, RSV1, as a 3-bit RSV value. */
export const RSV1 = 0b100;

interface PendingFrame {
  readonly opcode: number;
  readonly data: Uint8Array | string;
  readonly size: number;
  readonly fin: boolean;
  /** The payload goes through the compressor first. */
  readonly compress: boolean;
  readonly rsv: number;
  readonly call: number | undefined;
  /** A frame encoded elsewhere (`sendEncoded`), written as it is; `data` is then unused. */
  readonly encoded: readonly Buffer[] | null;
}

/**
 * Writes the engine's frames to its sink, in order. A frame whose payload is compressed goes to
 * zlib asynchronously; it and every frame sent after it, control frames included, wait in a
 * queue until it is written, so frames leave in the order they were sent (RFC 6455 §5.4: the
 * frames of a message, and messages, must not be reordered). Without a frame to compress the
 * queue stays empty and every frame is written from the call that sent it.
 */
export class FrameSender {
  /** The number of the latest caller's send, ping, pong or close (see `EngineSink.onWrite`). */
  calls = 0;
  /** Frames waiting behind a deflate; made for the first frame to compress. */
  private queue: PendingFrame[] | null = null;
  private queued = 0;
  /** A client's sink that lends frame buffers (`EngineSink.allocFrame`). */
  private readonly frames: FrameAllocator | undefined;

  /**
   * `afterDeflate` is called after frames were written from a zlib completion, with `error` when
   * zlib failed; it is needed, and given, only with a codec.
   */
  constructor(
    private readonly sink: EngineSink,
    private readonly mask: boolean,
    private readonly codec: DeflateCodec | null,
    private readonly afterDeflate: ((error: string | null) => void) | null,
  ) {
    this.frames =
      mask && sink.allocFrame !== undefined ? (sink as EngineSink & FrameAllocator) : undefined;
  }

  /** True while frames wait behind one being compressed. */
  get busy(): boolean {
    return this.queue !== null && this.queue.length > 0;
  }

  /** Payload bytes waiting to be compressed or written. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Writes one frame, or queues it behind those being compressed. */
  send(
    opcode: number,
    data: Uint8Array | string,
    fin: boolean,
    rsv: number,
    compress: boolean,
    call: number | undefined,
  ): void {
    if (!compress && !this.busy) {
      this.write(opcode, data, fin, rsv, call);
      return;
    }
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.push({ opcode, data, size, fin, compress, rsv, call, encoded: null });
  }

  /**
   * Writes one complete data frame encoded elsewhere (a publish), as it is, or queues it behind
   * the frames being compressed.
   */
  sendEncoded(frame: readonly Buffer[]): void {
    if (this.queue === null || this.queue.length === 0) {
      for (const part of frame) this.sink.onWrite(part);
      return;
    }
    let size = 0;
    for (const part of frame) size += part.length;
    const opcode = frame[0]![0]! & 0x0f;
    this.push({
      opcode,
      data: EMPTY,
      size,
      fin: true,
      compress: false,
      rsv: 0,
      call: undefined,
      encoded: frame,
    });
  }

  private push(frame: PendingFrame): void {
    const queue = (this.queue ??= []);
    queue.push(frame);
    this.queued += frame.size;
    if (queue.length === 1) this.pump();
  }

  /**
   * Drops the data frames waiting (and the one being compressed: the caller has closed the
   * codec) and writes the control frames among them, in order. Used when the connection fails
   * (RFC 6455 §7.1.7): nothing but the Close frame and what came before it goes out.
   */
  dropData(): void {
    if (this.queue === null) return;
    const control = this.queue.filter((frame) => isControlOpcode(frame.opcode));
    this.queue.length = 0;
    this.queued = 0;
    for (const frame of control) this.write(frame.opcode, frame.data, frame.fin, 0, frame.call);
  }

  /** Writes queued frames up to the next one to compress, which it hands to zlib. */
  private pump(): void {
    const queue = this.queue!;
    while (queue.length > 0) {
      const frame = queue[0]!;
      if (frame.compress) {
        this.codec!.compress(frame.data, frame.fin, (result) => this.deflated(frame, result));
        return;
      }
      queue.shift();
      this.queued -= frame.size;
      if (frame.encoded !== null) {
        for (const part of frame.encoded) this.sink.onWrite(part);
      } else {
        this.write(frame.opcode, frame.data, frame.fin, frame.rsv, frame.call);
      }
    }
  }

  private deflated(frame: PendingFrame, result: DeflateResult): void {
    const queue = this.queue!;
    if (queue[0] !== frame) return; // dropped meanwhile
    queue.shift();
    this.queued -= frame.size;
    // On failure the connection fails, which drops the data frames still waiting.
    if (result.ok) {
      this.write(frame.opcode, result.data, frame.fin, frame.rsv, frame.call);
      this.pump();
    }
    this.afterDeflate!(result.ok ? null : result.message);
  }

  private write(
    opcode: number,
    data: Uint8Array | string,
    fin: boolean,
    rsv: number,
    call: number | undefined,
  ): void {
    const frame = encodeFrame(opcode, data, { fin, rsv, mask: this.mask, frames: this.frames });
    if (frame.length > 1) {
      this.sink.onWrite(frame[0]!);
      this.sink.onWrite(frame[1]!, call);
    } else {
      this.sink.onWrite(frame[0]!, call);
    }
  }
}
