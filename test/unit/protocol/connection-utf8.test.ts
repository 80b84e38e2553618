import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engine, peerFrame } from '../../helpers/recording-sink.js';
import { assertFailed, ROLES } from '../../helpers/wire.js';

const INVALID: [string, number[]][] = [
  ['a lone continuation byte', [0x61, 0x80, 0x62]],
  ['0xFF', [0xff]],
  ['an overlong 2-byte form (C0 AF)', [0xc0, 0xaf]],
  ['an overlong 3-byte form (E0 80 AF)', [0xe0, 0x80, 0xaf]],
  ['an overlong 4-byte form (F0 80 80 AF)', [0xf0, 0x80, 0x80, 0xaf]],
  ['a surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
  ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
  ['a sequence truncated at message end', [0x61, 0xe2, 0x82]],
];

for (const role of ROLES) {
  for (const [name, bytes] of INVALID) {
    test(`§8.1: a ${role} fails on a text message with ${name} with 1007`, () => {
      const { conn, sink } = engine(role);
      conn.receive(peerFrame(role, 0x1, Uint8Array.from(bytes)));
      assertFailed(conn, sink, 1007, 'WS_ERR_INVALID_UTF8');
      assert.equal(sink.received.filter((e) => e.type === 'message').length, 0);
    });

    test(`§8.1: a ${role} fails on a fragmented text message with ${name} with 1007`, () => {
      const { conn, sink } = engine(role);
      conn.receive(peerFrame(role, 0x1, 'ok', false));
      for (const b of bytes) conn.receive(peerFrame(role, 0x0, Uint8Array.from([b]), false));
      conn.receive(peerFrame(role, 0x0, ''));
      assertFailed(conn, sink, 1007, 'WS_ERR_INVALID_UTF8');
      assert.equal(sink.received.filter((e) => e.type === 'message').length, 0);
    });
  }

  test(`§8.1: a ${role} fails on an invalid byte in the first fragment before the final one arrives`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x1, Uint8Array.from([0x61, 0xff, 0x62]), false));
    assertFailed(conn, sink, 1007, 'WS_ERR_INVALID_UTF8');
  });

  test(`§8.1: a ${role} fails on a surrogate split across fragments at the fragment that proves it`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x1, Uint8Array.from([0x61, 0xed]), false));
    assert.equal(conn.state, 'open', 'ED alone may still start a valid character');
    conn.receive(peerFrame(role, 0x0, Uint8Array.from([0xa0]), false));
    assertFailed(conn, sink, 1007, 'WS_ERR_INVALID_UTF8');
  });

  test(`§8.1: a ${role} fails on an invalid byte inside one fragment split across reads`, () => {
    const { conn, sink } = engine(role);
    const frame = peerFrame(
      role,
      0x1,
      Buffer.concat([Buffer.alloc(100, 0x61), Buffer.from([0xff])]),
      false,
    );
    conn.receive(frame.subarray(0, 50));
    assert.equal(conn.state, 'open');
    conn.receive(frame.subarray(50));
    assertFailed(conn, sink, 1007, 'WS_ERR_INVALID_UTF8');
  });

  test(`§8.1: a ${role} accepts a code point split across fragments`, () => {
    const { conn, sink } = engine(role);
    const bytes = Buffer.from('a😀b€c');
    // Cut inside the 4-byte emoji and inside the 3-byte euro sign.
    conn.receive(peerFrame(role, 0x1, bytes.subarray(0, 2), false));
    conn.receive(peerFrame(role, 0x0, bytes.subarray(2, 4), false));
    conn.receive(peerFrame(role, 0x0, bytes.subarray(4, 7), false));
    conn.receive(peerFrame(role, 0x0, bytes.subarray(7)));
    assert.deepEqual(sink.received, [{ type: 'message', data: bytes, binary: false }]);
  });

  test(`§8.1: a ${role} accepts a code point split across fragments with a ping between`, () => {
    const { conn, sink } = engine(role);
    const bytes = Buffer.from('€');
    conn.receive(peerFrame(role, 0x1, bytes.subarray(0, 1), false));
    conn.receive(peerFrame(role, 0x9, 'p'));
    conn.receive(peerFrame(role, 0x0, bytes.subarray(1)));
    assert.deepEqual(sink.received, [
      { type: 'ping', data: Buffer.from('p') },
      { type: 'message', data: bytes, binary: false },
    ]);
  });

  test(`§8.1: a ${role} fails on a text message whose fragments end mid-character with 1007`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x1, Uint8Array.from([0xf0, 0x9f]), false));
    conn.receive(peerFrame(role, 0x0, Uint8Array.from([0x98])));
    assertFailed(conn, sink, 1007, 'WS_ERR_INVALID_UTF8');
  });

  test(`§8.1: a ${role} accepts the full range of valid UTF-8 in one message`, () => {
    const { conn, sink } = engine(role);
    const text = '\u0000\u007f\u0080\u07ff\u0800\ud7ff\ue000\uffff\u{10000}\u{10ffff} κόσμε';
    conn.receive(peerFrame(role, 0x1, text));
    assert.deepEqual(sink.received, [{ type: 'message', data: Buffer.from(text), binary: false }]);
  });

  test(`§8.1: a ${role} does not validate binary messages as UTF-8`, () => {
    const { conn, sink } = engine(role);
    const bytes = Uint8Array.from([0xff, 0xed, 0xa0, 0x80, 0xc0]);
    conn.receive(peerFrame(role, 0x2, bytes, false));
    conn.receive(peerFrame(role, 0x0, bytes));
    assert.deepEqual(sink.received, [
      { type: 'message', data: Buffer.concat([bytes, bytes]), binary: true },
    ]);
  });

  test(`§8.1: a ${role}'s validator starts fresh for each text message`, () => {
    const { conn, sink } = engine(role);
    // A binary message ending in a lone lead byte must not leak into the next text message.
    conn.receive(peerFrame(role, 0x2, Uint8Array.from([0xe2]), false));
    conn.receive(peerFrame(role, 0x0, Uint8Array.from([0x82])));
    conn.receive(peerFrame(role, 0x1, 'a', false));
    conn.receive(peerFrame(role, 0x0, 'b'));
    // Nor may a fragmented text message leak into the next one.
    conn.receive(peerFrame(role, 0x1, '€', false));
    conn.receive(peerFrame(role, 0x0, ''));
    conn.receive(peerFrame(role, 0x1, 'c', false));
    conn.receive(peerFrame(role, 0x0, 'd'));
    assert.deepEqual(
      sink.received.map((e) =>
        e.type === 'message' ? e.data.toString(e.binary ? 'hex' : 'utf8') : e.type,
      ),
      ['e282', 'ab', '€', 'cd'],
    );
  });
}
