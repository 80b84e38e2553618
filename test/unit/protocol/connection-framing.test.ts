import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame } from '../../../src/protocol/frame-encoder.js';
import { engine, peerFrame } from '../../helpers/recording-sink.js';
import {
  assertFailed,
  feedInChunks,
  KEY,
  ROLES,
  rawFrame,
  rawPeerFrame,
  writtenFrames,
} from '../../helpers/wire.js';

const BOUNDARIES = [0, 125, 126, 127, 65535, 65536, 65537];

function pattern(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 17 + 5) & 0xff;
  return out;
}

// ---- §5.1 / §5.3: who masks ----

test('§5.1: a server fails on an unmasked client frame with 1002', () => {
  const { conn, sink } = engine('server');
  conn.receive(rawFrame({ opcode: 0x1, payload: Buffer.from('hi') }));
  assertFailed(conn, sink, 1002, 'WS_ERR_EXPECTED_MASK');
  assert.equal(sink.received.filter((e) => e.type === 'message').length, 0);
});

test('§5.1: a server fails on an unmasked control frame too', () => {
  const { conn, sink } = engine('server');
  conn.receive(rawFrame({ opcode: 0x9, payload: Buffer.from('p') }));
  assertFailed(conn, sink, 1002, 'WS_ERR_EXPECTED_MASK');
  assert.equal(sink.received.filter((e) => e.type === 'ping').length, 0);
});

test('§5.1: a client fails on a masked server frame with 1002', () => {
  const { conn, sink } = engine('client');
  conn.receive(rawFrame({ opcode: 0x1, payload: Buffer.from('hi'), maskKey: KEY }));
  assertFailed(conn, sink, 1002, 'WS_ERR_UNEXPECTED_MASK');
});

test('§5.1: a server fails on the unmasked frame as soon as its 2-byte header arrives', () => {
  const { conn, sink } = engine('server');
  conn.receive(rawFrame({ opcode: 0x2, payload: pattern(1000) }).subarray(0, 4));
  assertFailed(conn, sink, 1002, 'WS_ERR_EXPECTED_MASK');
});

test('§5.1: a server never masks the frames it sends', () => {
  const { conn, sink } = engine('server');
  conn.send('text', false);
  conn.send(Buffer.from([1, 2]), true);
  conn.ping('p');
  conn.pong('q');
  conn.close(1000);
  const frames = writtenFrames(sink);
  assert.equal(frames.length, 5);
  assert.ok(frames.every((f) => !f.masked));
});

test('§5.3: a client masks every frame it sends', () => {
  const { conn, sink } = engine('client');
  conn.send('text', false);
  conn.send(Buffer.from([1, 2]), true);
  conn.send('', false);
  conn.ping();
  conn.pong('q');
  conn.close(1000, 'bye');
  const frames = writtenFrames(sink);
  assert.equal(frames.length, 6);
  assert.ok(frames.every((f) => f.masked));
  assert.deepEqual(
    frames.map((f) => [f.opcode, f.payload.toString('latin1')]),
    [
      [0x1, 'text'],
      [0x2, '\x01\x02'],
      [0x1, ''],
      [0x9, ''],
      [0xa, 'q'],
      [0x8, '\x03\xe8bye'],
    ],
  );
});

test("§5.3: the client's masking keys differ between frames", () => {
  const { conn, sink } = engine('client');
  for (let i = 0; i < 200; i++) conn.send('same payload', false);
  const keys = new Set(
    sink.events.flatMap((e) => (e.type === 'write' ? [e.data.subarray(2, 6).toString('hex')] : [])),
  );
  // 200 random 32-bit keys collide with probability about 5e-6.
  assert.equal(keys.size, 200);
  const bodies = new Set(
    sink.events.flatMap((e) => (e.type === 'write' ? [e.data.subarray(6).toString('hex')] : [])),
  );
  assert.ok(bodies.size > 1, 'the same payload is masked differently in different frames');
});

for (const length of [0, 5, 200, 70000]) {
  test(`§5.3: a client-side send of ${length} bytes does not modify the caller's payload`, () => {
    const { conn, sink } = engine('client');
    const payload = pattern(length);
    const copy = Buffer.from(payload);
    conn.send(payload, true);
    assert.ok(payload.equals(copy));
    const view = new Uint8Array(copy);
    conn.send(view, true);
    assert.ok(Buffer.from(view).equals(copy));
    const frames = writtenFrames(sink);
    assert.ok(frames.every((f) => f.masked && f.payload.equals(copy)));
  });
}

