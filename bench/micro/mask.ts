/**
 * Masking micro-benchmark (RFC 6455 §5.3): wskit's 32-bit JavaScript loop, wskit's WebAssembly
 * SIMD module and ws's native addon bufferutil, in the same run, for two operations:
 *
 * - unmask in place: what a server does to every payload it reads (bufferutil's `unmask`);
 * - mask into a frame: copying a payload after the header of a buffer and masking it there (the
 *   JS loop masks the copy in place, SIMD masks on the way in through its staging area;
 *   bufferutil's `mask` with an output buffer, as ws's `Sender.frame` does with
 *   `readOnly: true`), the output buffer made once;
 * - mask into a pooled frame: the same with wskit's output in its frame pool
 *   (`src/transport/frame-pool.ts`, 4 KiB to 1 MiB: masked in place in WebAssembly memory, one
 *   copy); bufferutil's output is still made once, its best case;
 * - new frame, masked: each frame in a buffer of its own, as each client sends it: wskit from its
 *   pool, ws a new Buffer for every frame.
 *
 * The three run in interleaved repetitions (JS, SIMD, bufferutil, JS, …), each after a forced
 * garbage collection; the table shows median GB/s (10^9 bytes a second) and the median of the
 * per-repetition ratios. bufferutil is taken from the benchmark instruments
 * (`bench/setup.sh`, or `$BENCH_NODE_MODULES`); without it its columns are empty.
 *
 * Usage: node build/bench/micro/mask.js [--quick]
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMask, applyMaskPortable, SIMD_THRESHOLD } from '../../src/protocol/mask.js';
import { maskSimd, simdAvailable } from '../../src/protocol/mask-simd.js';
import { FramePool } from '../../src/transport/frame-pool.js';
import { now } from './measure.js';

interface BufferUtil {
  mask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void;
  unmask(buffer: Buffer, mask: Buffer): void;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES = [125, KiB, 4 * KiB, 64 * KiB, MiB, 16 * MiB];
const quick = process.argv.includes('--quick');
const REPS = quick ? 3 : 7;
/** Timed nanoseconds aimed at per repetition and subject. */
const REP_NS = (quick ? 20 : 60) * 1e6;

function loadBufferUtil(): BufferUtil | null {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const modules =
    process.env.BENCH_NODE_MODULES ?? join(here, '../../../bench/.instruments/node_modules');
  try {
    return createRequire(join(modules, 'noop.js'))('bufferutil') as BufferUtil;
  } catch {
    return null;
  }
}

const bufferutil = loadBufferUtil();
const pool = FramePool.shared();
const gc = (globalThis as { gc?: () => void }).gc;
const KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
/** KEY as maskSimd takes it: its first byte in the low byte. */
const WORD = KEY.readInt32LE(0);

/**
 * What a client does from 4 KiB to 1 MiB: a block of the frame pool, masked in place in
 * WebAssembly memory, given back after the write. Larger frames fall back to a new buffer.
 */
function pooledFrame(src: Buffer, size: number): () => void {
  return () => {
    const block = pool?.take(size + 14) ?? null;
    const out = block ?? Buffer.allocUnsafe(size + 14);
    maskSimd(src, 0, size, WORD, out, 14);
    if (block !== null) pool!.release(block);
  };
}

/**
 * A payload masked after a 14-byte header (as a frame of 64 KiB or more has it) into a buffer
 * made once; with `pooled`, wskit's SIMD output is a block of its frame pool instead.
 */
function maskIntoFrame(size: number, pooled: boolean): ReturnType<Op> {
  const src = Buffer.allocUnsafe(size).fill(0x5a);
  const frame = Buffer.allocUnsafe(size + 14);
  return {
    js: () => {
      frame.set(src, 14);
      applyMaskPortable(frame, 14, 14 + size, KEY, 0);
    },
    simd: pooled ? pooledFrame(src, size) : () => maskSimd(src, 0, size, WORD, frame, 14),
    native: bufferutil === null ? null : () => bufferutil.mask(src, KEY, frame, 14, size),
  };
}

