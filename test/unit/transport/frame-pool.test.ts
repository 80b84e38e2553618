import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { encodeFrame } from '../../../src/protocol/frame-encoder.js';
import { Opcode } from '../../../src/protocol/opcodes.js';
import { FramePool, POOLED_MAX, POOLED_MIN } from '../../../src/transport/frame-pool.js';
import { decodeFrames } from '../../helpers/wire.js';

const pool = FramePool.shared();

describe('frame pool (client frames masked in WebAssembly memory)', { skip: pool === null }, () => {
  const p = pool!;

  test('sizes outside 4 KiB .. 1 MiB + 14 are not pooled', () => {
    assert.equal(p.take(POOLED_MIN - 1), null);
    assert.equal(p.take(POOLED_MAX + 1), null);
    const a = p.take(POOLED_MIN)!;
    const b = p.take(POOLED_MAX)!;
    assert.equal(a.length, POOLED_MIN);
    assert.equal(b.length, POOLED_MAX);
    assert.ok(p.owns(a) && p.owns(b));
    assert.ok(!p.owns(Buffer.alloc(POOLED_MIN)));
    p.release(a);
    p.release(b);
    assert.equal(p.outstanding, 0);
  });

  test('blocks out at the same time never overlap; a block given back is reused by the same size', () => {
    const sizes = [4096, 4097, 65536 + 14, 10_000, 200_000, 4096];
    const blocks = sizes.map((size) => p.take(size)!);
    const spans = blocks.map((b) => [b.byteOffset, b.byteOffset + b.length] as const);
    for (let i = 0; i < spans.length; i++) {
      for (let j = i + 1; j < spans.length; j++) {
        assert.ok(spans[i]![1] <= spans[j]![0] || spans[j]![1] <= spans[i]![0], `${i} and ${j}`);
      }
    }
    const third = blocks[2]!;
    p.release(third);
    assert.equal(p.take(65536 + 14)!.byteOffset, third.byteOffset);
    for (const b of blocks) p.release(b);
    assert.equal(p.outstanding, 0);
  });

  test('a block given back twice is ignored, and the pool starts anew once nothing is out', () => {
    const a = p.take(8192)!;
    const b = p.take(8192)!;
    p.release(a);
    p.release(a);
    assert.equal(p.outstanding, 1);
    const c = p.take(8192)!;
    const d = p.take(8192)!;
    assert.equal(c.byteOffset, a.byteOffset, 'the one free block is handed out once');
    assert.notEqual(d.byteOffset, c.byteOffset);
    for (const x of [b, c, d]) p.release(x);
    assert.equal(p.outstanding, 0);
    const fresh = p.take(8192)!;
    assert.equal(
      fresh.byteOffset,
      Math.min(a.byteOffset, b.byteOffset),
      'carved anew from the start',
    );
    p.release(fresh);
    assert.equal(p.outstanding, 0);
  });

  test('when the region is full, take returns null and the caller allocates', () => {
    const fill = (size: number): Buffer[] => {
      const blocks: Buffer[] = [];
      for (let block = p.take(size); block !== null; block = p.take(size)) {
        blocks.push(block);
        assert.ok(blocks.length < 2000);
      }
      return blocks;
    };
    const large = fill(POOLED_MAX);
    const small = fill(POOLED_MIN); // what is left of the region
    assert.ok(large.length >= 2);
    assert.equal(p.take(POOLED_MIN), null);
    // Once carved out, a smaller frame takes a larger free block.
    p.release(large[0]!);
    const reused = p.take(POOLED_MIN)!;
    assert.equal(reused.byteOffset, large[0]!.byteOffset);
    assert.equal(p.take(POOLED_MIN), null, 'no free block is left');
    for (const b of [reused, ...large.slice(1), ...small]) p.release(b);
    assert.equal(p.outstanding, 0);
    const again = p.take(POOLED_MAX);
    assert.ok(again !== null, 'the region is carved anew');
    p.release(again);
  });

  test('RFC 6455 §5.3: a frame built in the pool is a correctly masked frame of the payload', () => {
    const sizes = fc.oneof(
      // 4088 bytes and an 8-byte header are the smallest pooled frame.
      fc.constantFrom(4088, 4096, 65535, 65536, 70_000, 1024 * 1024),
      fc.integer({ min: 4088, max: 300_000 }),
    );
    fc.assert(
      fc.property(sizes, fc.boolean(), fc.integer({ min: 0, max: 255 }), (size, binary, seed) => {
        const payload = Buffer.allocUnsafe(size);
        for (let i = 0; i < size; i++) payload[i] = (i * 31 + seed) & 0xff;
        const data = binary ? payload : payload.toString('latin1').replace(/[^\x20-\x7e]/g, 'a');
        const lent: Buffer[] = [];
        const frames = {
          allocFrame: (n: number) => {
            const block = p.take(n);
            if (block !== null) lent.push(block);
            return block;
          },
        };
        const opcode = binary ? Opcode.Binary : Opcode.Text;
        try {
          const parts = encodeFrame(opcode, data, { fin: true, rsv: 0, mask: true, frames });
          assert.equal(parts.length, 1);
          assert.equal(lent.length, 1, 'the frame came from the pool');
          assert.ok(p.owns(parts[0]!));
          const [frame] = decodeFrames(parts[0]!);
          assert.ok(frame!.masked);
          assert.deepEqual(frame!.payload, binary ? payload : Buffer.from(data as string));
          if (binary) assert.equal(payload[0], seed & 0xff, "the caller's payload is unchanged");
        } finally {
          for (const b of lent) p.release(b);
        }
      }),
      { numRuns: 60 },
    );
    assert.equal(p.outstanding, 0);
  });
});
