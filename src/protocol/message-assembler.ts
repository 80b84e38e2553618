import type { DeflateCodec, InflateResult } from '../extensions/deflate-codec.js';
import { ChunkList } from './chunk-list.js';
import { ProtocolError } from './errors.js';
import { Opcode } from './opcodes.js';
import { isValidUtf8, Utf8Validator } from './utf8.js';

const EMPTY = Buffer.alloc(0);

/**
 * A message in one frame of at most this many bytes whose payload spans reads is gathered into
 * its own buffer as it arrives (`bufferFor`). Larger ones are joined at their end: a buffer made
 * at the header would let a peer reserve the whole limit with a few bytes; they are copied into
 * one buffer from the moment half of them has arrived (`ChunkList.expect`).
 */
const GATHER_LIMIT = 256 * 1024;

/** What the assembler reports to the engine that owns it. */
export interface AssemblerHost {
  /** A complete message; text holds valid UTF-8. */
  deliver(data: Buffer, binary: boolean): void;
  /** The message broke the protocol: the connection fails with `error` (RFC 6455 §7.1.7). */
  violation(error: ProtocolError): void;
  /** A frame went to zlib: hold all further input until `inflated`. */
  inflating(): void;
  /** zlib gave the frame back (and the message, if it ended, was delivered or failed). */
  inflated(): void;
}

/**
 * The receive side of data messages: fragments joined in order (RFC 6455 §5.4), the message
 * limit checked before any payload is buffered, text checked as UTF-8 (§8.1, fragment by fragment
 * when the message is fragmented), and compressed messages inflated frame by frame (RFC 7692
 * §7.2.2). Control frames and the frame rules that do not depend on the message stay in
 * `Connection`.
 */
export class MessageAssembler {
  private readonly host: AssemblerHost;
  private readonly maxPayload: number;
  /** The wire limit of a compressed message: maxPayload plus DEFLATE's worst-case growth. */
  private readonly maxCompressedPayload: number;
  private readonly codec: DeflateCodec | null;

  /** The message's opcode (Text or Binary) while one is being received, else 0. */
  private opcode = 0;
  /** Wire bytes of the message so far, its current frame included. */
  private length = 0;
  /** The message is this one uncompressed frame. */
  private single = false;
  /** Made for the first message: an idle connection has none. */
  private parts: ChunkList | null = null;
  /** Set while a fragmented text message is checked fragment by fragment (§8.1). */
  private incrementalUtf8 = false;
  /** Made for the first fragmented text message. */
  private utf8: Utf8Validator | null = null;
  // A compressed message (RSV1 on its first frame): its frames' payloads, inflated one by one.
  private compressed = false;
  private inflatedLength = 0;
  /** Made for the first compressed frame. */
  private compressedFrame: ChunkList | null = null;
  /** A frame is in zlib. */
  private inZlib = false;

  constructor(host: AssemblerHost, maxPayload: number, codec: DeflateCodec | null) {
    this.host = host;
    this.maxPayload = maxPayload;
    // Incompressible data grows by 5 bytes per 64 KiB stored block, and each fragment may add a
    // 5-byte sync-flush marker: 1/1024 plus 1 KiB covers both.
    this.maxCompressedPayload = maxPayload + Math.ceil(maxPayload / 1024) + 1024;
    this.codec = codec;
  }

  /** True while a frame is in zlib. */
  get busy(): boolean {
    return this.inZlib;
  }