type Op = (size: number) => { js: () => void; simd: () => void; native: (() => void) | null };

const ops: Record<string, Op> = {
  'unmask in place': (size) => {
    const buf = Buffer.allocUnsafe(size).fill(0x5a);
    return {
      js: () => applyMaskPortable(buf, 0, size, KEY, 0),
      simd: () => applyMask(buf, 0, size, KEY, 0),
      native: bufferutil === null ? null : () => bufferutil.unmask(buf, KEY),
    };
  },
  'mask into a frame': (size) => maskIntoFrame(size, false),
  'mask into a pooled frame': (size) => maskIntoFrame(size, true),
  'new frame, masked': (size) => {
    const src = Buffer.allocUnsafe(size).fill(0x5a);
    return {
      js: () => {
        const frame = Buffer.allocUnsafe(size + 14);
        frame.set(src, 14);
        applyMaskPortable(frame, 14, 14 + size, KEY, 0);
      },
      simd: pooledFrame(src, size),
      // ws's Sender.frame with readOnly: a new buffer for every masked frame.
      native:
        bufferutil === null
          ? null
          : () => bufferutil.mask(src, KEY, Buffer.allocUnsafe(size + 14), 14, size),
    };
  },
};

/** Calls of `fn` in one repetition, from a short calibration. */
function callsPerRep(fn: () => void): number {
  let calls = 1;
  for (;;) {
    const t = now();
    for (let i = 0; i < calls; i++) fn();
    const ns = now() - t;
    if (ns > 2e6) return Math.max(1, Math.round((calls * REP_NS) / ns));
    calls *= 2;
  }
}

/** Bytes a second over one repetition. */
function rate(fn: () => void, calls: number, size: number): number {
  gc?.();
  const t = now();
  for (let i = 0; i < calls; i++) fn();
  return (calls * size) / ((now() - t) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >>> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const gb = (bytesPerSecond: number): string => (bytesPerSecond / 1e9).toFixed(2);
const ratio = (values: number[]): string =>
  values.length === 0
    ? '—'
    : `**${median(values).toFixed(2)}** (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;

const rows: string[] = [];
for (const [name, make] of Object.entries(ops)) {
  for (const size of SIZES) {
    process.stderr.write(`${name}, ${size} B\n`);
    const subject = make(size);
    const calls = {
      js: callsPerRep(subject.js),
      simd: callsPerRep(subject.simd),
      native: subject.native === null ? 0 : callsPerRep(subject.native),
    };
    const js: number[] = [];
    const simd: number[] = [];
    const native: number[] = [];
    for (let r = 0; r < REPS; r++) {
      js.push(rate(subject.js, calls.js, size));
      simd.push(rate(subject.simd, calls.simd, size));
      if (subject.native !== null) native.push(rate(subject.native, calls.native, size));
    }
    const simdOverNative = native.map((n, i) => simd[i]! / n);
    const simdOverJs = simd.map((s, i) => s / js[i]!);
    rows.push(
      `| ${name} | ${size >= MiB ? `${size / MiB} MiB` : size >= KiB ? `${size / KiB} KiB` : `${size} B`} | ${gb(median(js))} | ${gb(median(simd))} | ${native.length > 0 ? gb(median(native)) : '—'} | ${ratio(simdOverJs)} | ${ratio(simdOverNative)} |`,
    );
  }
}

console.log(
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, WebAssembly SIMD ${simdAvailable() ? 'on' : 'unavailable (the SIMD column is the JS loop)'}, bufferutil ${bufferutil === null ? 'not found' : 'loaded'}. applyMask uses SIMD from ${SIMD_THRESHOLD} B; below it, the JS column's loop.\n`,
);
console.log(
  '| operation | payload | JS GB/s | SIMD GB/s | bufferutil GB/s | SIMD / JS | SIMD / bufferutil |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
