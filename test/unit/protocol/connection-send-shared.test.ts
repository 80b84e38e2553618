// Connection.sendShared: a message framed once for many connections (a publish) is written in
// order with the connection's own frames, never inside a fragmented message (RFC 6455 §5.4),
// behind frames waiting for a deflate; with permessage-deflate and no context takeover the
// connection sends the shared compressed frame for its settings (RFC 7692 §7.2.1).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeflateSettings } from '../../../src/extensions/zlib-pool.js';
import type { Connection } from '../../../src/protocol/connection.js';
import { UsageError } from '../../../src/protocol/errors.js';
import { encodeFrame } from '../../../src/protocol/frame-encoder.js';
import { Opcode } from '../../../src/protocol/opcodes.js';
import type { SharedMessage } from '../../../src/protocol/types.js';
import { compressed, deflateServer, parseFrames, RSV1, settle } from '../../helpers/deflate.js';
import { engine, type RecordingSink } from '../../helpers/recording-sink.js';

/** A shared message that records which settings it was compressed for. */
function shared(text: string, compress = true) {
  const asked: DeflateSettings[] = [];
  const message: SharedMessage = {
    frame: encodeFrame(Opcode.Text, text, { fin: true, rsv: 0, mask: false }),
    length: Buffer.byteLength(text),
    compress,
    deflated(settings) {
      asked.push(settings);
      const payload = compressed(text, settings.windowBits);
      return encodeFrame(Opcode.Text, payload, { fin: true, rsv: RSV1, mask: false });
    },
  };
  return { message, asked };
}

function texts(bytes: Buffer): string[] {
  return parseFrames(bytes).map((f) => `${f.opcode}:${f.fin ? 'fin' : 'more'}:${f.payload}`);
}

describe('Connection.sendShared', () => {
  test('writes the given buffers as they are, between the frames sent before and after', () => {
    const { conn, sink } = engine('server');
    const { message } = shared('pub');
    conn.send('a', false);
    assert.equal(conn.sendShared(message), true);
    conn.send('b', false);
    assert.deepEqual(texts(sink.written), ['1:fin:a', '1:fin:pub', '1:fin:b']);
    const writes = sink.events.filter((e) => e.type === 'write');
    assert.deepEqual(writes[1]?.type === 'write' && writes[1].data, message.frame[0]);
  });

  test('a large payload stays apart from its header (no copy)', () => {
    const { conn, sink } = engine('server');
    const payload = Buffer.alloc(4096, 0x62);
    const frame = encodeFrame(Opcode.Binary, payload, { fin: true, rsv: 0, mask: false });
    assert.equal(frame.length, 2);
    const message = { frame, length: 4096, compress: true, deflated: () => assert.fail() };
    assert.equal(conn.sendShared(message), true);
    assert.equal(sink.events.length, 2);
    assert.equal(parseFrames(sink.written)[0]?.payload.length, 4096);
  });

  test('refused while a fragmented message is being sent (§5.4), accepted after its end', () => {
    const { conn, sink } = engine('server');
    conn.send('x', false, false);
    assert.equal(conn.sendShared(shared('pub').message), false);
    conn.send('y', false, true);
    assert.equal(conn.sendShared(shared('pub').message), true);
    assert.deepEqual(texts(sink.written), ['1:more:x', '0:fin:y', '1:fin:pub']);
  });

  test('waits behind frames being compressed, and what is sent after waits behind it', async () => {
    const { conn, sink } = deflateServer({ threshold: 0, serverNoContextTakeover: false });
    conn.send('compress me, compress me', false);
    assert.equal(conn.busy, true);
    const { message } = shared('pub');
    assert.equal(conn.sendShared(message), true);
    conn.send('after', false, true, { compress: false });
    assert.equal(sink.written.length, 0, 'all wait for zlib');
    assert.ok(conn.queuedBytes >= message.frame[0]!.length);
    await settle(conn, sink);
    const frames = parseFrames(sink.written);
    assert.deepEqual(
      frames.map((f) => f.rsv),
      [RSV1, 0, 0],
      'context takeover: the uncompressed shared frame',
    );
    assert.deepEqual(
      frames.slice(1).map((f) => f.payload.toString()),
      ['pub', 'after'],
    );
  });

  test('no context takeover: the compressed frame for its settings, once the queue is empty', async () => {
    const { conn, sink } = deflateServer({ threshold: 0, serverNoContextTakeover: true });
    conn.send('compress me, compress me', false);
    const { message, asked } = shared('pub pub pub');
    conn.sendShared(message);
    await settle(conn, sink);
    conn.sendShared(message);
    assert.equal(asked.length, 2);
    assert.equal(asked[0], asked[1], 'the same settings object for the same connection');
    assert.equal(asked[0]!.windowBits, 15);
    const frames = parseFrames(sink.written);
    assert.deepEqual(
      frames.map((f) => f.rsv),
      [RSV1, RSV1, RSV1],
    );
    assert.ok(frames[1]!.payload.equals(compressed('pub pub pub')));
  });

  test('uncompressed under the threshold, with compress false, or without the extension', () => {
    const cases: { conn: Connection; sink: RecordingSink; compress: boolean }[] = [
      { ...deflateServer({ threshold: 4, serverNoContextTakeover: true }), compress: true },
      { ...deflateServer({ threshold: 0, serverNoContextTakeover: true }), compress: false },
      { ...engine('server'), compress: true },
    ];
    for (const { conn, sink, compress } of cases) {
      const { message, asked } = shared('pub', compress);
      conn.sendShared(message);
      assert.equal(asked.length, 0);
      assert.deepEqual(texts(sink.written), ['1:fin:pub']);
    }
  });

  test('misuse once our Close frame is out', () => {
    const { conn } = engine('server');
    conn.close(1000);
    assert.throws(() => conn.sendShared(shared('pub').message), UsageError);
  });
});
