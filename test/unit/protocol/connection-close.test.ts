import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engine, peerFrame } from '../../helpers/recording-sink.js';
import {
  assertDiscards,
  assertFailed,
  closeBody,
  INVALID_WIRE_CODES,
  parseClose,
  ROLES,
  VALID_WIRE_CODES,
  writtenFrames,
} from '../../helpers/wire.js';

for (const role of ROLES) {
  const peer = role === 'server' ? 'client' : 'server';
  const masked = role === 'client';

  // ---- §5.5.1: the peer's Close ----

  test(`§5.5.1: a ${role} echoes the peer's close code and reason and reports them`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x8, closeBody(1001, 'going away ✓')));
    assert.deepEqual(sink.received, [
      { type: 'peer-close', code: 1001, reason: 'going away ✓' },
      { type: 'state', state: 'closed' },
    ]);
    const frames = writtenFrames(sink);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.masked, masked);
    assert.deepEqual(parseClose(frames[0]!), { code: 1001, reason: 'going away ✓' });
    assert.ok(frames[0]!.payload.equals(closeBody(1001, 'going away ✓')));
    assert.equal(conn.state, 'closed');
    assert.equal(conn.closeCode, 1001);
    assert.equal(conn.closeReason, 'going away ✓');
    assert.equal(conn.closedCleanly, true);
    assert.equal(conn.error, null);
  });

  test(`§5.5.1: the echo is written before a ${role} reports the peer's Close`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x8, closeBody(1000)));
    assert.deepEqual(
      sink.events.map((e) => e.type),
      ['write', 'peer-close', 'state'],
    );
  });

  test(`§7.1.5: a ${role} echoes an empty Close empty and reports 1005`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x8));
    assert.deepEqual(sink.received, [
      { type: 'peer-close', code: 1005, reason: '' },
      { type: 'state', state: 'closed' },
    ]);
    const frames = writtenFrames(sink);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.opcode, 0x8);
    assert.equal(frames[0]!.payload.length, 0, 'the echo carries no code, not 1005');
    assert.equal(conn.closeCode, 1005);
    assert.equal(conn.closedCleanly, true);
  });

  test(`§5.5.1: a ${role} fails on a Close with a 1-byte payload with 1002`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x8, Buffer.from([0x03])));
    assertFailed(conn, sink, 1002, 'WS_ERR_INVALID_CLOSE_PAYLOAD');
    assert.equal(sink.received.filter((e) => e.type === 'peer-close').length, 0);
  });

  for (const code of INVALID_WIRE_CODES) {
    test(`§7.4: a ${role} fails on a Close with invalid code ${code} with 1002`, () => {
      const { conn, sink } = engine(role);
      conn.receive(peerFrame(role, 0x8, closeBody(code, 'reason')));
      assertFailed(conn, sink, 1002, 'WS_ERR_INVALID_CLOSE_CODE');
      assert.equal(sink.received.filter((e) => e.type === 'peer-close').length, 0);
    });
  }

  for (const code of VALID_WIRE_CODES) {
    test(`§7.4: a ${role} accepts a Close with code ${code} and echoes it`, () => {
      const { conn, sink } = engine(role);
      conn.receive(peerFrame(role, 0x8, closeBody(code)));
      assert.deepEqual(sink.received, [
        { type: 'peer-close', code, reason: '' },
        { type: 'state', state: 'closed' },
      ]);
      const frames = writtenFrames(sink);
      assert.equal(frames.length, 1);
      assert.deepEqual(parseClose(frames[0]!), { code, reason: '' });
      assert.equal(conn.closedCleanly, true);
    });
  }

  for (const [name, reason] of [
    ['a lone continuation byte', [0x80]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0x61, 0xe2, 0x82]],
    ['an overlong form', [0xc0, 0xaf]],
  ] as const) {
    test(`§8.1: a ${role} fails on a close reason with ${name} with 1007`, () => {
      const { conn, sink } = engine(role);
      conn.receive(peerFrame(role, 0x8, closeBody(1000, Uint8Array.from(reason))));
      assertFailed(conn, sink, 1007, 'WS_ERR_INVALID_UTF8');
    });
  }

  test(`§5.5.1: a ${role} accepts a Close of 125 bytes (code and a 123-byte reason)`, () => {
    const { conn, sink } = engine(role);
    const reason = `${'é'.repeat(61)}a`;
    conn.receive(peerFrame(role, 0x8, closeBody(4000, reason)));
    assert.deepEqual(sink.received[0], { type: 'peer-close', code: 4000, reason });
    assert.deepEqual(parseClose(writtenFrames(sink)[0]!), { code: 4000, reason });
  });

  test(`§5.5.1: after the peer's Close a ${role} discards all further input`, () => {
    const { conn, sink } = engine(role);
    conn.receive(
      Buffer.concat([peerFrame(role, 0x8, closeBody(1000)), peerFrame(role, 0x1, 'same chunk')]),
    );
    assert.equal(sink.received.filter((e) => e.type === 'message').length, 0);
    assertDiscards(conn, sink);
    // Even garbage is ignored: nothing fails after the close.
    conn.receive(Buffer.from([0xff, 0xff, 0xff]));
    assert.equal(conn.error, null);
    assert.equal(writtenFrames(sink).length, 1);
  });

  // ---- §7.1.2–§7.1.4: our Close ----

  test(`§7.1.2: a ${role}'s close() writes a Close frame and goes 'closing'`, () => {
    const { conn, sink } = engine(role);
    conn.close(1000, 'done');
    assert.deepEqual(sink.received, [{ type: 'state', state: 'closing' }]);
    assert.equal(conn.state, 'closing');
    const frames = writtenFrames(sink);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.masked, masked);
    assert.deepEqual(parseClose(frames[0]!), { code: 1000, reason: 'done' });
  });

  test(`§7.1.2: a ${role}'s close() without a code sends an empty Close`, () => {
    const { conn, sink } = engine(role);
    conn.close();
    const frames = writtenFrames(sink);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.payload.length, 0);
  });

  test(`§7.1.4: a ${role} goes 'closed' on the peer's echo, cleanly, without writing again`, () => {
    const { conn, sink } = engine(role);
    conn.close(1000, 'bye');
    conn.receive(peerFrame(role, 0x8, closeBody(1000, 'bye')));
    assert.deepEqual(sink.received, [
      { type: 'state', state: 'closing' },
      { type: 'peer-close', code: 1000, reason: 'bye' },
      { type: 'state', state: 'closed' },
    ]);
    assert.equal(writtenFrames(sink).length, 1, 'the echo is not echoed');
    assert.equal(conn.closedCleanly, true);
    assert.equal(conn.closeCode, 1000);
  });

  test(`§7.1.2: a ${role} still delivers messages while 'closing'`, () => {
    const { conn, sink } = engine(role);
    conn.close(1001);
    conn.receive(peerFrame(role, 0x1, 'in flight'));
    conn.receive(peerFrame(role, 0xa, 'pong'));
    assert.deepEqual(sink.received, [
      { type: 'state', state: 'closing' },
      { type: 'message', data: Buffer.from('in flight'), binary: false },
      { type: 'pong', data: Buffer.from('pong') },
    ]);
  });

  test(`§7.1.5: when both sides close at once a ${role} reports the peer's code`, () => {
    const { conn, sink } = engine(role);
    conn.close(1001);
    conn.receive(peerFrame(role, 0x8, closeBody(4001, 'theirs')));
    assert.equal(conn.closeCode, 4001);
    assert.equal(conn.closeReason, 'theirs');
    assert.deepEqual(parseClose(writtenFrames(sink)[0]!), { code: 1001, reason: '' });
    assert.equal(writtenFrames(sink).length, 1);
  });

  test(`§7.1.4: a ${role}'s close() after the peer's Close writes nothing more`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x8, closeBody(1000)));
    conn.close(1000);
    conn.close(4000, 'again');
    assert.equal(writtenFrames(sink).length, 1);
    assert.equal(conn.state, 'closed');
  });

  test(`§7.1.4: a ${role}'s close() twice writes one Close frame and one state change`, () => {
    const { conn, sink } = engine(role);
    conn.close(1000);
    conn.close(1001, 'second');
    conn.close();
    assert.equal(writtenFrames(sink).length, 1);
    assert.deepEqual(parseClose(writtenFrames(sink)[0]!).code, 1000);
    assert.deepEqual(sink.received, [{ type: 'state', state: 'closing' }]);
  });

  test(`§7.1.4: a full clean closing handshake between a ${role} and its peer`, () => {
    const a = engine(role);
    const b = engine(peer);
    a.conn.send('last words', false);
    a.conn.close(1000, 'finished');
    b.conn.receive(a.sink.written);
    const echo = b.sink.written;
    a.conn.receive(echo);
    assert.deepEqual(b.sink.received, [
      { type: 'message', data: Buffer.from('last words'), binary: false },
      { type: 'peer-close', code: 1000, reason: 'finished' },
      { type: 'state', state: 'closed' },
    ]);
    assert.deepEqual(a.sink.received, [
      { type: 'state', state: 'closing' },
      { type: 'peer-close', code: 1000, reason: 'finished' },
      { type: 'state', state: 'closed' },
    ]);
    for (const side of [a, b]) {
      assert.equal(side.conn.state, 'closed');
      assert.equal(side.conn.closedCleanly, true);
      assert.equal(side.conn.closeCode, 1000);
      assert.equal(side.conn.error, null);
    }
  });

  // ---- §7.1.5: the transport ends ----

  test(`§7.1.5: EOF before any Close leaves a ${role} 'closed' with 1006, not cleanly`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x1, 'partial', false));
    conn.receiveEof();
    assert.deepEqual(sink.received, [{ type: 'state', state: 'closed' }]);
    assert.equal(conn.state, 'closed');
    assert.equal(conn.closeCode, 1006);
    assert.equal(conn.closedCleanly, false);
    assert.equal(conn.error, null);
    assert.equal(sink.events.filter((e) => e.type === 'write').length, 0);
    assertDiscards(conn, sink);
  });

  test(`§7.1.5: EOF while 'closing' leaves a ${role} 'closed' with 1006, not cleanly`, () => {
    const { conn, sink } = engine(role);
    conn.close(1000);
    conn.receiveEof();
    assert.deepEqual(sink.received, [
      { type: 'state', state: 'closing' },
      { type: 'state', state: 'closed' },
    ]);
    assert.equal(conn.closeCode, 1006);
    assert.equal(conn.closedCleanly, false);
  });

  test(`§7.1.5: EOF mid-header leaves a ${role} 'closed' with 1006 and no error`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x2, Buffer.alloc(300)).subarray(0, 3));
    conn.receiveEof();
    assert.equal(conn.closeCode, 1006);
    assert.equal(conn.error, null);
    assert.deepEqual(sink.received, [{ type: 'state', state: 'closed' }]);
  });

  test(`§7.1.4: EOF after a clean close keeps a ${role} clean`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x8, closeBody(1000)));
    conn.receiveEof();
    conn.receiveEof();
    assert.equal(conn.closedCleanly, true);
    assert.equal(conn.closeCode, 1000);
    assert.equal(sink.received.filter((e) => e.type === 'state').length, 1);
  });

  test(`§7.1.4: once 'closed' by EOF a ${role} writes nothing, even on close()`, () => {
    const { conn, sink } = engine(role);
    conn.receiveEof();
    conn.close(1000);
    conn.close();
    assert.equal(sink.events.filter((e) => e.type === 'write').length, 0);
    assert.equal(conn.state, 'closed');
    assert.equal(conn.closedCleanly, false);
  });
}