test("§5.3: a client-side ping and pong do not modify the caller's payload", () => {
  const { conn } = engine('client');
  const payload = Buffer.from('ping body');
  conn.ping(payload);
  conn.pong(payload);
  assert.equal(payload.toString(), 'ping body');
});

// ---- §5.2: lengths ----

for (const role of ROLES) {
  for (const length of BOUNDARIES) {
    test(`§5.2: a ${role} receives a ${length}-byte binary message intact`, () => {
      const { conn, sink } = engine(role);
      const payload = pattern(length);
      conn.receive(peerFrame(role, 0x2, payload));
      assert.deepEqual(sink.received, [{ type: 'message', data: payload, binary: true }]);
      assert.equal(sink.events.length, 1, 'nothing is written for a data message');
    });

    test(`§5.2: a ${role}'s ${length}-byte send round trips through the peer engine`, () => {
      const peer = role === 'server' ? 'client' : 'server';
      const a = engine(role);
      const b = engine(peer);
      const payload = pattern(length);
      a.conn.send(payload, true);
      a.conn.send(payload.toString('latin1'), false);
      b.conn.receive(a.sink.written);
      assert.deepEqual(b.sink.received, [
        { type: 'message', data: payload, binary: true },
        { type: 'message', data: Buffer.from(payload.toString('latin1')), binary: false },
      ]);
    });
  }

  test(`§5.2: a ${role} fails on a 64-bit length with its top bit set with 1002`, () => {
    const { conn, sink } = engine(role);
    conn.receive(rawPeerFrame(role, { opcode: 0x2, lengthField: 64, length: 1n << 63n }));
    assertFailed(conn, sink, 1002, 'WS_ERR_LENGTH_TOP_BIT');
  });

  test(`§5.2: a ${role} fails on a top-bit length before a larger maxPayload matters`, () => {
    const { conn, sink } = engine(role, { maxPayload: Number.MAX_SAFE_INTEGER });
    conn.receive(rawPeerFrame(role, { opcode: 0x2, lengthField: 64, length: 0xffffffffffffffffn }));
    assertFailed(conn, sink, 1002, 'WS_ERR_LENGTH_TOP_BIT');
  });

  for (const [field, length] of [
    [16, 0n],
    [16, 125n],
    [64, 125n],
    [64, 126n],
    [64, 65535n],
  ] as const) {
    test(`§5.2: a ${role} fails on length ${length} in a ${field}-bit field (not minimal) with 1002`, () => {
      const { conn, sink } = engine(role);
      const payload = pattern(Number(length));
      conn.receive(rawPeerFrame(role, { opcode: 0x2, lengthField: field, length, payload }));
      assertFailed(conn, sink, 1002, 'WS_ERR_NON_MINIMAL_LENGTH');
      assert.equal(sink.received.filter((e) => e.type === 'message').length, 0);
    });
  }

  // ---- §5.2: RSV bits and opcodes ----

  for (const [bit, rsv] of [
    ['RSV1', 4],
    ['RSV2', 2],
    ['RSV3', 1],
    ['all RSV bits', 7],
  ] as const) {
    test(`§5.2: a ${role} fails on ${bit} without a negotiated extension with 1002`, () => {
      const { conn, sink } = engine(role);
      conn.receive(rawPeerFrame(role, { opcode: 0x1, rsv, payload: Buffer.from('x') }));
      assertFailed(conn, sink, 1002, 'WS_ERR_UNEXPECTED_RSV');
    });
  }

  test(`§5.2: a ${role} fails on an RSV bit on a control frame with 1002`, () => {
    const { conn, sink } = engine(role);
    conn.receive(rawPeerFrame(role, { opcode: 0x9, rsv: 4 }));
    assertFailed(conn, sink, 1002, 'WS_ERR_UNEXPECTED_RSV');
  });

  for (const opcode of [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    test(`§5.2: a ${role} fails on reserved opcode 0x${opcode.toString(16)} with 1002`, () => {
      const { conn, sink } = engine(role);
      conn.receive(rawPeerFrame(role, { opcode, payload: Buffer.from('x') }));
      assertFailed(conn, sink, 1002, 'WS_ERR_INVALID_OPCODE');
    });
  }

  test(`§5.2: a ${role} fails on a reserved opcode inside a fragmented message with 1002`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x1, 'part', false));
    conn.receive(rawPeerFrame(role, { opcode: 0x3, fin: false }));
    assertFailed(conn, sink, 1002, 'WS_ERR_INVALID_OPCODE');
    assert.equal(sink.received.filter((e) => e.type === 'message').length, 0);
  });

  // ---- §5.6: data frames ----

  test(`§5.6: a ${role} delivers text as text and binary as binary, in order`, () => {
    const { conn, sink } = engine(role);
    conn.receive(
      Buffer.concat([
        peerFrame(role, 0x1, 'héllo wörld ✓ 😀'),
        peerFrame(role, 0x2, Buffer.from([0, 255])),
        peerFrame(role, 0x1, ''),
        peerFrame(role, 0x2, Buffer.alloc(0)),
      ]),
    );
    assert.deepEqual(sink.received, [
      { type: 'message', data: Buffer.from('héllo wörld ✓ 😀'), binary: false },
      { type: 'message', data: Buffer.from([0, 255]), binary: true },
      { type: 'message', data: Buffer.alloc(0), binary: false },
      { type: 'message', data: Buffer.alloc(0), binary: true },
    ]);
  });

  test(`§5.2: a ${role} gives the same events when the input arrives one byte at a time`, () => {
    const bytes = Buffer.concat([
      peerFrame(role, 0x1, 'a'.repeat(200)),
      peerFrame(role, 0x2, pattern(70000)),
      peerFrame(role, 0x9, 'ping'),
      peerFrame(role, 0x1, 'frag-', false),
      peerFrame(role, 0x0, 'ment'),
    ]);
    const whole = engine(role);
    whole.conn.receive(Buffer.from(bytes));
    const split = engine(role);
    feedInChunks(split.conn, Buffer.from(bytes), 1);
    assert.deepEqual(split.sink.received, whole.sink.received);
    assert.equal(whole.sink.received.length, 4);
    assert.deepEqual(
      writtenFrames(split.sink).map((f) => [f.opcode, f.payload.toString()]),
      [[0xa, 'ping']],
    );
  });
}

