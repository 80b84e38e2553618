import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { EngineEvent, Role } from '../../src/protocol/types.js';
import { bytesOfLength } from '../helpers/arbitraries.js';
import { engine, peerFrame } from '../helpers/recording-sink.js';
import { closeBody, ROLES, VALID_WIRE_CODES, writtenFrames } from '../helpers/wire.js';

/** A control frame the peer slips between the fragments of a message. */
type Interleaved = { opcode: 0x9 | 0xa; payload: Buffer } | null;

interface Message {
  binary: boolean;
  data: Buffer;
  /** Where the data is cut into fragments (possibly inside a UTF-8 sequence). */
  fragments: Buffer[];
  /** One slot per fragment boundary. */
  between: Interleaved[];
}

interface Script {
  messages: Message[];
  close: { code: number; reason: string } | null;
}

const control: fc.Arbitrary<Interleaved> = fc.option(
  fc.record({
    opcode: fc.constantFrom(0x9 as const, 0xa as const),
    payload: fc.uint8Array({ maxLength: 125 }).map((a) => Buffer.from(a)),
  }),
  { nil: null },
);

const data: fc.Arbitrary<{ binary: boolean; data: Buffer }> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .string({ unit: 'binary', maxLength: 300 })
      .map((s) => ({ binary: false, data: Buffer.from(s) })),
  },
  {
    weight: 4,
    arbitrary: fc
      .integer({ min: 0, max: 3000 })
      .chain(bytesOfLength)
      .map((data) => ({ binary: true, data })),
  },
  // Across the 16-bit / 64-bit length boundary.
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 65534, max: 65537 })
      .chain(bytesOfLength)
      .map((data) => ({ binary: true, data })),
  },
);

const message: fc.Arbitrary<Message> = data.chain(({ binary, data }) =>
  fc.array(fc.nat({ max: data.length }), { maxLength: 4 }).chain((points) => {
    const sorted = [...points].sort((a, b) => a - b);
    const fragments: Buffer[] = [];
    let prev = 0;
    for (const p of [...sorted, data.length]) {
      fragments.push(data.subarray(prev, p));
      prev = p;
    }
    return fc
      .array(control, { minLength: fragments.length - 1, maxLength: fragments.length - 1 })
      .map((between) => ({ binary, data, fragments, between }));
  }),
);

const script: fc.Arbitrary<Script> = fc.record({
  messages: fc.array(message, { maxLength: 6 }),
  close: fc.option(
    fc.record({
      code: fc.constantFrom(...VALID_WIRE_CODES),
      reason: fc.string({ unit: 'binary', maxLength: 30 }),
    }),
    { nil: null },
  ),
});

/** Chunk boundaries: arbitrary cut points, or one byte at a time. */
const split = fc.oneof(
  fc.array(fc.nat(), { maxLength: 60 }).map((points) => ({ bytewise: false, points })),
  fc.constant({ bytewise: true, points: [] as number[] }),
);

/** The peer's bytes for a script (with a valid frame after the Close, to be ignored). */
function encode(role: Role, s: Script): Buffer {
  const out: Buffer[] = [];
  for (const m of s.messages) {
    m.fragments.forEach((fragment, i) => {
      const opcode = i === 0 ? (m.binary ? 0x2 : 0x1) : 0x0;
      out.push(peerFrame(role, opcode, fragment, i === m.fragments.length - 1));
      const c = m.between[i];
      if (c) out.push(peerFrame(role, c.opcode, c.payload));
    });
  }
  if (s.close) {
    out.push(peerFrame(role, 0x8, closeBody(s.close.code, s.close.reason)));
    out.push(peerFrame(role, 0x1, 'after the close'));
  }
  return Buffer.concat(out);
}

/** The events the script must produce, other than writes. */
function expected(s: Script): EngineEvent[] {
  const events: EngineEvent[] = [];
  for (const m of s.messages) {
    for (const c of m.between) {
      if (c) events.push({ type: c.opcode === 0x9 ? 'ping' : 'pong', data: c.payload });
    }
    events.push({ type: 'message', data: m.data, binary: m.binary });
  }
  if (s.close) {
    events.push({ type: 'peer-close', code: s.close.code, reason: s.close.reason });
    events.push({ type: 'state', state: 'closed' });
  }
  return events;
}

function feed(role: Role, bytes: Buffer, chunking: { bytewise: boolean; points: number[] }) {
  const e = engine(role);
  // The engine unmasks in place: each run gets its own copy of the input.
  const input = Buffer.from(bytes);
  if (chunking.bytewise) {
    for (let i = 0; i < input.length; i++) e.conn.receive(input.subarray(i, i + 1));
  } else {
    const cuts = [...new Set(chunking.points.map((p) => p % (input.length + 1)))].sort(
      (a, b) => a - b,
    );
    let prev = 0;
    for (const p of [...cuts, input.length]) {
      e.conn.receive(input.subarray(prev, p));
      prev = p;
    }
  }
  return e;
}

for (const role of ROLES) {
  test(`§5.2/§5.4: any split of valid ${role}-bound input gives the same events as the whole`, () => {
    fc.assert(
      fc.property(script, split, (s, chunking) => {
        const bytes = encode(role, s);
        const whole = feed(role, bytes, { bytewise: false, points: [] });
        const chunked = feed(role, bytes, chunking);
        assert.deepEqual(whole.sink.received, expected(s));
        assert.deepEqual(chunked.sink.received, whole.sink.received);
        // Writes carry fresh masking keys from a client: compare them decoded.
        const out = writtenFrames(chunked.sink);
        assert.deepEqual(out, writtenFrames(whole.sink));
        const pings = s.messages.flatMap((m) =>
          m.between.flatMap((c) => (c?.opcode === 0x9 ? [c.payload] : [])),
        );
        const answers = s.close ? [...pings, closeBody(s.close.code, s.close.reason)] : pings;
        assert.deepEqual(
          out.map((f) => [f.opcode, f.masked, f.payload]),
          answers.map((p, i) => [
            s.close && i === answers.length - 1 ? 0x8 : 0xa,
            role === 'client',
            p,
          ]),
        );
        assert.equal(chunked.conn.state, s.close ? 'closed' : 'open');
        assert.equal(chunked.conn.error, null);
      }),
      { numRuns: 100 },
    );
  });
}
