// PublishedMessage: one uncompressed frame, and one compressed frame per compressor
// configuration (RFC 7692 §7.2.1: RSV1, the 00 00 ff ff tail removed), made once and reused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { constants, inflateRawSync } from 'node:zlib';
import { deflateMessage, deflateSettings } from '../../../src/extensions/deflate-codec.js';
import { Opcode } from '../../../src/protocol/opcodes.js';
import { PublishedMessage } from '../../../src/pubsub/message.js';
import { jsonText, parseFrames, RSV1 } from '../../helpers/deflate.js';

const S15 = deflateSettings(15, 6, 8, constants.Z_DEFAULT_STRATEGY);
const S10 = deflateSettings(10, 6, 8, constants.Z_DEFAULT_STRATEGY);
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

function message(data: string | Buffer): PublishedMessage {
  const length = Buffer.byteLength(data);
  return new PublishedMessage(data, data, length, typeof data !== 'string', true);
}

describe('PublishedMessage', () => {
  test('deflateSettings gives one frozen object per configuration', () => {
    assert.equal(deflateSettings(15, 6, 8, constants.Z_DEFAULT_STRATEGY), S15);
    assert.notEqual(S10, S15);
    assert.ok(Object.isFrozen(S15));
  });

  test('the compressed frame: RSV1, same opcode, payload without the tail (§7.2.1)', () => {
    for (const data of [jsonText(5000).toString(), jsonText(100)]) {
      const m = message(data);
      const frame = Buffer.concat(m.deflated(S15));
      const [parsed] = parseFrames(frame);
      assert.equal(parsed!.rsv, RSV1);
      assert.equal(parsed!.fin, true);
      assert.equal(parsed!.opcode, typeof data === 'string' ? Opcode.Text : Opcode.Binary);
      assert.ok(!parsed!.payload.subarray(-4).equals(TAIL));
      const inflated = inflateRawSync(Buffer.concat([parsed!.payload, TAIL]), {
        finishFlush: constants.Z_SYNC_FLUSH,
      });
      assert.ok(inflated.equals(Buffer.from(data)));
      assert.ok(parsed!.payload.length < Buffer.byteLength(data));
    }
  });

  test('compressed once per configuration: the same buffers on every call', () => {
    const m = message(jsonText(3000));
    const a = m.deflated(S15);
    const b = m.deflated(S10);
    assert.equal(m.deflated(S15), a);
    assert.equal(m.deflated(S10), b);
    assert.notEqual(a, b);
    assert.ok(a.every((part, i) => part === m.deflated(S15)[i]));
  });

  test('an empty message compresses to one empty stored block (§7.2.3.6)', () => {
    assert.deepEqual([...deflateMessage('', S15)], [0x00]);
    const [parsed] = parseFrames(Buffer.concat(message('').deflated(S15)));
    assert.deepEqual([...parsed!.payload], [0x00]);
  });
});
