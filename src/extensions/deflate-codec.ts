import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  type InflateRaw,
} from 'node:zlib';
import type { Role } from '../protocol/types.js';
import type { NegotiatedDeflate, WindowBits } from './permessage-deflate.js';
import { zlibLimiter } from './zlib-limiter.js';

/** RFC 7692 §7.2.1–§7.2.2: the end of an empty non-final stored block, removed and re-added. */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** §7.2.3.6: the payload of a message that compresses to nothing: an empty stored block. */
const EMPTY_BLOCK = Buffer.from([0x00]);
/**
 * zlib's output granularity. Inflated size is checked per chunk, so a bomb is stopped within
 * 16 KiB of the limit; each live stream also holds one chunk as its output buffer.
 */
const CHUNK_SIZE = 16 * 1024;

export type InflateResult =
  | { readonly ok: true; readonly data: readonly Buffer[] }
  | { readonly ok: false; readonly reason: 'too-big' | 'invalid'; readonly message: string };

export type DeflateResult =
  | { readonly ok: true; readonly data: Buffer }
  | { readonly ok: false; readonly message: string };

interface Operation<R> {
  readonly chunks: Buffer[];
  length: number;
  readonly done: (result: R) => void;
  readonly release: () => void;
}

interface InflateOperation extends Operation<InflateResult> {
  readonly limit: number;
}

interface DeflateOperation extends Operation<DeflateResult> {
  readonly fin: boolean;
}

/**
 * One connection's permessage-deflate transform (RFC 7692 §7.2): zlib contexts created on first
 * use, kept across messages with context takeover and released after each message without it
 * (§7.1.1), every operation queued on the process-wide `zlibLimiter`. Operations of one kind
 * complete in the order they were asked for; after `close` no callback is called.
 */
export class DeflateCodec {
  /** Messages with a smaller payload are sent uncompressed. */
  readonly threshold: number;
  private readonly level: number;
  private readonly memLevel: number;
  private readonly localNoContextTakeover: boolean;
  private readonly remoteNoContextTakeover: boolean;
  private readonly localWindowBits: WindowBits;
  private readonly remoteWindowBits: WindowBits;
  private deflater: DeflateRaw | null = null;
  private inflater: InflateRaw | null = null;
  /** Bytes given to the current inflater: it consumed fewer if its DEFLATE stream ended. */
  private inflaterInput = 0;
  private deflating: DeflateOperation | null = null;
  private inflating: InflateOperation | null = null;
  private closed = false;

  constructor(params: NegotiatedDeflate, role: Role) {
    const server = role === 'server';
    this.threshold = params.threshold;
    this.level = params.level;
    this.memLevel = params.memLevel;
    this.localNoContextTakeover = server
      ? params.serverNoContextTakeover
      : params.clientNoContextTakeover;
    this.remoteNoContextTakeover = server
      ? params.clientNoContextTakeover
      : params.serverNoContextTakeover;
    this.localWindowBits = server ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    this.remoteWindowBits = server ? params.clientMaxWindowBits : params.serverMaxWindowBits;
    if (params.concurrencyLimit !== undefined) zlibLimiter.limit = params.concurrencyLimit;
  }

  /** True while a zlib context is allocated (for tests and memory accounting). */
  get holdsContexts(): boolean {
    return this.deflater !== null || this.inflater !== null;
  }

  /**
   * Compresses the payload of one frame (§7.2.1). On the last frame of a message the trailing
   * `00 00 ff ff` of the sync flush is removed.
   */
  compress(data: Uint8Array | string, fin: boolean, done: (result: DeflateResult) => void): void {
    zlibLimiter.run((release) => {
      if (this.closed) return release();
      const deflater = this.deflater ?? this.createDeflater();
      const op: DeflateOperation = { chunks: [], length: 0, done, release, fin };
      this.deflating = op;
      deflater.write(data);
      deflater.flush(constants.Z_SYNC_FLUSH, () => this.deflated(op));
    });
  }

  /**
   * Decompresses the payload of one frame (§7.2.2): on the last frame of a message `00 00 ff ff`
   * is appended first. Inflation stops as soon as the output passes `limit` bytes.
   */
  decompress(
    data: Buffer,
    fin: boolean,
    limit: number,
    done: (result: InflateResult) => void,
  ): void {
    zlibLimiter.run((release) => {
      if (this.closed) return release();
      const inflater = this.inflater ?? this.createInflater();
      const op: InflateOperation = { chunks: [], length: 0, done, release, limit };
      this.inflating = op;
      inflater.write(data);
      if (fin) inflater.write(TAIL);
      this.inflaterInput += data.length + (fin ? TAIL.length : 0);
      inflater.flush(() => this.inflated(op, fin));
    });
  }

