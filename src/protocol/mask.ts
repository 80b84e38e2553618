import { randomFillSync } from 'node:crypto';
import { maskSimd } from './mask-simd.js';

/**
 * RFC 6455 §5.3: masking keys must be unpredictable, from a strong source of entropy.
 * Keys are drawn from a pooled CSPRNG buffer so that a frame costs no syscall; a key's
 * bytes are never handed out twice.
 */
const KEY_POOL_SIZE = 8192;
const keyPool = Buffer.allocUnsafe(KEY_POOL_SIZE);
let keyPoolOffset = KEY_POOL_SIZE;

/** Writes a fresh 4-byte masking key into `target` at `offset`. */
export function writeMaskKey(target: Uint8Array, offset: number): void {
  if (keyPoolOffset === KEY_POOL_SIZE) {
    randomFillSync(keyPool);
    keyPoolOffset = 0;
  }
  target[offset] = keyPool[keyPoolOffset]!;
  target[offset + 1] = keyPool[keyPoolOffset + 1]!;
  target[offset + 2] = keyPool[keyPoolOffset + 2]!;
  target[offset + 3] = keyPool[keyPoolOffset + 3]!;
  keyPoolOffset += 4;
}

// Scratch for building a 32-bit word from key bytes in the platform's byte order.
const wordBytes = new Uint8Array(4);
const wordView = new Uint32Array(wordBytes.buffer);

/** Below this many bytes a plain loop beats creating a Uint32Array view. */
const WORD_THRESHOLD = 64;

/**
 * From this many bytes up WebAssembly SIMD is faster than the 32-bit loop, copies included
 * (`bench/micro/mask.ts`).
 */
export const SIMD_THRESHOLD = 512;

/**
 * XORs `buf[start..end)` in place with the 4-byte `key` (RFC 6455 §5.3), starting at
 * key byte `phase` (the number of payload bytes already masked, for frames split across reads).
 * Masking and unmasking are the same operation. Large spans go through WebAssembly SIMD where
 * it is available, others a 32-bit word at a time.
 */
export function applyMask(
  buf: Uint8Array,
  start: number,
  end: number,
  key: Uint8Array,
  phase: number,
): void {
  if (end - start >= SIMD_THRESHOLD) {
    if (maskSimd(buf, start, end, keyWord(key, phase))) return;
  }
  applyMaskPortable(buf, start, end, key, phase);
}

/** The key as maskSimd takes it: a little-endian word whose low byte is key byte `phase`. */
function keyWord(key: Uint8Array, phase: number): number {
  return (
    key[phase & 3]! |
    (key[(phase + 1) & 3]! << 8) |
    (key[(phase + 2) & 3]! << 16) |
    (key[(phase + 3) & 3]! << 24)
  );
}

/**
 * `applyMask` from `src` into `dst` at `dstStart`, leaving `src` as it was: one pass through
 * WebAssembly SIMD for large spans, else a copy masked in place.
 */
export function applyMaskInto(
  src: Uint8Array,
  start: number,
  end: number,
  key: Uint8Array,
  phase: number,
  dst: Uint8Array,
  dstStart: number,
): void {
  if (end - start >= SIMD_THRESHOLD) {
    if (maskSimd(src, start, end, keyWord(key, phase), dst, dstStart)) return;
  }
  dst.set(src.subarray(start, end), dstStart);
  applyMaskPortable(dst, dstStart, dstStart + end - start, key, phase);
}

/** `applyMask` in plain JavaScript: 32-bit words for large spans, bytes for the rest. */
export function applyMaskPortable(
  buf: Uint8Array,
  start: number,
  end: number,
  key: Uint8Array,
  phase: number,
): void {
  let i = start;
  let p = phase;
  if (end - start >= WORD_THRESHOLD) {
    // Reach a 4-byte aligned address so the word view is legal.
    const misalign = (buf.byteOffset + i) & 3;
    for (let head = (4 - misalign) & 3; head > 0; head--, i++, p++) {
      buf[i] = buf[i]! ^ key[p & 3]!;
    }
    wordBytes[0] = key[p & 3]!;
    wordBytes[1] = key[(p + 1) & 3]!;
    wordBytes[2] = key[(p + 2) & 3]!;
    wordBytes[3] = key[(p + 3) & 3]!;
    const word = wordView[0]!;
    const words = (end - i) >>> 2;
    const view = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] = view[w]! ^ word;
    i += words << 2;
    // p advances by a multiple of 4: its phase is unchanged.
  }
  for (; i < end; i++, p++) buf[i] = buf[i]! ^ key[p & 3]!;
}
