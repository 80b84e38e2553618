import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MAX_PAYLOAD } from '../../../src/protocol/connection.js';
import { UsageError } from '../../../src/protocol/errors.js';
import { engine, peerFrame } from '../../helpers/recording-sink.js';
import { assertFailed, ROLES, rawPeerFrame } from '../../helpers/wire.js';

/** The header of a frame with `length` payload bytes, without any payload. */
function headerOnly(role: 'server' | 'client', opcode: number, length: number, fin = true): Buffer {
  return rawPeerFrame(role, { opcode, fin, length: BigInt(length) });
}

for (const role of ROLES) {
  test(`§10.4: a ${role} fails with 1009 on a header announcing more than maxPayload, before any payload`, () => {
    const { conn, sink } = engine(role, { maxPayload: 1000 });
    conn.receive(headerOnly(role, 0x2, 1001));
    assertFailed(conn, sink, 1009, 'WS_ERR_MESSAGE_TOO_BIG');
  });

  test(`§10.4: a ${role} accepts a message of exactly maxPayload bytes`, () => {
    const { conn, sink } = engine(role, { maxPayload: 1000 });
    conn.receive(peerFrame(role, 0x2, Buffer.alloc(1000, 1)));
    assert.deepEqual(sink.received, [
      { type: 'message', data: Buffer.alloc(1000, 1), binary: true },
    ]);
  });

  test(`§10.4: a ${role} fails with 1009 on a 16-bit length just over the limit`, () => {
    const { conn, sink } = engine(role, { maxPayload: 65535 });
    conn.receive(headerOnly(role, 0x1, 65536));
    assertFailed(conn, sink, 1009, 'WS_ERR_MESSAGE_TOO_BIG');
  });

  test(`§10.4: a ${role} with the default limit fails with 1009 on a 2^53 byte header`, () => {
    const { conn, sink } = engine(role);
    assert.equal(conn.maxPayload, DEFAULT_MAX_PAYLOAD);
    conn.receive(headerOnly(role, 0x2, Number.MAX_SAFE_INTEGER));
    assertFailed(conn, sink, 1009, 'WS_ERR_MESSAGE_TOO_BIG');
  });

  test(`§10.4: a ${role} with the default 100 MiB limit fails on 100 MiB + 1 from the header`, () => {
    const { conn, sink } = engine(role);
    assert.equal(DEFAULT_MAX_PAYLOAD, 100 * 1024 * 1024);
    conn.receive(headerOnly(role, 0x2, DEFAULT_MAX_PAYLOAD + 1));
    assertFailed(conn, sink, 1009, 'WS_ERR_MESSAGE_TOO_BIG');
  });

  test(`§10.4: a ${role} applies maxPayload across the fragments of a message`, () => {
    const { conn, sink } = engine(role, { maxPayload: 10 });
    conn.receive(peerFrame(role, 0x2, Buffer.alloc(4), false));
    conn.receive(peerFrame(role, 0x0, Buffer.alloc(4), false));
    assert.equal(conn.state, 'open');
    // 8 so far: a third fragment announcing 3 more bytes fails from its header alone.
    conn.receive(headerOnly(role, 0x0, 3));
    assertFailed(conn, sink, 1009, 'WS_ERR_MESSAGE_TOO_BIG');
    assert.equal(sink.received.filter((e) => e.type === 'message').length, 0);
  });

  test(`§10.4: a ${role} accepts fragments adding up to exactly maxPayload, then starts afresh`, () => {
    const { conn, sink } = engine(role, { maxPayload: 10 });
    conn.receive(peerFrame(role, 0x1, 'abcd', false));
    conn.receive(peerFrame(role, 0x0, 'efgh', false));
    conn.receive(peerFrame(role, 0x0, 'ij'));
    // The count restarts with each message.
    conn.receive(peerFrame(role, 0x1, '0123456789'));
    assert.deepEqual(sink.received, [
      { type: 'message', data: Buffer.from('abcdefghij'), binary: false },
      { type: 'message', data: Buffer.from('0123456789'), binary: false },
    ]);
  });

  test(`§10.4: a ${role}'s control frames do not count towards maxPayload`, () => {
    const { conn, sink } = engine(role, { maxPayload: 5 });
    conn.receive(peerFrame(role, 0x1, 'abc', false));
    conn.receive(peerFrame(role, 0x9, Buffer.alloc(100)));
    conn.receive(peerFrame(role, 0x0, 'de'));
    assert.deepEqual(
      sink.received.map((e) => e.type),
      ['ping', 'message'],
    );
  });

  test(`§10.4: a ${role} fails with 1009 on empty fragments only once bytes exceed the limit`, () => {
    const { conn, sink } = engine(role, { maxPayload: 1 });
    conn.receive(peerFrame(role, 0x2, Buffer.alloc(0), false));
    conn.receive(peerFrame(role, 0x0, Buffer.alloc(1), false));
    conn.receive(peerFrame(role, 0x0, Buffer.alloc(0), false));
    assert.equal(conn.state, 'open');
    conn.receive(peerFrame(role, 0x0, Buffer.alloc(1)));
    assertFailed(conn, sink, 1009, 'WS_ERR_MESSAGE_TOO_BIG');
  });

  for (const bad of [0, -1, Number.NaN]) {
    test(`§10.4: a ${role} refuses maxPayload ${bad} with WS_USAGE_INVALID_OPTION`, () => {
      assert.throws(
        () => engine(role, { maxPayload: bad }),
        (e: unknown) => e instanceof UsageError && e.code === 'WS_USAGE_INVALID_OPTION',
      );
    });
  }
}
