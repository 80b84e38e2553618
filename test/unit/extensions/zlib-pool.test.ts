import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { constants } from 'node:zlib';
import { DeflateCodec, type DeflateResult } from '../../../src/extensions/deflate-codec.js';
import {
  type DeflateSettings,
  type StreamUser,
  ZlibPool,
  zlibPool,
} from '../../../src/extensions/zlib-pool.js';
import { negotiate } from '../../helpers/deflate.js';

const SETTINGS: DeflateSettings = {
  windowBits: 15,
  level: 6,
  memLevel: 8,
  strategy: constants.Z_DEFAULT_STRATEGY,
};
/** §7.2.3.1: "Hello" compressed from an empty window. */
const HELLO = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff];

function collector(): StreamUser & { chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  return { chunks, onData: (chunk) => chunks.push(chunk), onError: () => {} };
}

function flush(pool: ReturnType<ZlibPool['deflater']>, data: string): Promise<void> {
  pool.stream.write(data);
  return new Promise((resolve) => pool.stream.flush(constants.Z_SYNC_FLUSH, () => resolve()));
}

describe('ZlibPool', () => {
  test('a stream given back is reset and taken by the next user of its configuration', async () => {
    const pool = new ZlibPool(() => 2);
    const first = collector();
    const a = pool.deflater(SETTINGS, first);
    await flush(a, 'Hello');
    pool.release(a);
    assert.equal(pool.size, 1);
    const second = collector();
    const b = pool.deflater(SETTINGS, second);
    assert.equal(b, a, 'the same stream');
    assert.equal(pool.size, 0);
    await flush(b, 'Hello');
    // No reference back to the first "Hello": the window was emptied.
    assert.deepEqual([...Buffer.concat(second.chunks)], HELLO);
    assert.deepEqual([...Buffer.concat(first.chunks)], HELLO, 'the first user got only its own');
    const other = pool.deflater({ ...SETTINGS, level: 1 }, collector());
    assert.notEqual(other, a, 'another configuration gets another stream');
    pool.discard(b);
    pool.discard(other);
    pool.clear();
  });

  test('at most maxIdle streams wait; more are closed', async () => {
    const pool = new ZlibPool(() => 1);
    const a = pool.deflater(SETTINGS, collector());
    const b = pool.deflater(SETTINGS, collector());
    pool.release(a);
    pool.release(b);
    assert.equal(pool.size, 1);
    assert.ok(b.stream.destroyed, 'the one too many is closed');
    pool.clear();
    assert.equal(pool.size, 0);
  });

  test('a discarded or failed stream is never reused', async () => {
    const pool = new ZlibPool(() => 4);
    const a = pool.deflater(SETTINGS, collector());
    pool.discard(a);
    pool.release(a);
    assert.equal(pool.size, 0);
    const errors: Error[] = [];
    const inflater = pool.inflater(15, { onData: () => {}, onError: (e) => errors.push(e) });
    inflater.stream.write(Buffer.from([0xff, 0xff, 0xff]));
    await new Promise<void>((resolve) => inflater.stream.once('error', () => resolve()));
    assert.equal(errors.length, 1);
    assert.ok(inflater.broken);
    pool.release(inflater);
    assert.equal(pool.size, 0);
  });
});

describe('DeflateCodec with the pool', () => {
  afterEach(() => zlibPool.clear());

  function compress(codec: DeflateCodec, data: string): Promise<Buffer> {
    return new Promise((resolve, reject) =>
      codec.compress(data, true, (result: DeflateResult) =>
        result.ok ? resolve(result.data) : reject(new Error(result.message)),
      ),
    );
  }

  test('without context takeover, many connections share a few streams', async () => {
    zlibPool.clear();
    const params = negotiate({}, { serverNoContextTakeover: true }).server;
    const codecs = Array.from({ length: 50 }, () => new DeflateCodec(params, 'server'));
    for (let round = 0; round < 3; round++) {
      const payloads = await Promise.all(codecs.map((codec) => compress(codec, 'Hello')));
      for (const payload of payloads) assert.deepEqual([...payload], HELLO.slice(0, -4));
      assert.ok(codecs.every((codec) => !codec.holdsContexts));
      // At most as many as may work at once were ever made; they wait for the next round.
      assert.ok(zlibPool.size >= 1 && zlibPool.size <= 10, `${zlibPool.size} waiting`);
    }
    for (const codec of codecs) codec.close();
  });

  test('with context takeover, a closed connection gives its context back, reset', async () => {
    zlibPool.clear();
    const params = negotiate().server;
    const first = new DeflateCodec(params, 'server');
    await compress(first, 'Hello');
    assert.ok(first.holdsContexts);
    first.close();
    assert.equal(zlibPool.size, 1);
    const second = new DeflateCodec(params, 'server');
    assert.deepEqual([...(await compress(second, 'Hello'))], HELLO.slice(0, -4));
    assert.equal(zlibPool.size, 0, 'the second connection took it');
    second.close();
  });
});
