import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtocolError } from '../../src/protocol/errors.js';
import type { Role } from '../../src/protocol/types.js';
import { engine } from '../helpers/recording-sink.js';
import { parseClose, ROLES, rawFrame, writtenFrames } from '../helpers/wire.js';

/** Mostly `usual`, sometimes anything `other` gives: input that gets past the first check. */
function mostly<T>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 9, arbitrary: usual }, { weight: 1, arbitrary: other });
}

/**
 * Input that reaches deep into the engine: random bytes mixed with frames whose header fields
 * are usually right for a peer of `role` and sometimes anything (opcode, RSV, FIN, mask bit,
 * length width), whose payload is random, UTF-8 text or a close code, and which may be cut short.
 */
function input(role: Role): fc.Arbitrary<Buffer> {
  const frame = fc
    .record({
      fin: mostly(fc.constant(true), fc.boolean()),
      rsv: mostly(fc.constant(0), fc.integer({ min: 0, max: 7 })),
      opcode: mostly(
        fc.constantFrom(0x0, 0x1, 0x1, 0x2, 0x8, 0x9, 0xa),
        fc.integer({ min: 0, max: 15 }),
      ),
      masked: mostly(fc.constant(role === 'server'), fc.boolean()),
      payload: fc.oneof(
        fc.uint8Array({ maxLength: 140 }),
        fc
          .tuple(
            fc.oneof(fc.constantFrom(1000, 1001, 1005, 1006, 3000, 4999), fc.nat({ max: 0xffff })),
            fc.uint8Array({ maxLength: 20 }),
          )
          .map(([code, rest]) => Uint8Array.from([code >> 8, code & 0xff, ...rest])),
        fc.string({ unit: 'binary', maxLength: 40 }).map((s) => new Uint8Array(Buffer.from(s))),
      ),
      lengthField: mostly(
        fc.constant(undefined),
        fc.constantFrom(7 as const, 16 as const, 64 as const),
      ),
      truncate: fc.nat({ max: 7 }),
    })
    .map((f) => {
      const minimal = f.payload.length < 126 ? 7 : 16;
      const field = f.lengthField === 7 ? minimal : (f.lengthField ?? minimal);
      const bytes = rawFrame({
        opcode: f.opcode,
        fin: f.fin,
        rsv: f.rsv,
        payload: f.payload,
        lengthField: field,
        ...(f.masked ? { maskKey: Uint8Array.from([1, 2, 3, 4]) } : {}),
      });
      return f.truncate === 0 ? bytes.subarray(0, bytes.length - 1) : bytes;
    });
  return fc
    .array(
      fc.oneof(
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
        { weight: 6, arbitrary: frame },
      ),
      { maxLength: 10 },
    )
    .map((parts) => Buffer.concat(parts));
}

const chunkPoints = fc.oneof(
  fc.array(fc.nat(), { maxLength: 30 }),
  fc.constant(null), // one byte at a time
);

function run(role: Role, bytes: Buffer, points: number[] | null, maxPayload: number) {
  const e = engine(role, { maxPayload });
  const chunks: Buffer[] = [];
  if (points === null) {
    for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
  } else {
    const cuts = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
    let prev = 0;
    for (const p of [...cuts, bytes.length]) {
      chunks.push(bytes.subarray(prev, p));
      prev = p;
    }
  }
  for (const chunk of chunks) e.conn.receive(chunk);
  return e;
}

for (const role of ROLES) {
  test(`§7.1.7: any input to a ${role} never throws and ends open, failed with 1002/1007/1009, or closed by the peer`, () => {
    fc.assert(
      fc.property(
        input(role),
        chunkPoints,
        fc.constantFrom(16, 100, 1 << 20),
        (bytes, points, maxPayload) => {
          const { conn, sink } = run(role, Buffer.from(bytes), points, maxPayload);
          const frames = writtenFrames(sink);
          const closes = frames.filter((f) => f.opcode === 0x8);
          const errors = sink.events.flatMap((e) => (e.type === 'error' ? [e.error] : []));
          assert.ok(frames.every((f) => f.masked === (role === 'client')));
          assert.ok(frames.every((f) => f.opcode === 0x8 || f.opcode === 0xa));
          if (conn.state === 'open') {
            // Still open: everything so far was valid, or more bytes are needed.
            assert.equal(closes.length, 0);
            assert.equal(errors.length, 0);
            assert.equal(conn.error, null);
          } else if (conn.error !== null) {
            assert.equal(conn.state, 'closed');
            assert.equal(errors.length, 1);
            assert.ok(errors[0] instanceof ProtocolError);
            assert.ok([1002, 1007, 1009].includes(conn.error.closeCode), `${conn.error.code}`);
            assert.equal(closes.length, 1);
            assert.equal(parseClose(closes[0]!).code, conn.error.closeCode);
            assert.equal(sink.received.filter((e) => e.type === 'peer-close').length, 0);
          } else {
            // The peer's Close was valid: echoed once, cleanly.
            assert.equal(conn.state, 'closed');
            assert.equal(errors.length, 0);
            assert.equal(closes.length, 1);
            assert.ok(conn.closedCleanly);
            assert.equal(sink.received.filter((e) => e.type === 'peer-close').length, 1);
          }
          const stateEvents = sink.received.filter((e) => e.type === 'state');
          assert.deepEqual(
            stateEvents,
            conn.state === 'open' ? [] : [{ type: 'state', state: 'closed' }],
          );
          // The outcome does not depend on how the input was split.
          const whole = run(role, Buffer.from(bytes), [], maxPayload);
          assert.deepEqual(whole.sink.received, sink.received);
        },
      ),
      { numRuns: 300 },
    );
  });
}
