import { constants, type DeflateRaw, deflateRawSync, type InflateRaw } from 'node:zlib';
import type { Role } from '../protocol/types.js';
import type { NegotiatedDeflate, WindowBits } from './permessage-deflate.js';
import { zlibLimiter } from './zlib-limiter.js';
import { type DeflateSettings, type PooledStream, type StreamUser, zlibPool } from './zlib-pool.js';

/** RFC 7692 §7.2.1–§7.2.2: the end of an empty non-final stored block, removed and re-added. */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** §7.2.3.6: the payload of a message that compresses to nothing: an empty stored block. */
const EMPTY_BLOCK = Buffer.from([0x00]);

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

/** One frozen object per configuration, shared by every connection that compresses alike. */
const settingsByKey = new Map<string, DeflateSettings>();

/**
 * The compressor settings for this configuration, always the same object for the same values:
 * a publish compares them by identity to compress once per configuration (`src/pubsub/`).
 */
export function deflateSettings(
  windowBits: number,
  level: number,
  memLevel: number,
  strategy: number,
): DeflateSettings {
  const key = `${windowBits} ${level} ${memLevel} ${strategy}`;
  let settings = settingsByKey.get(key);
  if (settings === undefined) {
    settings = Object.freeze({ windowBits, level, memLevel, strategy });
    settingsByKey.set(key, settings);
  }
  return settings;
}

/**
 * Compresses one whole message at once, synchronously, against an empty window, RFC 7692
 * §7.2.1: DEFLATE with a sync flush, whose `00 00 ff ff` tail is removed. What a connection
 * without context takeover sends for that message, so one result serves all of them (a
 * publish). Synchronous on purpose: see `docs/pubsub.md`.
 */
