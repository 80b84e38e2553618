/** The wskit client against Python's websockets server (test/interop/peers/echo_server.py). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket } from '../../src/whatwg/websocket.js';
import { nextEvent, record } from '../helpers/ws-events.js';
import { pythonEchoServer, skipReason } from './python-peer.js';

const skip = skipReason();

describe('client against Python websockets', { timeout: 20_000, ...(skip ? { skip } : {}) }, () => {
  const peer = pythonEchoServer();

  test('echo of text, binary and a 4 MiB message; subprotocol; client close with code and reason', async () => {
    const ws = new WebSocket(`${peer.base()}/echo`, ['chat']);
    ws.binaryType = 'arraybuffer';
    const { log, messages, closed } = record(ws);
    await nextEvent(ws, 'open');
    assert.equal(ws.protocol, 'chat');
    ws.send('héllo 😀');
    ws.send(new Uint8Array([0, 1, 254, 255]));
    const big = new Uint8Array(4 * 1024 * 1024).map((_, i) => i % 256);
    ws.send(big);
    while (messages.length < 3) await nextEvent(ws, 'message');
    ws.close(3001, 'from node');
    const info = await closed;
    assert.equal(messages[0], 'héllo 😀');
    assert.deepEqual(new Uint8Array(messages[1] as ArrayBuffer), new Uint8Array([0, 1, 254, 255]));
    assert.ok(Buffer.from(messages[2] as ArrayBuffer).equals(big));
    assert.deepEqual(info, { code: 3001, reason: 'from node', wasClean: true });
    assert.deepEqual(log, [
      'open',
      'text:héllo 😀',
      'arraybuffer:4',
      `arraybuffer:${big.length}`,
      'close:3001:from node:true',
    ]);
  });

  test('no subprotocol offered: none selected', async () => {
    const ws = new WebSocket(`${peer.base()}/echo`);
    await nextEvent(ws, 'open');
    assert.equal(ws.protocol, '');
    const closed = nextEvent(ws, 'close');
    ws.close();
    await closed;
  });

  for (const code of [1000, 1001, 1011, 4003]) {
    test(`server close with ${code}: a clean close with its code and reason`, async () => {
      const { log, closed } = record(new WebSocket(`${peer.base()}/close/${code}`));
      await closed;
      assert.deepEqual(log, ['open', `close:${code}:closing from python:true`]);
    });
  }
});
