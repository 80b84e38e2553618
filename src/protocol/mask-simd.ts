/**
 * Masking with WebAssembly SIMD (RFC 6455 §5.3): 16 bytes per `v128.xor`, four of them per loop
 * turn, where a JavaScript loop does one 32-bit word. A wasm function reads only its own memory,
 * so a span is copied in, masked and copied back, 64 KiB at a time: two memcpy of data that is
 * in cache, still about five times the 32-bit loop from 4 KiB up (`bench/micro/mask.ts`). A
 * destination inside the module's memory (a client frame from `src/transport/frame-pool.ts`) is
 * masked where it lies: one copy in, none out.
 *
 * The module is written by hand. Its text format, byte for byte the `MODULE` below:
 *
 *   (module
 *     (memory (export "memory") 2)
 *     ;; XORs [p, end) with the repeating 4-byte key whose first byte is the low byte of $key.
 *     (func (export "mask") (param $p i32) (param $end i32) (param $key i32)
 *       (local $k v128)
 *       (local.set $k (i32x4.splat (local.get $key)))
 *       (block $b64 (loop $l64               ;; 64 bytes a turn
 *         (br_if $b64 (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 64)))
 *         (v128.store offset=0 (local.get $p)
 *           (v128.xor (v128.load offset=0 (local.get $p)) (local.get $k)))
 *         ;; the same at offset=16, offset=32 and offset=48
 *         (local.set $p (i32.add (local.get $p) (i32.const 64)))
 *         (br $l64)))
 *       (block $b16 (loop $l16               ;; then 16 bytes a turn
 *         (br_if $b16 (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 16)))
 *         (v128.store (local.get $p) (v128.xor (v128.load (local.get $p)) (local.get $k)))
 *         (local.set $p (i32.add (local.get $p) (i32.const 16)))
 *         (br $l16)))
 *       (block $b1 (loop $l1                 ;; the last 0–15 bytes, the key turning a byte each
 *         (br_if $b1 (i32.ge_u (local.get $p) (local.get $end)))
 *         (i32.store8 (local.get $p) (i32.xor (i32.load8_u (local.get $p)) (local.get $key)))
 *         (local.set $key (i32.rotr (local.get $key) (i32.const 8)))
 *         (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *         (br $l1)))))
 */

// Instructions used below: 0x20 local.get, 0x21 local.set, 0x41 i32.const (signed LEB128),
// 0x6a i32.add, 0x6b i32.sub, 0x49 i32.lt_u, 0x4f i32.ge_u, 0x73 i32.xor, 0x78 i32.rotr,
// 0x2d i32.load8_u, 0x3a i32.store8 (memarg: align, offset), 0x02 0x40 block, 0x03 0x40 loop,
// 0x0d br_if, 0x0c br, 0x0b end; SIMD (prefix 0xfd): 0x00 v128.load, 0x0b v128.store,
// 0x11 i32x4.splat, 0x51 v128.xor. Locals: 0 $p, 1 $end, 2 $key, 3 $k.
// biome-ignore format: one instruction sequence.
const xor16At = (offset: number): number[] => [
  // (v128.store offset (local.get $p) (v128.xor (v128.load offset (local.get $p)) (local.get $k)))
  0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x00, offset, 0x20, 0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x00,
  offset,
];
// biome-ignore format: one line per WAT line above.
const BODY = [
  0x01, 0x01, 0x7b,                                     // one local: $k v128
  0x20, 0x02, 0xfd, 0x11, 0x21, 0x03,                   // $k = i32x4.splat($key)
  0x02, 0x40, 0x03, 0x40,                               // block $b64, loop $l64
  0x20, 0x01, 0x20, 0x00, 0x6b, 0x41, 0xc0, 0x00, 0x49, //   $end - $p < 64
  0x0d, 0x01,                                           //   br_if $b64
  ...xor16At(0), ...xor16At(16), ...xor16At(32), ...xor16At(48),
  0x20, 0x00, 0x41, 0xc0, 0x00, 0x6a, 0x21, 0x00,       //   $p += 64
  0x0c, 0x00, 0x0b, 0x0b,                               //   br $l64; end; end
  0x02, 0x40, 0x03, 0x40,                               // block $b16, loop $l16
  0x20, 0x01, 0x20, 0x00, 0x6b, 0x41, 0x10, 0x49,       //   $end - $p < 16
  0x0d, 0x01,                                           //   br_if $b16
  ...xor16At(0),
  0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00,             //   $p += 16
  0x0c, 0x00, 0x0b, 0x0b,                               //   br $l16; end; end
  0x02, 0x40, 0x03, 0x40,                               // block $b1, loop $l1
  0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01,             //   br_if $b1 ($p >= $end)
  0x20, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00,             //   load8_u($p)
  0x20, 0x02, 0x73, 0x3a, 0x00, 0x00,                   //   ^ $key; store8($p)
  0x20, 0x02, 0x41, 0x08, 0x78, 0x21, 0x02,             //   $key = rotr($key, 8)
  0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00,             //   $p += 1
  0x0c, 0x00, 0x0b, 0x0b,                               //   br $l1; end; end
  0x0b,                                                 // end of the function
];

