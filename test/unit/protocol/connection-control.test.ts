import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection } from '../../../src/protocol/connection.js';
import { engine, peerFrame } from '../../helpers/recording-sink.js';
import { assertFailed, closeBody, ROLES, rawPeerFrame, writtenFrames } from '../../helpers/wire.js';

for (const role of ROLES) {
  const masked = role === 'client';

  for (const opcode of [0x8, 0x9, 0xa]) {
    test(`§5.5: a ${role} fails on a fragmented control frame (opcode 0x${opcode.toString(16)}) with 1002`, () => {
      const { conn, sink } = engine(role);
      conn.receive(rawPeerFrame(role, { opcode, fin: false, payload: Buffer.from('x') }));
      assertFailed(conn, sink, 1002, 'WS_ERR_FRAGMENTED_CONTROL');
    });

    test(`§5.5: a ${role} fails on a control frame (opcode 0x${opcode.toString(16)}) of 126 bytes with 1002`, () => {
      const { conn, sink } = engine(role);
      // Only the header: the failure comes before any payload byte.
      const frame = rawPeerFrame(role, { opcode, payload: Buffer.alloc(126, 0x61) });
      conn.receive(frame.subarray(0, masked ? 4 : 8));
      assertFailed(conn, sink, 1002, 'WS_ERR_CONTROL_TOO_LONG');
    });
  }

  test(`§5.5: a ${role} fails on a 64-bit-length ping of 65536 bytes with 1002`, () => {
    const { conn, sink } = engine(role);
    conn.receive(rawPeerFrame(role, { opcode: 0x9, payload: Buffer.alloc(65536) }));
    assertFailed(conn, sink, 1002, 'WS_ERR_CONTROL_TOO_LONG');
  });

  test(`§5.5: a ${role} accepts a ping of exactly 125 bytes`, () => {
    const { conn, sink } = engine(role);
    const body = Buffer.alloc(125, 0x7a);
    conn.receive(peerFrame(role, 0x9, body));
    assert.deepEqual(sink.received, [{ type: 'ping', data: body }]);
    assert.deepEqual(
      writtenFrames(sink).map((f) => [f.opcode, f.payload]),
      [[0xa, body]],
    );
  });

  test(`§5.5.2: a ${role} answers a ping with a pong of the same payload (${masked ? 'masked' : 'unmasked'})`, () => {
    const { conn, sink } = engine(role);
    const body = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]);
    conn.receive(peerFrame(role, 0x9, body));
    assert.deepEqual(sink.received, [{ type: 'ping', data: body }]);
    const frames = writtenFrames(sink);
    assert.equal(frames.length, 1);
    assert.deepEqual(frames[0], { fin: true, rsv: 0, opcode: 0xa, masked, payload: body });
  });

  test(`§5.5.2: a ${role} answers an empty ping with an empty pong`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0x9));
    assert.deepEqual(sink.received, [{ type: 'ping', data: Buffer.alloc(0) }]);
    assert.deepEqual(
      writtenFrames(sink).map((f) => [f.opcode, f.masked, f.payload.length]),
      [[0xa, masked, 0]],
    );
  });

  test(`§5.5.2: a ${role} answers every ping of a burst, in order`, () => {
    const { conn, sink } = engine(role);
    conn.receive(
      Buffer.concat([
        peerFrame(role, 0x9, '1'),
        peerFrame(role, 0x9, '2'),
        peerFrame(role, 0x9, '3'),
      ]),
    );
    assert.deepEqual(
      writtenFrames(sink).map((f) => f.payload.toString()),
      ['1', '2', '3'],
    );
  });

  test(`§5.5.2: a ${role} with autoPong off delivers the ping and writes nothing`, () => {
    const { conn, sink } = engine(role, { autoPong: false });
    conn.receive(peerFrame(role, 0x9, 'x'));
    assert.deepEqual(sink.events, [{ type: 'ping', data: Buffer.from('x') }]);
    conn.pong('x');
    assert.deepEqual(
      writtenFrames(sink).map((f) => [f.opcode, f.masked, f.payload.toString()]),
      [[0xa, masked, 'x']],
    );
  });

  test(`§5.5.2: a ${role} does not answer a ping after sending its Close`, () => {
    const { conn, sink } = engine(role);
    conn.close(1000);
    conn.receive(peerFrame(role, 0x9, 'late'));
    assert.deepEqual(sink.received, [
      { type: 'state', state: 'closing' },
      { type: 'ping', data: Buffer.from('late') },
    ]);
    assert.deepEqual(
      writtenFrames(sink).map((f) => f.opcode),
      [0x8],
    );
  });

  test(`§5.5.3: a ${role} delivers an unsolicited pong and writes nothing`, () => {
    const { conn, sink } = engine(role);
    conn.receive(peerFrame(role, 0xa, 'heartbeat'));
    conn.receive(peerFrame(role, 0xa));
    assert.deepEqual(sink.events, [
      { type: 'pong', data: Buffer.from('heartbeat') },
      { type: 'pong', data: Buffer.alloc(0) },
    ]);
  });

  test(`§5.5.2: a ${role} sends a ping with the given payload`, () => {
    const { conn, sink } = engine(role);
    conn.ping('are you there');
    conn.ping(Buffer.alloc(125, 1));
    conn.ping();
    assert.deepEqual(
      writtenFrames(sink).map((f) => [f.opcode, f.masked, f.payload.length]),
      [
        [0x9, masked, 13],
        [0x9, masked, 125],
        [0x9, masked, 0],
      ],
    );
  });

  test(`§5.5: a ${role} reads a control frame whose payload arrives byte by byte`, () => {
    const { conn, sink } = engine(role);
    const frame = peerFrame(role, 0x9, 'split');
    for (let i = 0; i < frame.length; i++) conn.receive(frame.subarray(i, i + 1));
    assert.deepEqual(sink.received, [{ type: 'ping', data: Buffer.from('split') }]);
  });

  test(`§5.5: a ${role} hands each control payload over as its own buffer`, () => {
    // A sink that keeps references (no copies) must still see each payload as it was.
    const seen: Buffer[] = [];
    const keep = (data: Buffer) => {
      seen.push(data);
    };
    const conn = new Connection(
      {
        onWrite: () => {},
        onMessage: () => {},
        onPing: keep,
        onPong: keep,
        onPeerClose: () => {},
        onError: () => {},
        onState: () => {},
      },
      { role },
    );
    conn.receive(Buffer.concat([peerFrame(role, 0x9, 'first'), peerFrame(role, 0xa, 'second')]));
    assert.deepEqual(
      seen.map((b) => b.toString()),
      ['first', 'second'],
    );
  });

  test(`§5.5.1: a Close frame is a control frame: a ${role} fails on a 126-byte one with 1002`, () => {
    const { conn, sink } = engine(role);
    conn.receive(rawPeerFrame(role, { opcode: 0x8, payload: closeBody(1000, 'x'.repeat(124)) }));
    assertFailed(conn, sink, 1002, 'WS_ERR_CONTROL_TOO_LONG');
  });
}