export function deflateMessage(data: Uint8Array | string, settings: DeflateSettings): Buffer {
  const out = deflateRawSync(data, {
    windowBits: settings.windowBits,
    level: settings.level,
    memLevel: settings.memLevel,
    strategy: settings.strategy,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  // A sync flush always ends with an empty stored block: anything else is a zlib fault.
  if (out.length < 4 || !out.subarray(-4).equals(TAIL)) {
    throw new Error('deflate output lacks the sync flush marker');
  }
  // §7.2.3.6: a message that compresses to nothing is sent as one empty stored block.
  return out.length === 4 ? EMPTY_BLOCK : out.subarray(0, -4);
}

/**
 * One connection's permessage-deflate transform (RFC 7692 §7.2): zlib contexts taken on first
 * use from the process-wide `zlibPool`, kept across messages with context takeover and given back
 * after each message without it (§7.1.1), every operation queued on the process-wide
 * `zlibLimiter`. Operations of one kind complete in the order they were asked for; after `close`
 * no callback is called.
 */
export class DeflateCodec {
  /** Messages with a smaller payload are sent uncompressed. */
  readonly threshold: number;
  private readonly deflateSettings: DeflateSettings;
  private readonly localNoContextTakeover: boolean;
  private readonly remoteNoContextTakeover: boolean;
  private readonly remoteWindowBits: WindowBits;
  private deflater: PooledStream<DeflateRaw> | null = null;
  private inflater: PooledStream<InflateRaw> | null = null;
  /** The inflater's `bytesWritten` when this connection took it (it may have served others). */
  private inflaterBase = 0;
  /** Bytes given to the current inflater: it consumed fewer if its DEFLATE stream ended. */
  private inflaterInput = 0;
  private deflating: DeflateOperation | null = null;
  private inflating: InflateOperation | null = null;
  private closed = false;
  private readonly deflaterUser: StreamUser = {
    onData: (chunk) => this.onDeflaterData(chunk),
    onError: (error) => this.onDeflaterError(error),
  };
  private readonly inflaterUser: StreamUser = {
    onData: (chunk) => this.onInflaterData(chunk),
    onError: (error) => this.onInflaterError(error),
  };

  constructor(params: NegotiatedDeflate, role: Role) {
    const server = role === 'server';
    this.threshold = params.threshold;
    this.localNoContextTakeover = server
      ? params.serverNoContextTakeover
      : params.clientNoContextTakeover;
    this.remoteNoContextTakeover = server
      ? params.clientNoContextTakeover
      : params.serverNoContextTakeover;
    this.remoteWindowBits = server ? params.clientMaxWindowBits : params.serverMaxWindowBits;
    // zlib cannot compress raw deflate with a 256-byte window: it rejects windowBits 8 since
    // 1.2.9 and Node silently turns it into 9 (madler/zlib#171, nodejs/node#16511). A 9-bit
    // window could reach back further than a peer that agreed on 8 keeps, and answering 9
    // instead is not allowed (RFC 7692 §7.1.2.1: "the same or smaller value"). Z_RLE limits
    // every match distance to 1 byte (zlib manual, deflateInit2), which any window satisfies,
    // so with 8 we compress with 9 bits and run-length matches only.
    const bits = server ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    this.deflateSettings = deflateSettings(
      bits === 8 ? 9 : bits,
      params.level,
      params.memLevel,
      bits === 8 ? constants.Z_RLE : constants.Z_DEFAULT_STRATEGY,
    );
    if (params.concurrencyLimit !== undefined) zlibLimiter.limit = params.concurrencyLimit;
  }

  /**
   * The settings a message compressed once for many connections must have been made with to be
   * sent on this one (`SharedMessage.deflated`), or null when this side keeps its compression
   * context between messages: a message compressed elsewhere, against an empty window, would not
   * match the window the peer keeps for this connection (RFC 7692 §7.1.1.1, §7.2.3.2).
   */
  get sharedSettings(): DeflateSettings | null {
    return this.localNoContextTakeover ? this.deflateSettings : null;
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
      this.deflater ??= zlibPool.deflater(this.deflateSettings, this.deflaterUser);
      const op: DeflateOperation = { chunks: [], length: 0, done, release, fin };
      this.deflating = op;
      const { stream } = this.deflater;
      stream.write(data);
      stream.flush(constants.Z_SYNC_FLUSH, () => this.deflated(op));
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
      if (this.inflater === null) {
        this.inflater = zlibPool.inflater(this.remoteWindowBits, this.inflaterUser);
        this.inflaterBase = this.inflater.stream.bytesWritten;
        this.inflaterInput = 0;
      }
      const op: InflateOperation = { chunks: [], length: 0, done, release, limit };
      this.inflating = op;
      const { stream } = this.inflater;
      stream.write(data);
      if (fin) stream.write(TAIL);
      this.inflaterInput += data.length + (fin ? TAIL.length : 0);
      stream.flush(() => this.inflated(op, fin));
    });
  }

  /** Gives both contexts back; operations in flight or queued never call back. */
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

  private onDeflaterData(chunk: Buffer): void {
    const op = this.deflating;
    if (op === null) return;
    op.chunks.push(chunk);
    op.length += chunk.length;
  }

  private onDeflaterError(error: Error): void {
    this.deflater = null; // the pool never reuses a stream that failed
    const op = this.deflating;
    if (op !== null) this.settle(op, { ok: false, message: error.message });
  }

  private deflated(op: DeflateOperation): void {
    if (this.deflating !== op) return;
    let data = op.chunks.length === 1 ? op.chunks[0]! : Buffer.concat(op.chunks, op.length);
    if (op.fin) {
      if (data.length >= 4 && data.subarray(-4).equals(TAIL)) {
        data = data.subarray(0, -4);
      } else if (data.length !== 0) {
        // A sync flush always ends with an empty stored block; anything else is a zlib fault.
        zlibPool.discard(this.deflater!);
        this.deflater = null;
        this.settle(op, { ok: false, message: 'deflate output lacks the sync flush marker' });
        return;
      }
      if (data.length === 0) data = EMPTY_BLOCK;
      // §7.1.1: without context takeover the next message starts from an empty window, so the
      // context can serve another connection meanwhile. Given back before `done`, which may
      // start the next message at once.
      this.deflating = null;
      if (this.localNoContextTakeover) this.dropDeflater();
    }
    this.settle(op, { ok: true, data });
  }

  /**
   * Gives the deflater back: reset for reuse when idle; closed when work is in flight on it, whose
   * output would otherwise reach its next user.
   */
  private dropDeflater(): void {
    const deflater = this.deflater;
    if (deflater === null) return;
    this.deflater = null;
    if (this.deflating === null) zlibPool.release(deflater);
    else zlibPool.discard(deflater);
  }

  // ---- decompression ----

  private onInflaterData(chunk: Buffer): void {
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
  }

  private onInflaterError(error: Error): void {
    this.inflater = null; // the pool never reuses a stream that failed
    const op = this.inflating;
    if (op !== null) this.settle(op, { ok: false, reason: 'invalid', message: error.message });
  }

  private inflated(op: InflateOperation, fin: boolean): void {
    if (this.inflating !== op) return;
    // Given back before `done`, which may start the next frame at once.
    this.inflating = null;
    const inflater = this.inflater;
    if (
      inflater !== null &&
      inflater.stream.bytesWritten - this.inflaterBase < this.inflaterInput
    ) {
      // A block with BFINAL set ended the DEFLATE stream (§7.2.3.4): zlib consumes nothing more,
      // so the next message needs a new stream, and this one can serve nobody.
      this.inflater = null;
      zlibPool.discard(inflater);
    } else if (fin && this.remoteNoContextTakeover) {
      // §7.1.1: the window is not needed after the message.
      this.dropInflater();
    }
    this.settle(op, { ok: true, data: op.chunks });
  }

  /** Gives the inflater back: reset for reuse when idle, closed when work is in flight on it. */
  private dropInflater(): void {
    const inflater = this.inflater;
    if (inflater === null) return;
    this.inflater = null;
    if (this.inflating === null) zlibPool.release(inflater);
    else zlibPool.discard(inflater);
  }

  private settle<R>(op: Operation<R>, result: R): void {
    if (this.deflating === op) this.deflating = null;
    if (this.inflating === op) this.inflating = null;
    op.release();
    op.done(result);
  }
}
