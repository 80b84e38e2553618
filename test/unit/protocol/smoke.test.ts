import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engine, peerFrame } from '../../helpers/recording-sink.js';

test('server: a masked text frame becomes a message', () => {
  const { conn, sink } = engine('server');
  conn.receive(peerFrame('server', 1, 'héllo'));
  assert.deepEqual(sink.received, [{ type: 'message', data: Buffer.from('héllo'), binary: false }]);
});

test('byte-by-byte feeding gives the same events', () => {
  const { conn, sink } = engine('server');
  const bytes = Buffer.concat([
    peerFrame('server', 2, Buffer.alloc(70000, 7)),
    peerFrame('server', 9, 'p'),
  ]);
  for (let i = 0; i < bytes.length; i++) conn.receive(bytes.subarray(i, i + 1));
  assert.equal(sink.received.length, 2);
  const m = sink.received[0];
  assert.ok(m?.type === 'message' && m.data.length === 70000 && m.data.every((b) => b === 7));
  assert.deepEqual(sink.received[1], { type: 'ping', data: Buffer.from('p') });
});
