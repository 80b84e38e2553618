import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import { applyMask } from '../../src/protocol/mask.js';
import { bytesOfLength, cuts } from '../helpers/arbitraries.js';
import {
  type Frame,
  foldFrames,
  GatheringFrameHandler,
  RecordingFrameHandler,
} from '../helpers/wire.js';

/** Lengths with extra weight on the 7/16/64-bit boundaries. */
const length = fc.oneof(
  fc.integer({ min: 0, max: 130 }),
  fc.integer({ min: 65530, max: 65540 }),
  fc.integer({ min: 0, max: 70000 }),
);

/** A frame with its header fields and payload drawn from `payloadLength`. */
function frameOf(payloadLength: fc.Arbitrary<number>): fc.Arbitrary<Frame> {
  return fc
    .record({
      fin: fc.boolean(),
      rsv: fc.integer({ min: 0, max: 7 }),
      opcode: fc.integer({ min: 0, max: 15 }),
      masked: fc.boolean(),
      payload: payloadLength.chain(bytesOfLength),
    })
    .map((f) => ({ ...f })); // fc.record objects have a null prototype; deepEqual checks it
}

const frame = frameOf(length);

test('§5.2: any frame encodes and decodes to itself', () => {
  fc.assert(
    fc.property(frame, (f) => {
      const original = Buffer.from(f.payload);
      const bytes = Buffer.concat(
        encodeFrame(f.opcode, f.payload, { fin: f.fin, rsv: f.rsv, mask: f.masked }),
      );
      assert.ok(f.payload.equals(original), 'the encoder changed the payload');
      const handler = new RecordingFrameHandler();
      const decoder = new FrameDecoder(handler);
      decoder.push(bytes);
      const { frames, partial, headerError } = foldFrames(handler.events);
      assert.equal(headerError, null);
      assert.equal(partial, false);
      assert.ok(decoder.idle);
      assert.deepEqual(frames, [f]);
      assert.deepEqual(handler.events[0], {
        type: 'start',
        fin: f.fin,
        rsv: f.rsv,
        opcode: f.opcode,
        length: f.payload.length,
        masked: f.masked,
      });
    }),
    { numRuns: 150 },
  );
});

test('§5.2: a sequence of frames split into arbitrary chunks decodes to the same frames', () => {
  const small = frameOf(
    fc.oneof(fc.integer({ min: 0, max: 130 }), fc.integer({ min: 65534, max: 65537 })),
  );
  fc.assert(
    fc.property(
      fc.array(small, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (frames, points) => {
        const bytes = Buffer.concat(
          frames.flatMap((f) =>
            encodeFrame(f.opcode, f.payload, { fin: f.fin, rsv: f.rsv, mask: f.masked }),
          ),
        );
        const handler = new RecordingFrameHandler();
        const decoder = new FrameDecoder(handler);
        for (const chunk of cuts(bytes, points)) decoder.push(chunk);
        const folded = foldFrames(handler.events);
        assert.deepEqual(folded.frames, frames);
        assert.ok(decoder.idle);
      },
    ),
    { numRuns: 100 },
  );
});

test('§5.2: with payloads gathered into buffers, any split decodes to the same frames', () => {
  const small = frameOf(
    fc.oneof(fc.integer({ min: 0, max: 1100 }), fc.integer({ min: 65534, max: 65537 })),
  );
  fc.assert(
    fc.property(
      fc.array(small, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.nat({ max: 70000 }),
      (frames, points, limit) => {
        const bytes = Buffer.concat(
          frames.flatMap((f) =>
            encodeFrame(f.opcode, f.payload, { fin: f.fin, rsv: f.rsv, mask: f.masked }),
          ),
        );
        // Some payloads are gathered, larger ones (over `limit`) are handed on in pieces.
        const handler = new GatheringFrameHandler((length) => length <= limit);
        const decoder = new FrameDecoder(handler);
        for (const chunk of cuts(bytes, points)) decoder.push(chunk);
        assert.deepEqual(foldFrames(handler.events).frames, frames);
        assert.ok(decoder.idle);
      },
    ),
    { numRuns: 150 },
  );
});

test('§5.3: applyMask equals the RFC formula for any data, span and phase', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 600 }),
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.nat({ max: 600 }),
      fc.nat({ max: 600 }),
      fc.nat({ max: 7 }),
      (data, key, a, b, phase) => {
        const start = Math.min(a, b) % (data.length + 1);
        const end = Math.max(start, Math.max(a, b) % (data.length + 1));
        const actual = Buffer.from(data);
        applyMask(actual, start, end, key, phase);
        const expected = Buffer.from(data);
        for (let i = start; i < end; i++) {
          expected[i] = expected[i]! ^ key[(i - start + phase) % 4]!;
        }
        assert.ok(actual.equals(expected));
      },
    ),
    { numRuns: 300 },
  );
});
