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
