import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameDecoder } from '../../../src/protocol/frame-decoder.js';
import { encodeFrame } from '../../../src/protocol/frame-encoder.js';
import {
  foldFrames,
  GatheringFrameHandler,
  KEY,
  RecordingFrameHandler,
  rawFrame,
} from '../../helpers/wire.js';

const BOUNDARIES = [0, 1, 125, 126, 127, 65535, 65536, 65537];

function pattern(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

function decode(bytes: Buffer, chunk = bytes.length) {
  const handler = new RecordingFrameHandler();
  const decoder = new FrameDecoder(handler);
  for (let i = 0; i < bytes.length; i += chunk) decoder.push(bytes.subarray(i, i + chunk));
  return { handler, decoder, ...foldFrames(handler.events) };
}

for (const length of BOUNDARIES) {
  for (const masked of [false, true]) {
    test(`§5.2: a ${length}-byte ${masked ? 'masked' : 'unmasked'} payload decodes with its length`, () => {
      const payload = pattern(length);
      const bytes = Buffer.concat(encodeFrame(0x2, payload, { fin: true, rsv: 0, mask: masked }));
      const { handler, frames, decoder } = decode(bytes);
      assert.deepEqual(handler.events[0], {
        type: 'start',
        fin: true,
        rsv: 0,
        opcode: 0x2,
        length,
        masked,
      });
      assert.equal(frames.length, 1);
      assert.ok(frames[0]!.payload.equals(payload));
      assert.ok(decoder.idle);
    });
  }
}

test('§5.7: the RFC example frames decode to their payloads', () => {
  const examples: [number[], number, boolean, string][] = [
    [[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f], 0x1, false, 'Hello'],
    [[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58], 0x1, true, 'Hello'],
    [[0x01, 0x03, 0x48, 0x65, 0x6c], 0x1, false, 'Hel'],
    [[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f], 0x9, false, 'Hello'],
    [[0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58], 0xa, true, 'Hello'],
  ];
  for (const [bytes, opcode, masked, text] of examples) {
    const { frames } = decode(Buffer.from(bytes));
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.opcode, opcode);
    assert.equal(frames[0]!.masked, masked);
    assert.equal(frames[0]!.payload.toString(), text);
  }
  const tail = decode(Buffer.from([0x80, 0x02, 0x6c, 0x6f])).frames[0]!;
  assert.deepEqual([tail.opcode, tail.fin, tail.payload.toString()], [0x0, true, 'lo']);
  const big = decode(Buffer.concat([Buffer.from([0x82, 0x7e, 0x01, 0x00]), pattern(256)]));
  assert.ok(big.frames[0]!.payload.equals(pattern(256)));
  const huge = Buffer.concat([Buffer.from([0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]), pattern(65536)]);
  assert.ok(decode(huge).frames[0]!.payload.equals(pattern(65536)));
});

test('§5.2: FIN, RSV bits and every opcode are reported as they are on the wire', () => {
  for (let opcode = 0; opcode < 16; opcode++) {
    for (let rsv = 0; rsv < 8; rsv++) {
      for (const fin of [false, true]) {
        const { handler } = decode(rawFrame({ opcode, rsv, fin, payload: Buffer.from('x') }));
        assert.deepEqual(handler.events[0], {
          type: 'start',
          fin,
          rsv,
          opcode,
          length: 1,
          masked: false,
        });
      }
    }
  }
});

test('§5.2: a 64-bit length with its most significant bit set is a header error', () => {
  const bytes = rawFrame({ opcode: 0x2, lengthField: 64, length: 1n << 63n });
  const { handler, decoder } = decode(bytes);
  assert.deepEqual(handler.events, [{ type: 'header-error', kind: 'length-top-bit' }]);
  assert.ok(decoder.stopped);
});

test('§5.2: a 64-bit length of exactly 2^63 + 0x10000 also fails on the top bit', () => {
  const bytes = rawFrame({ opcode: 0x2, lengthField: 64, length: (1n << 63n) + 0x10000n });
  assert.deepEqual(decode(bytes).handler.events, [
    { type: 'header-error', kind: 'length-top-bit' },
  ]);
});

for (const [field, length] of [
  [16, 0n],
  [16, 125n],
  [64, 0n],
  [64, 125n],
  [64, 126n],
  [64, 65535n],
] as const) {
  test(`§5.2: a length of ${length} in a ${field}-bit field is not minimal and is a header error`, () => {
    const bytes = rawFrame({ opcode: 0x2, lengthField: field, length });
    const { handler } = decode(Buffer.concat([bytes, Buffer.alloc(Number(length))]));
    assert.deepEqual(handler.events, [{ type: 'header-error', kind: 'non-minimal-length' }]);
  });
}

test('§5.2: the smallest lengths of each extended field are minimal', () => {
  for (const [field, length] of [
    [16, 126n],
    [64, 65536n],
  ] as const) {
    const bytes = rawFrame({ opcode: 0x2, lengthField: field, length });
    const { frames, headerError } = decode(Buffer.concat([bytes, Buffer.alloc(Number(length))]));
    assert.equal(headerError, null);
    assert.equal(frames[0]!.payload.length, Number(length));
  }
});

