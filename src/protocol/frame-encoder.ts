import { applyMask, SIMD_THRESHOLD, writeMaskKey } from './mask.js';
import { maskSimd } from './mask-simd.js';

/** Payloads up to this size are merged with their header into one buffer; larger ones are not copied (server side). */
const MERGE_LIMIT = 1024;

export interface FrameOptions {
  fin: boolean;
  /** RSV bits as a 3-bit number (RSV1 = 0b100), set only by a negotiated extension. */
  rsv: number;
  /** RFC 6455 §5.3: clients mask every frame, servers never do. */
  mask: boolean;
  /** Where a masked frame's buffer may come from (the transport's frame pool). */
  frames?: FrameAllocator | undefined;
}

/** Supplies buffers for masked frames; `allocFrame` returns null to let the encoder allocate. */
export interface FrameAllocator {
  allocFrame(size: number): Buffer | null;
}

/** A buffer for a frame of `size` bytes: the allocator's for a masked frame, else a new one. */
function frameBuffer(size: number, options: FrameOptions): Buffer {
  if (options.mask && options.frames !== undefined) {
    const pooled = options.frames.allocFrame(size);
    if (pooled !== null) return pooled;
  }
  return Buffer.allocUnsafe(size);
}

/**
 * Encodes one frame, RFC 6455 §5.2. Pure: returns the bytes to write, either one buffer
 * (header and small payload merged) or the header and the payload apart so that a large
 * payload is written as is (to be batched with cork/writev). A masked frame never changes the
 * caller's payload: it is masked into a new buffer.
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array | string,
  options: FrameOptions,
): Buffer[] {
  if (typeof payload === 'string') return encodeTextFrame(opcode, payload, options);
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const headerLength = 2 + lengthBytes + (options.mask ? 4 : 0);
  const merge = options.mask || length <= MERGE_LIMIT;
  if (!merge) {
    const header = Buffer.allocUnsafe(headerLength);
    writeHeader(header, opcode, length, lengthBytes, options);
    return [header, toBuffer(payload)];
  }
  const out = frameBuffer(headerLength + length, options);
  writeHeader(out, opcode, length, lengthBytes, options);
  // Large payloads are masked on their way into the frame: one copy fewer.
  if (options.mask && length >= SIMD_THRESHOLD && maskPayloadInto(payload, out, headerLength)) {
    return [out];
  }
  out.set(payload, headerLength);
  if (options.mask) maskPayload(out, headerLength, length);
  return [out];
}

/** A string payload is encoded straight into the frame buffer: no intermediate copy. */
function encodeTextFrame(opcode: number, text: string, options: FrameOptions): Buffer[] {
  const length = Buffer.byteLength(text);
  if (!options.mask && length > MERGE_LIMIT) return encodeFrame(opcode, Buffer.from(text), options);
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const headerLength = 2 + lengthBytes + (options.mask ? 4 : 0);
  const out = frameBuffer(headerLength + length, options);
  writeHeader(out, opcode, length, lengthBytes, options);
  out.write(text, headerLength);
  if (options.mask) maskPayload(out, headerLength, length);
  return [out];
}

const keyScratch = new Uint8Array(4);

/** Masks the payload that follows the key at the end of the header. */
function maskPayload(out: Buffer, headerLength: number, length: number): void {
  keyScratch[0] = out[headerLength - 4]!;
  keyScratch[1] = out[headerLength - 3]!;
  keyScratch[2] = out[headerLength - 2]!;
  keyScratch[3] = out[headerLength - 1]!;
  applyMask(out, headerLength, headerLength + length, keyScratch, 0);
}

/** Masks `payload` into `out` after the key that ends the header; false without SIMD. */
function maskPayloadInto(payload: Uint8Array, out: Buffer, headerLength: number): boolean {
  const word =
    out[headerLength - 4]! |
    (out[headerLength - 3]! << 8) |
    (out[headerLength - 2]! << 16) |
    (out[headerLength - 1]! << 24);
  return maskSimd(payload, 0, payload.length, word, out, headerLength);
}

function writeHeader(
  out: Buffer,
  opcode: number,
  length: number,
  lengthBytes: number,
  options: FrameOptions,
): void {
  out[0] = (options.fin ? 0x80 : 0) | ((options.rsv & 0x7) << 4) | (opcode & 0x0f);
  const maskBit = options.mask ? 0x80 : 0;
  let p = 2;
  // Length bytes are stored one by one (a Uint8Array store keeps the low 8 bits): the checked
  // Buffer#writeUInt*BE calls cost more than the rest of a large frame's header.
  if (lengthBytes === 0) {
    out[1] = maskBit | length;
  } else if (lengthBytes === 2) {
    out[1] = maskBit | 126;
    out[2] = length >>> 8;
    out[3] = length;
    p = 4;
  } else {
    out[1] = maskBit | 127;
    // 53-bit safe integers: the top 32 bits never reach the most significant bit.
    const hi = Math.floor(length / 0x100000000);
    out[2] = hi >>> 24;
    out[3] = hi >>> 16;
    out[4] = hi >>> 8;
    out[5] = hi;
    out[6] = length >>> 24;
    out[7] = length >>> 16;
    out[8] = length >>> 8;
    out[9] = length;
    p = 10;
  }
  if (options.mask) writeMaskKey(out, p);
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
}
