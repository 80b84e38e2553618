import { applyMask, applyMaskInto } from './mask.js';

/**
 * What the decoder reports, one call per event, to a long-lived handler (no allocation per frame).
 * `onFrameStart` sees the whole header before any payload byte and may refuse the frame by
 * returning false, which stops the decoder: limits are checked before anything is buffered.
 */
export interface FrameHandler {
  onFrameStart(fin: boolean, rsv: number, opcode: number, length: number, masked: boolean): boolean;
  /** A piece of the payload, already unmasked: a view into the input chunk, never a copy. */
  onFrameData(data: Buffer): void;
  onFrameEnd(): void;
  /** The header itself breaks RFC 6455 §5.2 (a length that cannot be represented or is not minimal). */
  onHeaderError(kind: 'length-top-bit' | 'non-minimal-length'): void;
  /**
   * Optional. The payload of the frame just started (`length` bytes, more than 0) goes on past
   * the current input: a buffer of `length` bytes to gather it in, or null to be handed its
   * pieces as they come. A gathered payload is unmasked on its way in (one pass instead of
   * unmasking in place, then copying) and handed on by one `onFrameData` call when complete.
   */
  frameBuffer?(length: number): Buffer | null;
}

enum State {
  Header = 0,
  Payload = 1,
  Stopped = 2,
}

/** The longest header: 2 + 8 (64-bit length) + 4 (mask), RFC 6455 §5.2. */
const MAX_HEADER = 14;

/** The masking key's bytes for `applyMask`, filled from `maskWord` for each call: never held. */
const keyScratch = new Uint8Array(4);

/**
 * Incremental frame decoder, RFC 6455 §5.2. Any split of the input gives the same events:
 * a header split across reads is gathered in a 14-byte spill, payload bytes are unmasked in
 * place and handed on as views into the chunk they arrived in.
 */
export class FrameDecoder {
  private state: State = State.Header;
  /** A header split across reads is gathered here; made the first time one is. */
  private spill: Buffer | null = null;
  private spillLength = 0;
  /** The masking key, its first byte in the top 8 bits (a number: no buffer per connection). */
  private maskWord = 0;
  private masked = false;
  /** Payload bytes of the current frame not yet seen. */
  private remaining = 0;
  /** Payload bytes of the current frame already unmasked (the mask phase). */
  private consumed = 0;
  /** Where the current frame's payload is gathered, when the handler gave a buffer. */
  private target: Buffer | null = null;
  /** Set by `pause`: input is held, in order, until `resume`. */
  private pausedFlag = false;
  /** Input held while paused; made on first use. */
  private held: Buffer[] | null = null;
  private heldLength = 0;

  constructor(private readonly handler: FrameHandler) {}

  /** Drops all further input (after a close or a failure). */
  stop(): void {
    this.state = State.Stopped;
    this.target = null;
    this.held = null;
    this.heldLength = 0;
  }

  /**
   * Holds all further input, from the end of the frame that just ended, until `resume` (while
   * an extension transforms that frame asynchronously). Called from `onFrameEnd`.
   */
  pause(): void {
    this.pausedFlag = true;
  }

  /** Decodes the held input; stops again if a handler pauses. */
  resume(): void {
    this.pausedFlag = false;
    const held = this.held;
    if (held === null) return;
    while (!this.pausedFlag && held.length > 0 && this.state !== State.Stopped) {
      const chunk = held.shift()!;
      this.heldLength -= chunk.length;
      const rest = this.decode(chunk);
      if (rest !== null) {
        held.unshift(rest);
        this.heldLength += rest.length;
      }
    }
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  /** Bytes of input held while paused. */
  get heldBytes(): number {
    return this.heldLength;
  }

  get stopped(): boolean {
    return this.state === State.Stopped;
  }

  /** True between frames, with no partial header pending. */
  get idle(): boolean {
    return this.state === State.Header && this.spillLength === 0;
  }

  push(chunk: Buffer): void {
    if (this.state === State.Stopped) return;
    const rest = this.pausedFlag ? chunk : this.decode(chunk);
    if (rest !== null && rest.length > 0) {
      (this.held ??= []).push(rest);
      this.heldLength += rest.length;
    }
  }

  /** Decodes `chunk`; returns the part left undecoded because a handler paused, else null. */
  private decode(chunk: Buffer): Buffer | null {
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      if (this.pausedFlag) return chunk.subarray(pos);
      if (this.state === State.Header) {
        pos = this.readHeader(chunk, pos, end);
        if (pos < 0) return null;
      } else if (this.state === State.Payload) {
        const n = Math.min(this.remaining, end - pos);
        if (this.consumed === 0 && n < this.remaining && this.handler.frameBuffer !== undefined) {
          this.target = this.handler.frameBuffer(this.remaining);
        }
        if (this.target !== null) {
          pos = this.gather(chunk, pos, n, this.target);
          if (this.stopped) return null;
          continue;
        }
        if (this.masked) applyMask(chunk, pos, pos + n, this.key(), this.consumed);
        this.remaining -= n;
        this.consumed += n;
        this.handler.onFrameData(chunk.subarray(pos, pos + n));
        if (this.stopped) return null;
        pos += n;
        if (this.remaining === 0) this.endFrame();
      } else {
        return null;
      }
    }
    return null;
  }