test('§5.2: a length beyond 2^53 is reported as Number.MAX_SAFE_INTEGER, never wrapped', () => {
  const handler = new RecordingFrameHandler(() => false);
  const decoder = new FrameDecoder(handler);
  decoder.push(rawFrame({ opcode: 0x2, lengthField: 64, length: (1n << 62n) + 5n }));
  assert.deepEqual(handler.events, [
    {
      type: 'start',
      fin: true,
      rsv: 0,
      opcode: 0x2,
      length: Number.MAX_SAFE_INTEGER,
      masked: false,
    },
  ]);
  const exact = new RecordingFrameHandler(() => false);
  new FrameDecoder(exact).push(
    rawFrame({ opcode: 0x2, lengthField: 64, length: BigInt(Number.MAX_SAFE_INTEGER) }),
  );
  assert.equal(
    exact.events[0]?.type === 'start' && exact.events[0].length,
    Number.MAX_SAFE_INTEGER,
  );
});

test('§5.2: the header is reported before any payload byte arrives', () => {
  const handler = new RecordingFrameHandler();
  const decoder = new FrameDecoder(handler);
  const bytes = rawFrame({ opcode: 0x2, payload: pattern(70000), maskKey: KEY });
  decoder.push(bytes.subarray(0, 14));
  assert.deepEqual(handler.events, [
    { type: 'start', fin: true, rsv: 0, opcode: 0x2, length: 70000, masked: true },
  ]);
  assert.equal(decoder.idle, false);
});

test('§5.2: a header split at every byte boundary gives the same events', () => {
  const frames = [
    rawFrame({ opcode: 0x1, payload: Buffer.from('hi'), maskKey: KEY }),
    rawFrame({ opcode: 0x2, payload: pattern(300), maskKey: KEY }),
    rawFrame({ opcode: 0x2, payload: pattern(65536), maskKey: KEY }),
    rawFrame({ opcode: 0x9, payload: Buffer.alloc(0) }),
  ];
  const bytes = Buffer.concat(frames);
  const whole = decode(Buffer.from(bytes)).frames;
  for (const chunk of [1, 2, 3, 5, 7, 13, 14, 15]) {
    assert.deepEqual(decode(Buffer.from(bytes), chunk).frames, whole, `chunks of ${chunk}`);
  }
  assert.equal(whole.length, 4);
});

test('§5.3: a masked payload is unmasked with the key phase kept across chunks', () => {
  const payload = pattern(1000);
  const bytes = rawFrame({ opcode: 0x2, payload, maskKey: KEY });
  for (const chunk of [1, 3, 64, 65, 67, 999]) {
    const { frames } = decode(Buffer.from(bytes), chunk);
    assert.ok(frames[0]!.payload.equals(payload), `chunks of ${chunk}`);
  }
});

test('§5.2: payload data is handed on as views into the input chunk, not copies', () => {
  const seen: Buffer[] = [];
  const decoder = new FrameDecoder({
    onFrameStart: () => true,
    onFrameData: (data) => seen.push(data),
    onFrameEnd: () => {},
    onHeaderError: () => {},
  });
  const bytes = rawFrame({ opcode: 0x2, payload: pattern(10) });
  decoder.push(bytes);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.buffer, bytes.buffer);
  assert.equal(seen[0]!.byteOffset, bytes.byteOffset + 2);
});

test('§5.2: a refused frame stops the decoder before its payload', () => {
  const handler = new RecordingFrameHandler((opcode) => opcode !== 0x2);
  const decoder = new FrameDecoder(handler);
  decoder.push(
    Buffer.concat([
      rawFrame({ opcode: 0x1, payload: Buffer.from('a') }),
      rawFrame({ opcode: 0x2, payload: Buffer.from('b') }),
      rawFrame({ opcode: 0x1, payload: Buffer.from('c') }),
    ]),
  );
  assert.deepEqual(handler.events.slice(3), [
    { type: 'start', fin: true, rsv: 0, opcode: 0x2, length: 1, masked: false },
  ]);
  assert.ok(decoder.stopped);
  decoder.push(rawFrame({ opcode: 0x1, payload: Buffer.from('d') }));
  assert.equal(handler.events.length, 4);
});

test('§7.1.7: stop() discards all further input, even mid-frame', () => {
  const handler = new RecordingFrameHandler();
  const decoder = new FrameDecoder(handler);
  const bytes = rawFrame({ opcode: 0x2, payload: pattern(10) });
  decoder.push(bytes.subarray(0, 5));
  decoder.stop();
  decoder.push(bytes.subarray(5));
  decoder.push(rawFrame({ opcode: 0x1, payload: Buffer.from('x') }));
  assert.equal(handler.events.filter((e) => e.type === 'end').length, 0);
  assert.ok(decoder.stopped);
});

