import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { Opcode } from '../../../src/protocol/opcodes.js';
import type { EngineEvent } from '../../../src/protocol/types.js';
import { compressed, deflateServer, parseFrames, RSV1, settle } from '../../helpers/deflate.js';
import { peerFrame } from '../../helpers/recording-sink.js';

function server(maxPayload: number) {
  return deflateServer({}, {}, { maxPayload });
}

function outcome(events: EngineEvent[]): string[] {
  return events.flatMap((e) =>
    e.type === 'message'
      ? [`message ${e.data.length}`]
      : e.type === 'error'
        ? [`error ${e.error.closeCode} ${e.error.code}`]
        : [],
  );
}

/** 1 MiB of zeros as complete, non-final DEFLATE blocks ending in a sync flush (~1 KiB). */
const MEBIBYTE_OF_ZEROS = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: 2 });

/** A message payload that inflates to `mebibytes` MiB of zeros: the blocks above, repeated. */
function bomb(mebibytes: number): Buffer {
  const blocks = Buffer.concat(Array.from({ length: mebibytes }, () => MEBIBYTE_OF_ZEROS));
  return blocks.subarray(0, -4); // §7.2.1: the tail the receiver appends
}

describe('maxPayload applies to the inflated size', () => {
  test('exactly maxPayload once inflated is delivered; one byte more fails with 1009', async () => {
    const ok = server(10_000);
    ok.conn.receive(
      peerFrame('server', Opcode.Binary, compressed(Buffer.alloc(10_000)), true, RSV1),
    );
    await settle(ok.conn, ok.sink);
    assert.deepEqual(outcome(ok.sink.events), ['message 10000']);

    const big = server(10_000);
    big.conn.receive(
      peerFrame('server', Opcode.Binary, compressed(Buffer.alloc(10_001)), true, RSV1),
    );
    await settle(big.conn, big.sink);
    assert.deepEqual(outcome(big.sink.events), ['error 1009 WS_ERR_MESSAGE_TOO_BIG']);
    const close = parseFrames(big.sink.written).find((f) => f.opcode === Opcode.Close);
    assert.equal(close?.payload.readUInt16BE(0), 1009);
    assert.equal(big.conn.state, 'closed');
  });

  test('all the fragments of a message count together', async () => {
    const { conn, sink } = server(10_000);
    const payload = compressed(Buffer.alloc(12_000, 'a'));
    const half = payload.length >> 1;
    conn.receive(peerFrame('server', Opcode.Text, payload.subarray(0, half), false, RSV1));
    conn.receive(peerFrame('server', Opcode.Continuation, payload.subarray(half), true));
    await settle(conn, sink);
    assert.deepEqual(outcome(sink.events), ['error 1009 WS_ERR_MESSAGE_TOO_BIG']);
  });

  test('the next message starts from zero again', async () => {
    const { conn, sink } = server(10_000);
    for (let i = 0; i < 3; i++) {
      conn.receive(peerFrame('server', Opcode.Binary, compressed(Buffer.alloc(9_000)), true, RSV1));
    }
    await settle(conn, sink);
    assert.deepEqual(outcome(sink.events), ['message 9000', 'message 9000', 'message 9000']);
  });

  test('the compressed size is still limited on the wire, before anything is buffered', () => {
    const { conn, sink } = server(1000);
    // maxPayload + 1/1024 + 1 KiB of slack for DEFLATE's growth; a header claiming more fails.
    const header = Buffer.from([0xc2, 0x80 | 126, 0x08, 0x03, 1, 2, 3, 4]); // 2051 bytes
    conn.receive(header);
    assert.deepEqual(outcome(sink.events), ['error 1009 WS_ERR_MESSAGE_TOO_BIG']);
    assert.equal(conn.busy, false);
  });

  test('incompressible data of maxPayload bytes, larger once compressed, is accepted', async () => {
    const { conn, sink } = server(1000);
    const data = randomBytes(1000);
    const payload = compressed(data);
    assert.ok(payload.length > 1000);
    conn.receive(peerFrame('server', Opcode.Binary, payload, true, RSV1));
    await settle(conn, sink);
    assert.deepEqual(outcome(sink.events), ['message 1000']);
  });
});

describe('decompression bombs', () => {
  test('1 GiB in about 1 MiB fails with 1009 at maxPayload, without the memory to hold it', async () => {
    const payload = bomb(1024);
    assert.ok(payload.length < 2 << 20, `${payload.length} bytes on the wire`);
    const frame = peerFrame('server', Opcode.Binary, payload, true, RSV1);
    const { conn, sink } = server(8 << 20);
    const before = process.memoryUsage().rss;
    conn.receive(frame);
    await settle(conn, sink);
    const growth = process.memoryUsage().rss - before;
    assert.deepEqual(outcome(sink.events), ['error 1009 WS_ERR_MESSAGE_TOO_BIG']);
    assert.ok(growth < 64 << 20, `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB`);
  });

  test('a bomb spread over many small fragments fails the same way', async () => {
    const payload = bomb(64);
    const { conn, sink } = server(4 << 20);
    const step = 4096;
    for (let at = 0; at < payload.length; at += step) {
      const fin = at + step >= payload.length;
      const opcode = at === 0 ? Opcode.Binary : Opcode.Continuation;
      conn.receive(
        peerFrame('server', opcode, payload.subarray(at, at + step), fin, at === 0 ? RSV1 : 0),
      );
    }
    await settle(conn, sink);
    assert.deepEqual(outcome(sink.events), ['error 1009 WS_ERR_MESSAGE_TOO_BIG']);
  });
});

describe('invalid compressed data', () => {
  // RFC 7692 names no close code for a payload that does not inflate; wskit answers 1007
  // (RFC 6455 §7.4.1: data inconsistent with the message's type), as ws does.
  const payloads: [string, Buffer][] = [
    ['reserved block type 11', Buffer.from([0xff, 0xff, 0xff, 0xff])],
    ['a stored block whose lengths disagree', Buffer.from([0x00, 0x05, 0x00, 0x05, 0x00])],
    // §7.2.3.2's second "Hello", which refers back into a first message never received.
    ['a distance too far back', Buffer.from([0xf2, 0x00, 0x11, 0x00, 0x00])],
  ];
  for (const [what, payload] of payloads) {
    test(`${what} fails the connection with 1007`, async () => {
      const { conn, sink } = server(1 << 20);
      conn.receive(peerFrame('server', Opcode.Text, payload, true, RSV1));
      await settle(conn, sink);
      assert.deepEqual(outcome(sink.events), ['error 1007 WS_ERR_INVALID_COMPRESSED_DATA']);
      const close = parseFrames(sink.written).find((f) => f.opcode === Opcode.Close);
      assert.equal(close?.payload.readUInt16BE(0), 1007);
      assert.equal(conn.state, 'closed');
    });
  }
});
