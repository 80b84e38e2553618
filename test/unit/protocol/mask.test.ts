import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyMask,
  applyMaskPortable,
  SIMD_THRESHOLD,
  writeMaskKey,
} from '../../../src/protocol/mask.js';
import { maskSimd, simdAvailable } from '../../../src/protocol/mask-simd.js';

/** RFC 6455 §5.3, transcribed: transformed-octet-i = original-octet-i XOR masking-key-octet-(i MOD 4). */
function referenceMask(data: Uint8Array, key: Uint8Array, phase: number): Buffer {
  const out = Buffer.from(data);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ key[(i + phase) % 4]!;
  return out;
}

function pattern(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + 3) & 0xff;
  return out;
}

const KEY = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]);

test('§5.3: the RFC example masks "Hello" with 37 fa 21 3d', () => {
  const data = Buffer.from('Hello');
  applyMask(data, 0, data.length, KEY, 0);
  assert.deepEqual([...data], [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
});

test('§5.3: masking matches the RFC formula for every length, offset and phase', () => {
  for (const length of [0, 1, 3, 4, 5, 63, 64, 65, 66, 67, 68, 127, 128, 1000]) {
    for (const offset of [0, 1, 2, 3, 5]) {
      for (let phase = 0; phase < 8; phase++) {
        // A backing store with an odd byteOffset exercises the alignment prologue.
        const backing = Buffer.alloc(length + offset + 9);
        const view = backing.subarray(offset + 1, offset + 1 + length + 4);
        const original = pattern(length);
        view.set(original, 2);
        const before = Buffer.from(view);
        applyMask(view, 2, 2 + length, KEY, phase);
        const expected = referenceMask(original, KEY, phase);
        assert.ok(
          view.subarray(2, 2 + length).equals(expected),
          `length ${length}, offset ${offset}, phase ${phase}`,
        );
        // Bytes outside [start, end) are untouched.
        assert.ok(view.subarray(0, 2).equals(before.subarray(0, 2)));
        assert.ok(view.subarray(2 + length).equals(before.subarray(2 + length)));
      }
    }
  }
});

test('§5.3: masking twice with the same key restores the data', () => {
  const data = pattern(4097);
  const copy = Buffer.from(data);
  applyMask(data, 0, data.length, KEY, 1);
  assert.ok(!data.equals(copy));
  applyMask(data, 0, data.length, KEY, 1);
  assert.ok(data.equals(copy));
});

test('§5.3: masking in pieces with the running phase equals masking at once', () => {
  const whole = pattern(777);
  const pieces = Buffer.from(whole);
  applyMask(whole, 0, whole.length, KEY, 0);
  const cuts = [0, 1, 2, 70, 71, 200, 333, 334, 700, 777];
  for (let i = 0; i + 1 < cuts.length; i++) {
    applyMask(pieces, cuts[i]!, cuts[i + 1]!, KEY, cuts[i]!);
  }
  assert.ok(pieces.equals(whole));
});

test('§5.3: writeMaskKey writes four bytes at the offset and nothing else', () => {
  const target = new Uint8Array(10).fill(0xee);
  writeMaskKey(target, 3);
  assert.deepEqual([...target.subarray(0, 3)], [0xee, 0xee, 0xee]);
  assert.deepEqual([...target.subarray(7)], [0xee, 0xee, 0xee]);
});

test('§5.3: masking keys are not repeated across many draws (pool refills included)', () => {
  const seen = new Set<number>();
  const key = Buffer.alloc(4);
  const draws = 10_000; // about five refills of the 8 KiB pool
  for (let i = 0; i < draws; i++) {
    writeMaskKey(key, 0);
    seen.add(key.readUInt32BE(0));
  }
  // 10,000 random 32-bit keys collide with probability about 1%: allow two.
  assert.ok(seen.size >= draws - 2, `${draws - seen.size} repeated keys`);
});

test('§5.3: masking keys are spread over all byte values (not a weak generator)', () => {
  const counts = new Array<number>(256).fill(0);
  const key = Buffer.alloc(4);
  for (let i = 0; i < 4096; i++) {
    writeMaskKey(key, 0);
    for (const b of key) counts[b]! += 1;
  }
  // 16,384 bytes: each value is expected 64 times; absent values would mean a broken source.
  assert.ok(counts.every((c) => c > 10 && c < 160));
});

test('§5.3: the WebAssembly SIMD path equals the JavaScript loop for large spans, any offset and phase', () => {
  assert.ok(simdAvailable(), 'Node 20 runs WebAssembly SIMD');
  // Around the 16- and 64-byte steps of the module, its 64 KiB pass, and the SIMD threshold.
  const lengths = [SIMD_THRESHOLD, SIMD_THRESHOLD + 1, 1000, 4099, 65535, 65536, 65537, 200_003];
  for (const length of lengths) {
    for (const offset of [0, 1, 3]) {
      for (const phase of [0, 1, 2, 3]) {
        const original = pattern(length + 8);
        const viaSimd = Buffer.from(original);
        const viaJs = Buffer.from(original);
        applyMask(viaSimd, offset, offset + length, KEY, phase);
        applyMaskPortable(viaJs, offset, offset + length, KEY, phase);
        assert.ok(viaSimd.equals(viaJs), `length ${length}, offset ${offset}, phase ${phase}`);
      }
    }
  }
});

test('§5.3: maskSimd masks into another buffer and leaves the source alone', () => {
  const source = pattern(70_000);
  const before = Buffer.from(source);
  const frame = Buffer.alloc(source.length + 14, 0xee);
  assert.ok(maskSimd(source, 0, source.length, Buffer.from(KEY).readInt32LE(0), frame, 14));
  assert.ok(source.equals(before));
  assert.ok(frame.subarray(14).equals(referenceMask(source, KEY, 0)));
  assert.deepEqual([...frame.subarray(0, 14)], new Array(14).fill(0xee));
});