  /** Releases both contexts; operations in flight or queued never call back. */
  close(): void {
    this.closed = true;
    this.dropDeflater();
    this.dropInflater();
    this.deflating?.release();
    this.inflating?.release();
    this.deflating = null;
    this.inflating = null;
  }

  // ---- compression ----

  private createDeflater(): DeflateRaw {
    // zlib cannot compress raw deflate with a 256-byte window: it rejects windowBits 8 since
    // 1.2.9 and Node silently turns it into 9 (madler/zlib#171, nodejs/node#16511). A 9-bit
    // window could reach back further than a peer that agreed on 8 keeps, and answering 9
    // instead is not allowed (RFC 7692 §7.1.2.1: "the same or smaller value"). Z_RLE limits
    // every match distance to 1 byte (zlib manual, deflateInit2), which any window satisfies,
    // so with 8 we compress with 9 bits and run-length matches only.
    const bits = this.localWindowBits;
    const deflater = createDeflateRaw({
      windowBits: bits === 8 ? 9 : bits,
      level: this.level,
      memLevel: this.memLevel,
      strategy: bits === 8 ? constants.Z_RLE : constants.Z_DEFAULT_STRATEGY,
      chunkSize: CHUNK_SIZE,
    });
    deflater.on('data', (chunk: Buffer) => {
      const op = this.deflating;
      if (op === null) return;
      op.chunks.push(chunk);
      op.length += chunk.length;
    });
    deflater.on('error', (error: Error) => {
      this.deflater = null; // zlib closes a stream that failed
      const op = this.deflating;
      if (op !== null) this.settle(op, { ok: false, message: error.message });
    });
    this.deflater = deflater;
    return deflater;
  }

  private deflated(op: DeflateOperation): void {
    if (this.deflating !== op) return;
    let data = op.chunks.length === 1 ? op.chunks[0]! : Buffer.concat(op.chunks, op.length);
    if (op.fin) {
      if (data.length >= 4 && data.subarray(-4).equals(TAIL)) {
        data = data.subarray(0, -4);
      } else if (data.length !== 0) {
        // A sync flush always ends with an empty stored block; anything else is a zlib fault.
        this.dropDeflater();
        this.settle(op, { ok: false, message: 'deflate output lacks the sync flush marker' });
        return;
      }
      if (data.length === 0) data = EMPTY_BLOCK;
      // §7.1.1: without context takeover the next message starts from an empty window.
      if (this.localNoContextTakeover) this.dropDeflater();
    }
    this.settle(op, { ok: true, data });
  }

  private dropDeflater(): void {
    this.deflater?.close();
    this.deflater = null;
  }

  // ---- decompression ----

  private createInflater(): InflateRaw {
    const inflater = createInflateRaw({ windowBits: this.remoteWindowBits, chunkSize: CHUNK_SIZE });
    inflater.on('data', (chunk: Buffer) => {
      const op = this.inflating;
      if (op === null) return;
      op.length += chunk.length;
      if (op.length > op.limit) {
        // Stop at once: a few kilobytes can inflate to gigabytes. Closing from this event is
        // safe: zlib checks for a destroyed stream after each push.
        this.dropInflater();
        this.settle(op, {
          ok: false,
          reason: 'too-big',
          message: `inflated output exceeds ${op.limit} bytes`,
        });
        return;
      }
      op.chunks.push(chunk);
    });
    this.inflaterInput = 0;
    inflater.on('error', (error: Error) => {
      this.inflater = null; // zlib closes a stream that failed
      const op = this.inflating;
      if (op !== null) this.settle(op, { ok: false, reason: 'invalid', message: error.message });
    });
    this.inflater = inflater;
    return inflater;
  }

  private inflated(op: InflateOperation, fin: boolean): void {
    if (this.inflating !== op) return;
    // A block with BFINAL set ends the DEFLATE stream (§7.2.3.4): zlib consumes nothing more,
    // so the next message needs a new stream. Without context takeover the window is not
    // needed after the message (§7.1.1).
    const ended = this.inflater !== null && this.inflater.bytesWritten < this.inflaterInput;
    if (ended || (fin && this.remoteNoContextTakeover)) {
      this.dropInflater();
    }
    this.settle(op, { ok: true, data: op.chunks });
  }

  private dropInflater(): void {
    this.inflater?.close();
    this.inflater = null;
  }

  private settle<R>(op: Operation<R>, result: R): void {
    if (this.deflating === op) this.deflating = null;
    if (this.inflating === op) this.inflating = null;
    op.release();
    op.done(result);
  }
}