  /** The masking key's bytes, in the shared scratch array. */
  private key(): Uint8Array {
    const word = this.maskWord;
    keyScratch[0] = word >>> 24;
    keyScratch[1] = word >>> 16;
    keyScratch[2] = word >>> 8;
    keyScratch[3] = word;
    return keyScratch;
  }

  /** Copies (and unmasks) `n` payload bytes into `target`; hands it on once complete. */
  private gather(chunk: Buffer, pos: number, n: number, target: Buffer): number {
    if (this.masked) {
      applyMaskInto(chunk, pos, pos + n, this.key(), this.consumed, target, this.consumed);
    } else {
      target.set(chunk.subarray(pos, pos + n), this.consumed);
    }
    this.remaining -= n;
    this.consumed += n;
    if (this.remaining === 0) {
      this.target = null;
      this.handler.onFrameData(target);
      if (!this.stopped) this.endFrame();
    }
    return pos + n;
  }

  /** Parses a header at `chunk[pos]`; returns the position after it, or -1 if more bytes are needed or decoding stopped. */
  private readHeader(chunk: Buffer, pos: number, end: number): number {
    let src = chunk;
    let at = pos;
    let next: number;
    if (this.spillLength === 0 && end - pos >= 2) {
      const need = headerLength(chunk[pos + 1]!);
      if (end - pos >= need) {
        next = pos + need;
      } else {
        chunk.copy((this.spill ??= Buffer.alloc(MAX_HEADER)), 0, pos, end);
        this.spillLength = end - pos;
        return -1;
      }
    } else {
      // Gather the header in the spill, a byte at a time until its length is known.
      const spill = (this.spill ??= Buffer.alloc(MAX_HEADER));
      let p = pos;
      if (this.spillLength < 2) {
        const take = Math.min(2 - this.spillLength, end - p);
        chunk.copy(spill, this.spillLength, p, p + take);
        this.spillLength += take;
        p += take;
        if (this.spillLength < 2) return -1;
      }
      const need = headerLength(spill[1]!);
      const take = Math.min(need - this.spillLength, end - p);
      chunk.copy(spill, this.spillLength, p, p + take);
      this.spillLength += take;
      p += take;
      if (this.spillLength < need) return -1;
      this.spillLength = 0;
      src = spill;
      at = 0;
      next = p;
    }
    return this.parseHeader(src, at) ? next : -1;
  }

  /** Decodes a complete header at `buf[at]` and starts the frame; false if decoding stopped. */
  private parseHeader(buf: Buffer, at: number): boolean {
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const rsv = (b0 >>> 4) & 0x7;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let p = at + 2;
    if (length === 126) {
      length = buf.readUInt16BE(p);
      p += 2;
      // RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length".
      if (length < 126) return this.headerError('non-minimal-length');
    } else if (length === 127) {
      const hi = buf.readUInt32BE(p);
      const lo = buf.readUInt32BE(p + 4);
      p += 8;
      // RFC 6455 §5.2: "the most significant bit MUST be 0".
      if (hi & 0x80000000) return this.headerError('length-top-bit');
      // Beyond 2^53 a length is not a safe integer; no limit could allow it, so clamp.
      length = hi > 0x1fffff ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
      if (length < 0x10000) return this.headerError('non-minimal-length');
    }
    this.masked = masked;
    if (masked) this.maskWord = buf.readUInt32BE(p);
    if (!this.handler.onFrameStart(fin, rsv, opcode, length, masked)) {
      this.state = State.Stopped;
      return false;
    }
    if (this.stopped) return false;
    this.remaining = length;
    this.consumed = 0;
    if (length === 0) this.endFrame();
    else this.state = State.Payload;
    return !this.stopped;
  }

  private endFrame(): void {
    this.state = State.Header;
    this.handler.onFrameEnd();
  }

  private headerError(kind: 'length-top-bit' | 'non-minimal-length'): false {
    this.state = State.Stopped;
    this.handler.onHeaderError(kind);
    return false;
  }
}

/** Header length from its second byte: 2, plus 2 or 8 for extended lengths, plus 4 for a mask. */
function headerLength(b1: number): number {
  const len7 = b1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}
