import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createInflateRaw } from 'node:zlib';
import {
  DeflateCodec,
  type DeflateResult,
  type InflateResult,
} from '../../../src/extensions/deflate-codec.js';
import type { PerMessageDeflateOptions } from '../../../src/extensions/permessage-deflate.js';
import { zlibLimiter } from '../../../src/extensions/zlib-limiter.js';
import { negotiate } from '../../helpers/deflate.js';

function codecs(client: PerMessageDeflateOptions = {}, server: PerMessageDeflateOptions = {}) {
  const params = negotiate(client, server);
  return {
    client: new DeflateCodec(params.client, 'client'),
    server: new DeflateCodec(params.server, 'server'),
  };
}

function compress(codec: DeflateCodec, data: Uint8Array | string, fin = true): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    codec.compress(data, fin, (result: DeflateResult) =>
      result.ok ? resolve(result.data) : reject(new Error(result.message)),
    ),
  );
}

function decompress(
  codec: DeflateCodec,
  data: Buffer,
  fin = true,
  limit = 1 << 30,
): Promise<InflateResult> {
  return new Promise((resolve) => codec.decompress(data, fin, limit, resolve));
}

async function inflate(codec: DeflateCodec, data: Buffer, fin = true): Promise<Buffer> {
  const result = await decompress(codec, data, fin);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return Buffer.concat(result.data);
}

/** Inflates one message after another with exactly `bits` of window, the way a strict peer does. */
function strictInflater(bits: number) {
  const inflater = createInflateRaw({ windowBits: bits });
  const out: Buffer[] = [];
  inflater.on('data', (chunk: Buffer) => out.push(chunk));
  return (payload: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      inflater.once('error', reject);
      // One byte per write: back-references must then reach into the kept window.
      for (let i = 0; i < payload.length; i++) inflater.write(payload.subarray(i, i + 1));
      inflater.write(Buffer.from([0, 0, 0xff, 0xff]));
      inflater.flush(() => resolve(Buffer.concat(out.splice(0))));
    });
}

describe('DeflateCodec (RFC 7692 §7.2)', () => {
  test('a message compresses to a payload without the 00 00 ff ff tail and back', async () => {
    const { client, server } = codecs();
    const payload = await compress(client, 'Hello');
    // §7.2.3.1: "Hello" compresses to f2 48 cd c9 c9 07 00.
    assert.deepEqual([...payload], [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    assert.equal((await inflate(server, payload)).toString(), 'Hello');
  });

  test('context takeover: the second "Hello" refers back to the first (§7.2.3.2)', async () => {
    const { client, server } = codecs();
    await inflate(server, await compress(client, 'Hello'));
    const second = await compress(client, 'Hello');
    assert.deepEqual([...second], [0xf2, 0x00, 0x11, 0x00, 0x00]);
    assert.equal((await inflate(server, second)).toString(), 'Hello');
    assert.ok(client.holdsContexts && server.holdsContexts, 'both contexts are kept');
  });

  test('no context takeover: each message stands alone and the contexts are released', async () => {
    const { client, server } = codecs({ clientNoContextTakeover: true });
    for (let i = 0; i < 3; i++) {
      const payload = await compress(client, 'Hello');
      assert.deepEqual([...payload], [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
      assert.equal(client.holdsContexts, false, 'the deflate context is released');
      assert.equal((await inflate(server, payload)).toString(), 'Hello');
      assert.equal(server.holdsContexts, false, 'the inflate context is released');
    }
  });

  test('an empty message is one 0x00 byte (§7.2.3.6), with or without context', async () => {
    for (const options of [{}, { clientNoContextTakeover: true }]) {
      const { client, server } = codecs(options);
      await inflate(server, await compress(client, 'x'.repeat(100)));
      const empty = await compress(client, '');
      assert.deepEqual([...empty], [0x00]);
      assert.equal((await inflate(server, empty)).length, 0);
    }
  });

  test('a fragmented message keeps the tail on all frames but the last', async () => {
    const { client, server } = codecs();
    const first = await compress(client, 'Hel', false);
    assert.deepEqual([...first.subarray(-4)], [0, 0, 0xff, 0xff]);
    const last = await compress(client, 'lo', true);
    const text = Buffer.concat([await inflate(server, first, false), await inflate(server, last)]);
    assert.equal(text.toString(), 'Hello');
  });

  test('a DEFLATE block with BFINAL set ends the stream; the next message starts anew', async () => {
    const { server } = codecs();
    // §7.2.3.4.
    const bfinal = Buffer.from([0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00]);
    assert.equal((await inflate(server, bfinal)).toString(), 'Hello');
    assert.equal((await inflate(server, bfinal)).toString(), 'Hello');
    const stored = Buffer.from([0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00]);
    assert.equal((await inflate(server, stored)).toString(), 'Hello', '§7.2.3.3');
  });

  test('invalid data is reported as such', async () => {
    const { server } = codecs();
    const result = await decompress(server, Buffer.from([0xff, 0xff, 0xff, 0xff]));
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, 'invalid');
  });

  test('inflation stops as soon as the output passes the limit', async () => {
    const { client, server } = codecs();
    const bomb = await compress(client, Buffer.alloc(4 << 20));
    assert.ok(bomb.length < 8 * 1024);
    const result = await decompress(server, bomb, true, 100_000);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, 'too-big');
    assert.equal(server.holdsContexts, false, 'the inflater is thrown away');
  });

  for (let bits = 8; bits <= 15; bits++) {
    test(`window of ${bits} bits: a peer inflating with exactly that window reads every message`, async () => {
      const { client } = codecs({ clientMaxWindowBits: bits });
      const peer = strictInflater(bits);
      // Repeats at distances around and beyond the window, across messages (context takeover).
      const block = randomBytes(300);
      for (const message of [block, block, Buffer.concat([block, block.subarray(0, 200), block])]) {
        const payload = await compress(client, message);
        assert.deepEqual(await peer(payload), message);
      }
      // Something compresses even with the 8-bit window's run-length matches.
      const runs = Buffer.alloc(4096, 'abcd');
      assert.ok((await compress(client, runs)).length < runs.length);
    });
  }

  test('close: nothing calls back, and the limiter slots are freed', async () => {
    const { client, server } = codecs();
    let called = false;
    client.compress('x'.repeat(10_000), true, () => {
      called = true;
    });
    server.decompress(Buffer.from([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]), true, 100, () => {
      called = true;
    });
    client.close();
    server.close();
    assert.equal(client.holdsContexts || server.holdsContexts, false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(called, false);
    assert.equal(zlibLimiter.active, 0);
  });
});