test('§5.2: a handler that stops the decoder from a data callback gets no more events', () => {
  const events: string[] = [];
  const decoder: FrameDecoder = new FrameDecoder({
    onFrameStart: () => {
      events.push('start');
      return true;
    },
    onFrameData: () => {
      events.push('data');
      decoder.stop();
    },
    onFrameEnd: () => events.push('end'),
    onHeaderError: () => events.push('error'),
  });
  decoder.push(
    Buffer.concat([
      rawFrame({ opcode: 0x2, payload: pattern(4) }),
      rawFrame({ opcode: 0x2, payload: pattern(4) }),
    ]),
  );
  assert.deepEqual(events, ['start', 'data']);
});

test('§5.2: a handler that stops the decoder at frame end gets no more events', () => {
  const events: string[] = [];
  const decoder: FrameDecoder = new FrameDecoder({
    onFrameStart: () => {
      events.push('start');
      return true;
    },
    onFrameData: () => events.push('data'),
    onFrameEnd: () => {
      events.push('end');
      decoder.stop();
    },
    onHeaderError: () => events.push('error'),
  });
  decoder.push(
    Buffer.concat([
      rawFrame({ opcode: 0x8, payload: Buffer.alloc(0) }),
      rawFrame({ opcode: 0x2, payload: pattern(4) }),
    ]),
  );
  assert.deepEqual(events, ['start', 'end']);
  assert.ok(decoder.stopped);
});

test('§5.2: idle is true only between frames', () => {
  const handler = new RecordingFrameHandler();
  const decoder = new FrameDecoder(handler);
  assert.ok(decoder.idle);
  decoder.push(Buffer.from([0x82]));
  assert.equal(decoder.idle, false);
  decoder.push(Buffer.from([0x02, 0xaa]));
  assert.equal(decoder.idle, false);
  decoder.push(Buffer.from([0xbb]));
  assert.ok(decoder.idle);
  decoder.push(Buffer.alloc(0));
  assert.ok(decoder.idle);
});

test('§5.2: empty frames back to back in one chunk each give start and end', () => {
  const bytes = Buffer.concat([
    rawFrame({ opcode: 0x1, fin: false }),
    rawFrame({ opcode: 0x0, fin: false }),
    rawFrame({ opcode: 0x0 }),
  ]);
  const { frames } = decode(bytes);
  assert.deepEqual(
    frames.map((f) => [f.opcode, f.fin, f.payload.length]),
    [
      [0x1, false, 0],
      [0x0, false, 0],
      [0x0, true, 0],
    ],
  );
});

test('§5.2/§5.3: a payload that spans chunks is gathered, unmasked, into the buffer the handler gives', () => {
  for (const length of [2, 600, 65536]) {
    const payload = pattern(length);
    const bytes = rawFrame({ opcode: 0x2, payload, maskKey: KEY });
    for (const chunk of [1, 7, 513, 4096]) {
      if (chunk >= bytes.length) continue;
      const handler = new GatheringFrameHandler();
      const decoder = new FrameDecoder(handler);
      const input = Buffer.from(bytes);
      for (let i = 0; i < input.length; i += chunk) decoder.push(input.subarray(i, i + chunk));
      assert.equal(handler.given.length, 1, `${length} B in ${chunk} B chunks: one buffer asked`);
      const data = handler.events.filter((e) => e.type === 'data');
      assert.equal(data.length, 1, 'the payload is handed on once');
      assert.ok(data[0]!.data.equals(payload));
      assert.ok(handler.given[0]!.equals(payload), 'the very buffer given holds the payload');
      assert.ok(input.equals(bytes), 'the input is left masked');
      assert.ok(decoder.idle);
    }
  }
});

test('§5.2: a payload within one chunk, an empty one, or one the handler declines is not gathered', () => {
  const payload = pattern(300);
  const whole = new GatheringFrameHandler();
  new FrameDecoder(whole).push(
    Buffer.concat([rawFrame({ opcode: 0x2, payload }), rawFrame({ opcode: 0x2 })]),
  );
  assert.equal(whole.given.length, 0);
  assert.deepEqual(
    foldFrames(whole.events).frames.map((f) => f.payload.length),
    [300, 0],
  );
  const declined = new GatheringFrameHandler(() => false);
  const decoder = new FrameDecoder(declined);
  const bytes = rawFrame({ opcode: 0x1, payload, maskKey: KEY });
  for (let i = 0; i < bytes.length; i += 100) decoder.push(bytes.subarray(i, i + 100));
  assert.ok(declined.events.filter((e) => e.type === 'data').length > 1, 'pieces as they came');
  assert.ok(foldFrames(declined.events).frames[0]!.payload.equals(payload));
});

test('§7.1.7: stop() in the middle of a gathered payload hands nothing on', () => {
  const handler = new GatheringFrameHandler();
  const decoder = new FrameDecoder(handler);
  const bytes = rawFrame({ opcode: 0x2, payload: pattern(1000) });
  decoder.push(bytes.subarray(0, 500));
  decoder.stop();
  decoder.push(bytes.subarray(500));
  assert.deepEqual(
    handler.events.map((e) => e.type),
    ['start'],
  );
});
