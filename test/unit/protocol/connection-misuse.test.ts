import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError, type UsageErrorCode } from '../../../src/protocol/errors.js';
import { engine, peerFrame } from '../../helpers/recording-sink.js';
import { closeBody, ROLES, writtenFrames } from '../../helpers/wire.js';

function throwsUsage(fn: () => void, code: UsageErrorCode): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
    assert.equal(e.name, 'UsageError');
    assert.equal(e.code, code);
    return true;
  });
}

for (const role of ROLES) {
  test(`§7.1.2: a ${role}'s send after close() throws WS_USAGE_NOT_OPEN and writes nothing`, () => {
    const { conn, sink } = engine(role);
    conn.close(1000);
    const before = sink.events.length;
    throwsUsage(() => conn.send('late', false), 'WS_USAGE_NOT_OPEN');
    throwsUsage(() => conn.send(Buffer.from('late'), true), 'WS_USAGE_NOT_OPEN');
    throwsUsage(() => conn.ping('late'), 'WS_USAGE_NOT_OPEN');
    throwsUsage(() => conn.pong('late'), 'WS_USAGE_NOT_OPEN');
    assert.equal(sink.events.length, before);
  });

  test(`§7.1.4: a ${role}'s send after the peer's Close throws WS_USAGE_NOT_OPEN`, () => {
    const { conn } = engine(role);
    conn.receive(peerFrame(role, 0x8, closeBody(1000)));
    throwsUsage(() => conn.send('late', false), 'WS_USAGE_NOT_OPEN');
  });

  test(`§7.1.7: a ${role}'s send after a failure throws WS_USAGE_NOT_OPEN`, () => {
    const { conn } = engine(role);
    conn.receive(peerFrame(role, 0x3));
    throwsUsage(() => conn.send('late', false), 'WS_USAGE_NOT_OPEN');
  });

  test(`§7.1.5: a ${role}'s send after EOF throws WS_USAGE_NOT_OPEN`, () => {
    const { conn, sink } = engine(role);
    conn.receiveEof();
    throwsUsage(() => conn.send('late', false), 'WS_USAGE_NOT_OPEN');
    throwsUsage(() => conn.ping(), 'WS_USAGE_NOT_OPEN');
    assert.equal(sink.events.filter((e) => e.type === 'write').length, 0);
  });

  for (const code of [1005, 1006, 999, 1004, 1015, 0, 2999, 5000, 1000.5]) {
    test(`§7.4: a ${role}'s close(${code}) throws WS_USAGE_INVALID_CLOSE_CODE and writes nothing`, () => {
      const { conn, sink } = engine(role);
      throwsUsage(() => conn.close(code), 'WS_USAGE_INVALID_CLOSE_CODE');
      assert.equal(sink.events.length, 0);
      assert.equal(conn.state, 'open');
    });
  }

  test(`§5.5.1: a ${role}'s close with a reason but no code throws WS_USAGE_INVALID_CLOSE_CODE`, () => {
    const { conn, sink } = engine(role);
    throwsUsage(() => conn.close(undefined, 'why'), 'WS_USAGE_INVALID_CLOSE_CODE');
    assert.equal(sink.events.length, 0);
  });

  test(`§5.5: a ${role}'s close with a 124-byte reason throws WS_USAGE_REASON_TOO_LONG`, () => {
    const { conn, sink } = engine(role);
    throwsUsage(() => conn.close(1000, 'x'.repeat(124)), 'WS_USAGE_REASON_TOO_LONG');
    // 62 two-byte characters: 62 code units but 124 bytes.
    throwsUsage(() => conn.close(1000, 'é'.repeat(62)), 'WS_USAGE_REASON_TOO_LONG');
    assert.equal(sink.events.length, 0);
    assert.equal(conn.state, 'open');
  });

  test(`§5.5: a ${role}'s close with a 123-byte reason is sent whole`, () => {
    const { conn, sink } = engine(role);
    const reason = `${'é'.repeat(61)}a`;
    conn.close(4999, reason);
    const frames = writtenFrames(sink);
    assert.equal(frames[0]!.payload.length, 125);
    assert.equal(frames[0]!.payload.subarray(2).toString(), reason);
  });

  test(`§5.5: a ${role}'s close() still rejects a bad code after a Close is out`, () => {
    const { conn } = engine(role);
    conn.close(1000);
    throwsUsage(() => conn.close(1006), 'WS_USAGE_INVALID_CLOSE_CODE');
  });

  test(`§5.5: a ${role}'s ping of 126 bytes throws WS_USAGE_CONTROL_TOO_LONG`, () => {
    const { conn, sink } = engine(role);
    throwsUsage(() => conn.ping(Buffer.alloc(126)), 'WS_USAGE_CONTROL_TOO_LONG');
    throwsUsage(() => conn.ping('é'.repeat(63)), 'WS_USAGE_CONTROL_TOO_LONG');
    throwsUsage(() => conn.pong(Buffer.alloc(126)), 'WS_USAGE_CONTROL_TOO_LONG');
    assert.equal(sink.events.length, 0);
    assert.equal(conn.state, 'open');
    conn.ping(Buffer.alloc(125));
    assert.equal(writtenFrames(sink).length, 1);
  });

  test(`§7.1.2: a ${role}'s close() twice writes one frame`, () => {
    const { conn, sink } = engine(role);
    conn.close(1000, 'once');
    conn.close(1000, 'once');
    assert.equal(writtenFrames(sink).length, 1);
  });

  test(`§7.1.3: a ${role} goes 'closing' after its close() and 'closed' after the peer's echo`, () => {
    const { conn, sink } = engine(role);
    assert.equal(conn.state, 'open');
    conn.close(1000);
    assert.equal(conn.state, 'closing');
    conn.receive(peerFrame(role, 0x8, closeBody(1000)));
    assert.equal(conn.state, 'closed');
    assert.deepEqual(
      sink.received.filter((e) => e.type === 'state'),
      [
        { type: 'state', state: 'closing' },
        { type: 'state', state: 'closed' },
      ],
    );
  });

  test(`§5.4: a ${role} keeps a fragmented send going across control frames`, () => {
    const { conn, sink } = engine(role);
    conn.send(Buffer.from('a'), true, false);
    conn.pong();
    conn.send(Buffer.from('b'), true, true);
    assert.deepEqual(
      writtenFrames(sink).map((f) => [f.opcode, f.fin]),
      [
        [0x2, false],
        [0xa, true],
        [0x0, true],
      ],
    );
  });
}