/** An unsigned LEB128 number under 2^14, as sizes are here. */
const leb = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, n >>> 7]);

/** A section: its id, its size, its content. */
const section = (id: number, content: number[]): number[] => [
  id,
  ...leb(content.length),
  ...content,
];

const ascii = (name: string): number[] => [name.length, ...Buffer.from(name, 'latin1')];

// biome-ignore format: one line per section.
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,       // "\0asm", version 1
  ...section(1, [0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00]), // type 0: (i32 i32 i32) -> ()
  ...section(3, [0x01, 0x00]),                          // one function, of type 0
  ...section(5, [0x01, 0x00, 0x02]),                    // one memory, 2 pages (128 KiB)
  ...section(7, [0x02, ...ascii('memory'), 0x02, 0x00, ...ascii('mask'), 0x00, 0x00]), // exports
  ...section(10, [0x01, ...leb(BODY.length), ...BODY]), // code: one function body
]);

interface MaskExports {
  readonly memory: WebAssembly.Memory;
  mask(start: number, end: number, key: number): void;
}

/** Bytes masked per pass through the module's memory. */
const STAGE = 64 * 1024;

/** The module's own pages (64 KiB each): the staging area, below the frame region. */
const STAGE_PAGES = 2;

/**
 * Pages added once, at instantiation, for frames built in place (`frameRegion`). The memory never
 * grows again: growing would detach every view handed out. Pages cost memory only once touched.
 */
const FRAME_PAGES = 64;

let wasm: MaskExports | null | undefined;
let heap: Uint8Array;

/** The module, instantiated on first use; null where WebAssembly or its SIMD is missing. */
function instance(): MaskExports | null {
  if (wasm !== undefined) return wasm;
  wasm = null;
  try {
    if (typeof WebAssembly === 'object' && WebAssembly.validate(MODULE)) {
      const exports = new WebAssembly.Instance(new WebAssembly.Module(MODULE))
        .exports as unknown as MaskExports;
      exports.memory.grow(FRAME_PAGES);
      heap = new Uint8Array(exports.memory.buffer);
      wasm = exports;
    }
  } catch {
    // --jitless, or a runtime without SIMD: the JavaScript loop does the work.
  }
  return wasm;
}

/** True where the SIMD module runs. */
export function simdAvailable(): boolean {
  return instance() !== null;
}

/**
 * The part of the module's memory set aside for frames masked in place, as [start, end) in
 * `buffer`; null where WebAssembly SIMD is unavailable.
 */
export function frameRegion(): { buffer: ArrayBuffer; start: number; end: number } | null {
  if (instance() === null) return null;
  return {
    buffer: heap.buffer as ArrayBuffer,
    start: STAGE_PAGES * 65536,
    end: (STAGE_PAGES + FRAME_PAGES) * 65536,
  };
}

/**
 * XORs `src[start..end)` with the 4-byte key `word` (little-endian: its low byte masks
 * `src[start]`) into `dst` from `dstStart` (which may be `src` and `start`: in place). Returns
 * false, having done nothing, where WebAssembly SIMD is unavailable.
 */
export function maskSimd(
  src: Uint8Array,
  start: number,
  end: number,
  word: number,
  dst: Uint8Array = src,
  dstStart: number = start,
): boolean {
  const module = instance();
  if (module === null) return false;
  if (dst.buffer === heap.buffer) {
    // The destination is the module's own memory (a frame region): copied in, masked there.
    const at = dst.byteOffset + dstStart;
    if (src.buffer !== dst.buffer || src.byteOffset + start !== at) {
      heap.set(new Uint8Array(src.buffer, src.byteOffset + start, end - start), at);
    }
    module.mask(at, at + end - start, word);
    return true;
  }
  const into = dstStart - start;
  for (let s = start; s < end; ) {
    const n = Math.min(STAGE, end - s);
    // Staged half a page out of phase with the source: memcpy between addresses a few bytes
    // apart modulo the page size runs at a tenth of its speed on some x86 CPUs.
    const at = (src.byteOffset + s + 2048) & 4095;
    // Plain Uint8Array views: a Buffer's subarray costs more than masking a kilobyte.
    heap.set(new Uint8Array(src.buffer, src.byteOffset + s, n), at);
    module.mask(at, at + n, word);
    dst.set(new Uint8Array(heap.buffer, at, n), s + into);
    // STAGE is a multiple of 4: the key's phase is the same for the next pass.
    s += n;
  }
  return true;
}
