import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engine, peerFrame } from '../../helpers/recording-sink.js';
import { assertFailed, ROLES, writtenFrames } from '../../helpers/wire.js';

for (const role of ROLES) {
  test(`§5.4: a ${role} joins a fragmented text message`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x1, 'Hel', false));
    conn.receive(peerFrame(role, 0x0, 'l', false));
    assert.deepEqual(sink.received, [], 'nothing is delivered before the final fragment');
    conn.receive(peerFrame(role, 0x0, 'o'));
    assert.deepEqual(sink.received, [
      { type: 'message', data: Buffer.from('Hello'), binary: false },
    ]);
  });

  test(`§5.4: a ${role} joins a fragmented binary message, empty fragments included`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x2, Buffer.alloc(0), false));
    conn.receive(peerFrame(role, 0x0, Buffer.from([1, 2]), false));
    conn.receive(peerFrame(role, 0x0, Buffer.alloc(0), false));
    conn.receive(peerFrame(role, 0x0, Buffer.from([3])));
    assert.deepEqual(sink.received, [
      { type: 'message', data: Buffer.from([1, 2, 3]), binary: true },
    ]);
  });

  test(`§5.4: a ${role} delivers a message of only empty fragments as empty`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x1, '', false));
    conn.receive(peerFrame(role, 0x0, ''));
    assert.deepEqual(sink.received, [{ type: 'message', data: Buffer.alloc(0), binary: false }]);
  });

  test(`§5.4: a ${role} accepts a new message after a fragmented one ends`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x1, 'a', false));
    conn.receive(peerFrame(role, 0x0, 'b'));
    conn.receive(peerFrame(role, 0x2, Buffer.from('c'), false));
    conn.receive(peerFrame(role, 0x0, Buffer.from('d')));
    conn.receive(peerFrame(role, 0x1, 'e'));
    assert.deepEqual(sink.received, [
      { type: 'message', data: Buffer.from('ab'), binary: false },
      { type: 'message', data: Buffer.from('cd'), binary: true },
      { type: 'message', data: Buffer.from('e'), binary: false },
    ]);
  });

  test(`§5.4: a ${role} fails on a continuation frame without a message with 1002`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x0, 'orphan'));
    assertFailed(conn, sink, 1002, 'WS_ERR_UNEXPECTED_CONTINUATION');
  });

  test(`§5.4: a ${role} fails on a non-final continuation frame without a message with 1002`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x0, 'orphan', false));
    assertFailed(conn, sink, 1002, 'WS_ERR_UNEXPECTED_CONTINUATION');
  });

  test(`§5.4: a ${role} fails on a continuation after a complete message with 1002`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x1, 'a', false));
    conn.receive(peerFrame(role, 0x0, 'b'));
    conn.receive(peerFrame(role, 0x0, 'c'));
    assert.deepEqual(sink.received[0], {
      type: 'message',
      data: Buffer.from('ab'),
      binary: false,
    });
    assertFailed(conn, sink, 1002, 'WS_ERR_UNEXPECTED_CONTINUATION');
  });

  for (const [name, opcode] of [
    ['text', 0x1],
    ['binary', 0x2],
  ] as const) {
    test(`§5.4: a ${role} fails on a new ${name} frame inside a fragmented message with 1002`, () => {
      const { conn, sink } = engine(role);
      conn.receive(peerFrame(role, 0x1, 'start', false));
      conn.receive(peerFrame(role, opcode, 'intruder'));
      assertFailed(conn, sink, 1002, 'WS_ERR_EXPECTED_CONTINUATION');
      assert.equal(sink.received.filter((e) => e.type === 'message').length, 0);
    });
  }

  test(`§5.4: a ${role} delivers pings interleaved in a fragmented message and answers each`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x1, 'frag', false));
    conn.receive(peerFrame(role, 0x9, 'one'));
    conn.receive(peerFrame(role, 0x0, 'men', false));
    conn.receive(peerFrame(role, 0x9, Buffer.from([0, 1, 2, 255])));
    conn.receive(peerFrame(role, 0xa, 'unsolicited'));
    conn.receive(peerFrame(role, 0x0, 'ted'));
    assert.deepEqual(sink.received, [
      { type: 'ping', data: Buffer.from('one') },
      { type: 'ping', data: Buffer.from([0, 1, 2, 255]) },
      { type: 'pong', data: Buffer.from('unsolicited') },
      { type: 'message', data: Buffer.from('fragmented'), binary: false },
    ]);
    const frames = writtenFrames(sink);
    assert.deepEqual(
      frames.map((f) => [f.fin, f.opcode, f.masked, f.payload]),
      [
        [true, 0xa, role === 'client', Buffer.from('one')],
        [true, 0xa, role === 'client', Buffer.from([0, 1, 2, 255])],
      ],
    );
  });

  test(`§5.4: a ${role} accepts a Close in the middle of a fragmented message and drops the fragments`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x1, 'never ', false));
    conn.receive(peerFrame(role, 0x8, Buffer.from([0x03, 0xe8])));
    conn.receive(peerFrame(role, 0x0, 'delivered'));
    assert.deepEqual(sink.received, [
      { type: 'peer-close', code: 1000, reason: '' },
      { type: 'state', state: 'closed' },
    ]);
  });

  test(`§5.4: a ${role} joins 10,000 one-byte continuation frames into the right message`, () => {
    const { conn, sink } = engine(role);
    const expected = Buffer.alloc(10_001);
    const frames: Buffer[] = [peerFrame(role, 0x2, Buffer.from([0]), false)];
    for (let i = 1; i <= 10_000; i++) {
      expected[i] = i & 0xff;
      frames.push(peerFrame(role, 0x0, Buffer.from([i & 0xff]), i === 10_000));
    }
    conn.receive(Buffer.concat(frames));
    assert.equal(sink.received.length, 1);
    const m = sink.received[0];
    assert.ok(m?.type === 'message' && m.binary);
    assert.ok(m.data.equals(expected));
  });

  test(`§5.4: a ${role} joins 10,000 one-byte text fragments of multi-byte characters`, () => {
    const { conn, sink } = engine(role);
    const text = '€'.repeat(3334); // 10,002 bytes, each code point split over three frames
    const bytes = Buffer.from(text);
    const frames: Buffer[] = [];
    for (let i = 0; i < bytes.length; i++) {
      frames.push(
        peerFrame(role, i === 0 ? 0x1 : 0x0, bytes.subarray(i, i + 1), i === bytes.length - 1),
      );
    }
    conn.receive(Buffer.concat(frames));
    assert.deepEqual(sink.received, [{ type: 'message', data: bytes, binary: false }]);
  });

  test(`§5.4: a ${role} sends a fragmented message as a first frame then continuations`, () => {
    const { conn, sink } = engine(role);
    conn.send('ab', false, false);
    conn.send('cd', true, false); // `binary` is read only on the first frame
    conn.ping('between');
    conn.send('ef', false, true);
    conn.send(Buffer.from([9]), true);
    const frames = writtenFrames(sink);
    assert.deepEqual(
      frames.map((f) => [f.fin, f.opcode, f.payload.toString('latin1')]),
      [
        [false, 0x1, 'ab'],
        [false, 0x0, 'cd'],
        [true, 0x9, 'between'],
        [true, 0x0, 'ef'],
        [true, 0x2, '\x09'],
      ],
    );
    const peer = engine(role === 'server' ? 'client' : 'server');
    peer.conn.receive(sink.written);
    assert.deepEqual(peer.sink.received, [
      { type: 'ping', data: Buffer.from('between') },
      { type: 'message', data: Buffer.from('abcdef'), binary: false },
      { type: 'message', data: Buffer.from([9]), binary: true },
    ]);
  });
}

for (const role of ROLES) {
  test(`§5.2: a ${role} delivers a one-frame message read in pieces whole, small or large`, () => {
    // 64 KiB: gathered into its own buffer as it arrives; 300 KiB: over the limit for that,
    // gathered as views and joined at the end.
    for (const length of [70, 64 * 1024, 300 * 1024]) {
      const { conn, sink } = engine(role);
      const payload = Buffer.alloc(length);
      for (let i = 0; i < length; i++) payload[i] = (i * 7) & 0xff;
      const bytes = peerFrame(role, 0x2, payload);
      for (let i = 0; i < bytes.length; i += 65536 - 3) conn.receive(bytes.subarray(i, i + 65533));
      assert.deepEqual(sink.received, [{ type: 'message', data: payload, binary: true }]);
    }
  });
}
