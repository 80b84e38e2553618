import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { engine, peerFrame } from '../../helpers/recording-sink.js';
import {
  assertDiscards,
  assertFailed,
  closeBody,
  parseClose,
  ROLES,
  rawPeerFrame,
  writtenFrames,
} from '../../helpers/wire.js';

for (const role of ROLES) {
  const masked = role === 'client';

  test(`§7.1.7: a ${role} that fails writes the Close, then reports the error, then 'closed'`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x0, 'orphan'));
    assert.deepEqual(
      sink.events.map((e) => e.type),
      ['write', 'error', 'state'],
    );
    const frames = writtenFrames(sink);
    assert.deepEqual(
      frames.map((f) => [f.opcode, f.masked, f.payload]),
      [[0x8, masked, closeBody(1002)]],
    );
    assert.deepEqual(sink.events[2], { type: 'state', state: 'closed' });
  });

  test(`§7.1.7: the error event of a ${role} carries a ProtocolError with closeCode and code`, () => {
    const { conn, sink } = engine(role);
    conn.receive(rawPeerFrame(role, { opcode: 0x1, rsv: 2 }));
    const error = assertFailed(conn, sink, 1002, 'WS_ERR_UNEXPECTED_RSV');
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ProtocolError');
    assert.match(error.message, /reserved bits 010/);
    assert.equal(conn.closeCode, 1006, 'no Close frame was received');
  });

  test(`§7.1.7: a ${role} that fails in the middle of a chunk ignores the rest of that chunk`, () => {
    const { conn, sink } = engine(role);
    conn.receive(
      Buffer.concat([
        peerFrame(role, 0x1, 'before'),
        peerFrame(role, 0x0, 'bad'),
        peerFrame(role, 0x1, 'after'),
        peerFrame(role, 0x9, 'ping'),
      ]),
    );
    assert.deepEqual(sink.received[0], {
      type: 'message',
      data: Buffer.from('before'),
      binary: false,
    });
    assertFailed(conn, sink, 1002, 'WS_ERR_UNEXPECTED_CONTINUATION');
    assert.equal(sink.received.length, 3);
  });

  test(`§7.1.7: a ${role} that fails while 'closing' writes no second Close`, () => {
    const { conn, sink } = engine(role);
    conn.close(1000);
    conn.receive(peerFrame(role, 0x1, Uint8Array.from([0xff])));
    const errors = sink.events.filter((e) => e.type === 'error');
    assert.equal(errors.length, 1);
    const frames = writtenFrames(sink);
    assert.equal(frames.length, 1, 'our Close was already out');
    assert.equal(parseClose(frames[0]!).code, 1000);
    assert.equal(conn.state, 'closed');
    assert.equal(conn.closedCleanly, false);
    assertDiscards(conn, sink);
  });

  test(`§7.1.7: a ${role}'s local fail() sends the given code and stops reading`, () => {
    const { conn, sink } = engine(role);
    conn.fail(1008, 'policy');
    assertFailed(conn, sink, 1008, 'WS_ERR_POLICY');
  });

  test(`§7.1.7: a ${role}'s fail(1011) reports WS_ERR_INTERNAL by default`, () => {
    const { conn, sink } = engine(role);
    conn.fail(1011, 'oops');
    assertFailed(conn, sink, 1011, 'WS_ERR_INTERNAL');
  });

  test(`§7.1.7: a ${role}'s fail() with an explicit error code keeps it`, () => {
    const { conn, sink } = engine(role);
    conn.fail(1009, 'inflated too big', 'WS_ERR_MESSAGE_TOO_BIG');
    assertFailed(conn, sink, 1009, 'WS_ERR_MESSAGE_TOO_BIG');
  });

  test(`§7.1.7: a ${role} fails only once: a second failure is ignored`, () => {
    const { conn, sink } = engine(role);
    conn.fail(1008, 'first');
    conn.fail(1011, 'second');
    const error = assertFailed(conn, sink, 1008, 'WS_ERR_POLICY');
    assert.equal(error.message, 'first');
  });

  test(`§7.1.7: fail() after a clean close does nothing on a ${role}`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x8, closeBody(1000)));
    const before = sink.events.length;
    conn.fail(1011, 'too late');
    assert.equal(sink.events.length, before);
    assert.equal(conn.error, null);
    assert.equal(conn.closedCleanly, true);
  });

  test(`§7.1.7: fail() after EOF does nothing on a ${role}`, () => {
    const { conn, sink } = engine(role);
    conn.receiveEof();
    conn.fail(1011, 'too late');
    assert.equal(sink.events.filter((e) => e.type !== 'state').length, 0);
    assert.equal(conn.error, null);
  });

  test(`§7.1.7: a ${role} that failed mid-message drops the partial message`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x2, Buffer.from('part'), false));
    conn.receive(rawPeerFrame(role, { opcode: 0x0, rsv: 1 }));
    assertFailed(conn, sink, 1002, 'WS_ERR_UNEXPECTED_RSV');
    assert.equal(sink.received.filter((e) => e.type === 'message').length, 0);
  });
}

test('§7.1.7: ProtocolError is an Error with its fields', () => {
  const e = new ProtocolError(1007, 'WS_ERR_INVALID_UTF8', 'bad text');
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'ProtocolError');
  assert.equal(e.closeCode, 1007);
  assert.equal(e.code, 'WS_ERR_INVALID_UTF8');
  assert.equal(e.message, 'bad text');
});
