import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame } from '../../../src/protocol/frame-encoder.js';
import { decodeFrames } from '../../helpers/wire.js';

const BOUNDARIES = [0, 1, 125, 126, 127, 1024, 1025, 65535, 65536, 65537];

function pattern(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 13 + 1) & 0xff;
  return out;
}

/** The header fields the RFC fixes for a length: the 7-bit code and the extended field. */
function expectedLength(length: number): { len7: number; extended: Buffer } {
  if (length < 126) return { len7: length, extended: Buffer.alloc(0) };
  if (length < 0x10000) {
    const ext = Buffer.alloc(2);
    ext.writeUInt16BE(length);
    return { len7: 126, extended: ext };
  }
  const ext = Buffer.alloc(8);
  ext.writeBigUInt64BE(BigInt(length));
  return { len7: 127, extended: ext };
}

for (const length of BOUNDARIES) {
  for (const mask of [false, true]) {
    test(`§5.2: a ${length}-byte ${mask ? 'masked' : 'unmasked'} frame uses the minimal length encoding and round trips`, () => {
      const payload = pattern(length);
      const bytes = Buffer.concat(encodeFrame(0x2, payload, { fin: true, rsv: 0, mask }));
      const { len7, extended } = expectedLength(length);
      assert.equal(bytes[0], 0x82);
      assert.equal(bytes[1], (mask ? 0x80 : 0) | len7);
      assert.ok(bytes.subarray(2, 2 + extended.length).equals(extended));
      assert.equal(bytes.length, 2 + extended.length + (mask ? 4 : 0) + length);
      const frames = decodeFrames(bytes);
      assert.equal(frames.length, 1);
      assert.equal(frames[0]!.masked, mask);
      assert.ok(frames[0]!.payload.equals(payload));
    });
  }
}

test('§5.7: an unmasked "Hello" text frame is exactly the RFC example', () => {
  const bytes = Buffer.concat(encodeFrame(0x1, 'Hello', { fin: true, rsv: 0, mask: false }));
  assert.deepEqual([...bytes], [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
  const frag = Buffer.concat(encodeFrame(0x1, 'Hel', { fin: false, rsv: 0, mask: false }));
  assert.deepEqual([...frag], [0x01, 0x03, 0x48, 0x65, 0x6c]);
  const last = Buffer.concat(encodeFrame(0x0, 'lo', { fin: true, rsv: 0, mask: false }));
  assert.deepEqual([...last], [0x80, 0x02, 0x6c, 0x6f]);
});

test('§5.2: FIN, RSV and opcode bits are placed in the first byte', () => {
  for (let opcode = 0; opcode < 16; opcode++) {
    for (let rsv = 0; rsv < 8; rsv++) {
      for (const fin of [false, true]) {
        const [frame] = encodeFrame(opcode, Buffer.alloc(0), { fin, rsv, mask: false });
        assert.equal(frame![0], (fin ? 0x80 : 0) | (rsv << 4) | opcode);
      }
    }
  }
});

for (const length of BOUNDARIES) {
  test(`§5.6: a ${length}-byte string is encoded as its UTF-8 bytes, masked or not`, () => {
    // Multi-byte characters so that the byte length, not the string length, is what counts.
    const text = 'é'.repeat(Math.floor(length / 2)) + 'a'.repeat(length % 2);
    for (const mask of [false, true]) {
      const frames = decodeFrames(
        Buffer.concat(encodeFrame(0x1, text, { fin: true, rsv: 0, mask })),
      );
      assert.equal(frames[0]!.payload.length, length);
      assert.equal(frames[0]!.payload.toString(), text);
    }
  });
}

test('§5.2: a large unmasked payload is returned apart from its header, not copied', () => {
  const payload = pattern(5000);
  const out = encodeFrame(0x2, payload, { fin: true, rsv: 0, mask: false });
  assert.equal(out.length, 2);
  assert.equal(out[1], payload);
  assert.equal(out[0]!.length, 4);
});

test('§5.2: a large unmasked Uint8Array payload is wrapped without a copy', () => {
  const payload = new Uint8Array(pattern(5000));
  const out = encodeFrame(0x2, payload, { fin: true, rsv: 0, mask: false });
  assert.equal(out.length, 2);
  assert.equal(out[1]!.buffer, payload.buffer);
  assert.ok(decodeFrames(Buffer.concat(out))[0]!.payload.equals(payload));
});

test('§5.2: a small payload is merged with its header into one buffer', () => {
  const out = encodeFrame(0x2, pattern(1024), { fin: true, rsv: 0, mask: false });
  assert.equal(out.length, 1);
  assert.equal(out[0]!.length, 4 + 1024);
});

test("§5.3: masking a frame never changes the caller's payload", () => {
  for (const length of [0, 5, 64, 200, 70000]) {
    const payload = pattern(length);
    const copy = Buffer.from(payload);
    const bytes = Buffer.concat(encodeFrame(0x2, payload, { fin: true, rsv: 0, mask: true }));
    assert.ok(payload.equals(copy));
    assert.ok(decodeFrames(bytes)[0]!.payload.equals(copy));
  }
});

test('§5.3: a masked frame of a non-empty payload does not carry the payload in clear', () => {
  const payload = Buffer.alloc(4096, 0x41);
  const bytes = Buffer.concat(encodeFrame(0x2, payload, { fin: true, rsv: 0, mask: true }));
  // With a key of four equal bytes the masked text would still differ from 0x41 unless the
  // key were zero; a zero key has probability 2^-32.
  assert.ok(!bytes.subarray(8).equals(payload));
});

test('§5.3: each masked frame gets a fresh masking key', () => {
  const keys = new Set<string>();
  // More keys than one refill of the 8 KiB pool holds, to cross a refill.
  for (let i = 0; i < 3000; i++) {
    const [frame] = encodeFrame(0x1, 'x', { fin: true, rsv: 0, mask: true });
    keys.add(frame!.subarray(2, 6).toString('hex'));
  }
  // 3000 random 32-bit keys collide with probability about 0.1%: allow one.
  assert.ok(keys.size >= 2999, `only ${keys.size} distinct keys in 3000 frames`);
});