  /**
   * A data frame's header (its RSV bits already checked): the rules of §5.4 and the size limit.
   * Returns the error that fails the connection, or null to go on.
   */
  startFrame(fin: boolean, rsv: number, opcode: number, length: number): ProtocolError | null {
    if (opcode === Opcode.Continuation) {
      // §5.4: a continuation must continue something.
      if (this.opcode === 0)
        return new ProtocolError(
          1002,
          'WS_ERR_UNEXPECTED_CONTINUATION',
          'continuation frame without a message to continue',
        );
    } else {
      // §5.4: a new data frame may not interrupt a fragmented message.
      if (this.opcode !== 0)
        return new ProtocolError(
          1002,
          'WS_ERR_EXPECTED_CONTINUATION',
          'new data frame inside a fragmented message',
        );
      this.opcode = opcode;
      this.length = 0;
      this.compressed = rsv !== 0;
      this.inflatedLength = 0;
      this.single = fin && rsv === 0;
      this.incrementalUtf8 = opcode === Opcode.Text && !fin;
      if (this.incrementalUtf8) (this.utf8 ??= new Utf8Validator()).reset();
    }
    // The limit applies before any payload byte is buffered, across all fragments; the inflated
    // size of a compressed message is checked again as zlib produces it.
    const limit = this.compressed ? this.maxCompressedPayload : this.maxPayload;
    if (length > limit - this.length) return this.tooBig('');
    this.length += length;
    if (this.single && length > GATHER_LIMIT) (this.parts ??= new ChunkList()).expect(length);
    return null;
  }

  /**
   * The current frame's payload spans reads: a buffer to gather it in when the frame is the
   * whole message (then it is the message, with no join), else null.
   */
  bufferFor(length: number): Buffer | null {
    return this.single && length <= GATHER_LIMIT ? Buffer.allocUnsafe(length) : null;
  }

  /** A piece of the current data frame's payload (unmasked). */
  data(piece: Buffer): void {
    if (this.compressed) (this.compressedFrame ??= new ChunkList()).push(piece);
    else this.accept(piece);
  }

  /** The current data frame ended; `fin` ends the message. */
  endFrame(fin: boolean): void {
    if (this.compressed) this.inflate(fin);
    else if (fin) this.end();
  }

  /** Input stops (a Close frame, the end of input, a failure): what was gathered is dropped. */
  reset(): void {
    this.parts?.reset();
    this.compressedFrame?.reset();
  }

  /** The connection failed and closed its codec: a frame in zlib never comes back. */
  abandon(): void {
    this.reset();
    this.inZlib = false;
  }

  /** Message bytes, as received or inflated. §8.1: invalid UTF-8 fails as soon as it is proved. */
  private accept(piece: Buffer): boolean {
    if (this.incrementalUtf8 && !this.utf8!.push(piece)) {
      this.host.violation(invalidUtf8());
      return false;
    }
    (this.parts ??= new ChunkList()).push(piece);
    return true;
  }

  private end(): void {
    const data = this.parts === null ? EMPTY : this.parts.take();
    const text = this.opcode === Opcode.Text;
    this.opcode = 0;
    if (text && !(this.incrementalUtf8 ? this.utf8!.complete : isValidUtf8(data))) {
      this.host.violation(invalidUtf8());
      return;
    }
    this.host.deliver(data, !text);
  }

  /** RFC 7692 §7.2.2: hands one frame's payload to zlib; the host holds input until it is back. */
  private inflate(fin: boolean): void {
    this.inZlib = true;
    this.host.inflating();
    const limit = this.maxPayload - this.inflatedLength;
    this.codec!.decompress(this.compressedFrame?.take() ?? EMPTY, fin, limit, (result) =>
      this.afterInflate(result, fin),
    );
  }

  private afterInflate(result: InflateResult, fin: boolean): void {
    this.inZlib = false;
    if (!result.ok) {
      if (result.reason === 'too-big') this.host.violation(this.tooBig(' once inflated'));
      // RFC 7692 names no code for data that does not inflate; it is data inconsistent with
      // the message's (compressed) type, RFC 6455 §7.4.1's 1007, as ws also answers.
      else
        this.host.violation(
          new ProtocolError(
            1007,
            'WS_ERR_INVALID_COMPRESSED_DATA',
            `invalid compressed data: ${result.message}`,
          ),
        );
    } else {
      let ok = true;
      for (const chunk of result.data) {
        this.inflatedLength += chunk.length;
        if (!(ok = this.accept(chunk))) break;
      }
      if (ok && fin) this.end();
    }
    this.host.inflated();
  }

  private tooBig(when: string): ProtocolError {
    return new ProtocolError(
      1009,
      'WS_ERR_MESSAGE_TOO_BIG',
      `message exceeds maxPayload (${this.maxPayload} bytes)${when}`,
    );
  }
}

function invalidUtf8(): ProtocolError {
  return new ProtocolError(1007, 'WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a text message');
}
