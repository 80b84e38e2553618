// Connection.sendEncoded: a frame encoded once for many connections (a publish) is written in
// order with the connection's own frames, never inside a fragmented message (RFC 6455 §5.4) nor
// ahead of frames waiting behind a deflate.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../../src/protocol/errors.js';
import { encodeFrame } from '../../../src/protocol/frame-encoder.js';
import { Opcode } from '../../../src/protocol/opcodes.js';
import { deflateServer, parseFrames, settle } from '../../helpers/deflate.js';
import { engine } from '../../helpers/recording-sink.js';

const shared = (text: string) => encodeFrame(Opcode.Text, text, { fin: true, rsv: 0, mask: false });

function texts(bytes: Buffer): string[] {
  return parseFrames(bytes).map((f) => `${f.opcode}:${f.fin ? 'fin' : 'more'}:${f.payload}`);
}

describe('Connection.sendEncoded', () => {
  test('writes the given buffers as they are, between the frames sent before and after', () => {
    const { conn, sink } = engine('server');
    const frame = shared('pub');
    conn.send('a', false);
    assert.equal(conn.sendEncoded(frame), true);
    conn.send('b', false);
    assert.deepEqual(texts(sink.written), ['1:fin:a', '1:fin:pub', '1:fin:b']);
    const writes = sink.events.filter((e) => e.type === 'write');
    assert.deepEqual(writes[1]?.type === 'write' && writes[1].data, frame[0]);
  });

  test('a large payload stays apart from its header (no copy)', () => {
    const { conn, sink } = engine('server');
    const payload = Buffer.alloc(4096, 0x62);
    const frame = encodeFrame(Opcode.Binary, payload, { fin: true, rsv: 0, mask: false });
    assert.equal(frame.length, 2);
    assert.equal(conn.sendEncoded(frame), true);
    assert.equal(sink.events.length, 2);
    assert.equal(parseFrames(sink.written)[0]?.payload.length, 4096);
  });

  test('refused while a fragmented message is being sent (§5.4), accepted after its end', () => {
    const { conn, sink } = engine('server');
    conn.send('x', false, false);
    assert.equal(conn.sendEncoded(shared('pub')), false);
    conn.send('y', false, true);
    assert.equal(conn.sendEncoded(shared('pub')), true);
    assert.deepEqual(texts(sink.written), ['1:more:x', '0:fin:y', '1:fin:pub']);
  });

  test('refused while frames wait behind a deflate, accepted once they are written', async () => {
    const { conn, sink } = deflateServer({ threshold: 0 });
    conn.send('compress me, compress me', false);
    assert.equal(conn.busy, true);
    assert.equal(conn.sendEncoded(shared('pub')), false);
    await settle(conn, sink);
    assert.equal(conn.sendEncoded(shared('pub')), true);
    const frames = parseFrames(sink.written);
    assert.deepEqual(
      frames.map((f) => f.rsv),
      [0b100, 0],
    );
    assert.equal(frames[1]?.payload.toString(), 'pub');
  });

  test('misuse once our Close frame is out', () => {
    const { conn } = engine('server');
    conn.close(1000);
    assert.throws(() => conn.sendEncoded(shared('pub')), UsageError);
  });
});
