import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkList } from '../../../src/protocol/chunk-list.js';

test('§5.4: an empty message is an empty buffer', () => {
  const list = new ChunkList();
  assert.equal(list.length, 0);
  assert.equal(list.take().length, 0);
  list.push(Buffer.alloc(0));
  assert.equal(list.length, 0);
  assert.equal(list.take().length, 0);
});

test('§5.4: a message in one piece is handed out as that very view', () => {
  const list = new ChunkList();
  const piece = Buffer.from('hello');
  list.push(piece);
  assert.equal(list.take(), piece);
  assert.equal(list.length, 0);
});

test('§5.4: several pieces are joined in order', () => {
  const list = new ChunkList();
  for (const s of ['ab', 'c', '', 'def']) list.push(Buffer.from(s));
  assert.equal(list.length, 6);
  assert.equal(list.take().toString(), 'abcdef');
  assert.equal(list.length, 0);
});

test('§5.4: 10,000 one-byte pieces give the right message (compaction and growth)', () => {
  const list = new ChunkList();
  const expected = Buffer.alloc(10_000);
  for (let i = 0; i < 10_000; i++) {
    expected[i] = i & 0xff;
    list.push(Buffer.from([i & 0xff]));
  }
  assert.equal(list.length, 10_000);
  assert.ok(list.take().equals(expected));
});

test('§5.4: pieces larger than the compacted buffer make it grow to fit', () => {
  const list = new ChunkList();
  for (let i = 0; i < 40; i++) list.push(Buffer.from([i]));
  const big = Buffer.alloc(20_000, 0xab);
  list.push(big);
  list.push(Buffer.from([0xcd]));
  const out = list.take();
  assert.equal(out.length, 40 + 20_000 + 1);
  for (let i = 0; i < 40; i++) assert.equal(out[i], i);
  assert.ok(out.subarray(40, 40 + 20_000).equals(big));
  assert.equal(out[out.length - 1], 0xcd);
});

test('§5.4: the list is reusable after take() and after reset()', () => {
  const list = new ChunkList();
  for (let i = 0; i < 100; i++) list.push(Buffer.from('x'));
  assert.equal(list.take().toString(), 'x'.repeat(100));
  list.push(Buffer.from('y'));
  list.push(Buffer.from('z'));
  assert.equal(list.take().toString(), 'yz');
  for (let i = 0; i < 100; i++) list.push(Buffer.from('w'));
  list.reset();
  assert.equal(list.length, 0);
  list.push(Buffer.from('after'));
  assert.equal(list.take().toString(), 'after');
});

test('§5.4: a taken message is not overwritten by the next one', () => {
  const list = new ChunkList();
  for (let i = 0; i < 100; i++) list.push(Buffer.from('a'));
  const first = list.take();
  for (let i = 0; i < 100; i++) list.push(Buffer.from('b'));
  const second = list.take();
  assert.equal(first.toString(), 'a'.repeat(100));
  assert.equal(second.toString(), 'b'.repeat(100));
});

test('a message of known length is held as views until half of it has arrived', () => {
  const list = new ChunkList();
  list.expect(1000);
  const a = Buffer.alloc(300, 1);
  const b = Buffer.alloc(100, 2);
  list.push(a);
  list.push(b);
  // 400 of 1000 bytes: nothing copied yet, so a change to a piece shows in the message.
  a.fill(9);
  const c = Buffer.alloc(600, 3);
  list.push(c);
  // 1000 of 1000: copied now; later changes to the pieces do not show.
  a.fill(7);
  c.fill(7);
  const out = list.take();
  assert.equal(out.length, 1000);
  assert.ok(out.subarray(0, 300).equals(Buffer.alloc(300, 9)));
  assert.ok(out.subarray(300, 400).equals(Buffer.alloc(100, 2)));
  assert.ok(out.subarray(400).equals(Buffer.alloc(600, 3)));
});

test('a message of known length is copied into one buffer of that length once half is here', () => {
  const list = new ChunkList();
  list.expect(1 << 20);
  const pieces = Array.from({ length: 16 }, (_, i) => Buffer.alloc(65536, i));
  for (const piece of pieces.slice(0, 8)) list.push(piece);
  // Half arrived: the pieces so far were copied, the rest are copied as they come.
  pieces[0]!.fill(0xff);
  for (const piece of pieces.slice(8)) {
    list.push(piece);
    piece.fill(0xff);
  }
  const out = list.take();
  assert.equal(out.buffer.byteLength, 1 << 20, 'one buffer of the expected length');
  for (let i = 0; i < 16; i++)
    assert.ok(
      out.subarray(i * 65536, (i + 1) * 65536).equals(Buffer.alloc(65536, i)),
      `piece ${i}`,
    );
  // The expectation ends with the message.
  const next = Buffer.from('next');
  list.push(next);
  assert.equal(list.take(), next);
});