test('§5.7: a server decodes the RFC\'s masked "Hello" example', () => {
  const { conn, sink } = engine('server');
  conn.receive(Buffer.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]));
  assert.deepEqual(sink.received, [{ type: 'message', data: Buffer.from('Hello'), binary: false }]);
});

test("§5.7: a client decodes the RFC's unmasked examples", () => {
  const { conn, sink } = engine('client');
  conn.receive(Buffer.from([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]));
  conn.receive(Buffer.from([0x01, 0x03, 0x48, 0x65, 0x6c]));
  conn.receive(Buffer.from([0x80, 0x02, 0x6c, 0x6f]));
  conn.receive(Buffer.concat([Buffer.from([0x82, 0x7e, 0x01, 0x00]), pattern(256)]));
  conn.receive(Buffer.concat([Buffer.from([0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]), pattern(65536)]));
  assert.deepEqual(sink.received, [
    { type: 'message', data: Buffer.from('Hello'), binary: false },
    { type: 'message', data: Buffer.from('Hello'), binary: false },
    { type: 'message', data: pattern(256), binary: true },
    { type: 'message', data: pattern(65536), binary: true },
  ]);
});

test("§5.7: a client answers the RFC's unmasked ping with a masked pong of the same body", () => {
  const { conn, sink } = engine('client');
  conn.receive(Buffer.from([0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]));
  const written = sink.written;
  assert.equal(written[0], 0x8a);
  assert.equal(written[1], 0x85);
  const frames = writtenFrames(sink);
  assert.deepEqual(
    frames.map((f) => [f.opcode, f.masked, f.payload.toString()]),
    [[0xa, true, 'Hello']],
  );
});

test('§5.2: a large server send is written as header and payload apart', () => {
  const { conn, sink } = engine('server');
  const payload = pattern(100_000);
  conn.send(payload, true);
  const writes = sink.events.filter((e) => e.type === 'write');
  assert.equal(writes.length, 2);
  assert.equal(writes[0]?.data.length, 10);
  assert.ok(writes[1]?.type === 'write' && writes[1].data.equals(payload));
  assert.deepEqual(
    Buffer.concat(encodeFrame(0x2, payload, { fin: true, rsv: 0, mask: false })),
    sink.written,
  );
});
