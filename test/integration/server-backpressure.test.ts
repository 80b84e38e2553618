// Backpressure against a raw TCP client that stops reading: bufferedAmount, send callbacks,
// 'drain', and maxBufferedAmount with the 'drop' and 'close' policies.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import {
  type BackpressurePolicy,
  SendError,
  type ServerWebSocket,
} from '../../src/server/index.js';
import { listen, nextEvent, parseFrames, rawPair, shut } from '../helpers/server.js';

const T = { timeout: 20_000 };
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const LIMIT = 256 * 1024;

/** A server socket whose peer has stopped reading. */
async function stalled(policy: BackpressurePolicy) {
  const { wss, port } = await listen({
    maxBufferedAmount: LIMIT,
    backpressurePolicy: policy,
    closeTimeout: 200,
  });
  const { raw, socket } = await rawPair(wss, port);
  raw.socket.pause();
  return { wss, raw, socket };
}

/**
 * Sends a 64 KiB message per turn until one is refused (the kernel's buffers fill first), and
 * returns the refused message's error and the callbacks of the accepted ones.
 */
async function sendUntilRefused(socket: ServerWebSocket<undefined>) {
  const accepted: Promise<Error | null | undefined>[] = [];
  let maxBuffered = 0;
  for (let i = 0; i < 4000; i++) {
    let refused: SendError | undefined;
    const result = new Promise<Error | null | undefined>((resolve) => {
      socket.send(CHUNK, (error) => {
        if (error instanceof SendError) refused = error;
        resolve(error);
      });
    });
    await new Promise((resolve) => setImmediate(resolve));
    maxBuffered = Math.max(maxBuffered, socket.bufferedAmount);
    if (refused !== undefined) return { refused, accepted, maxBuffered };
    accepted.push(result);
  }
  throw new Error('the peer never pushed back');
}

describe('backpressure', () => {
  test("'drop': the message is dropped and reported; the buffer stays bounded", T, async () => {
    const { wss, raw, socket } = await stalled('drop');
    const dropped: unknown[] = [];
    socket.on('drop', (data) => dropped.push(data));
    const { refused, accepted, maxBuffered } = await sendUntilRefused(socket);
    assert.equal(refused.code, 'WS_SEND_DROPPED');
    assert.equal(socket.droppedMessages, 1);
    assert.deepEqual(dropped, [CHUNK]);
    assert.ok(maxBuffered <= LIMIT + CHUNK.length, `buffered ${maxBuffered}`);
    assert.equal(socket.readyState, socket.OPEN);
    // The peer reads again: the buffer drains, every accepted message arrives.
    const drained = once(socket, 'drain');
    raw.socket.resume();
    await drained;
    const results = await Promise.all(accepted);
    assert.ok(results.every((e) => e == null));
    assert.equal(socket.bufferedAmount, 0);
    const expected = accepted.length * (CHUNK.length + 4);
    while (raw.received().length < expected) await once(raw.socket, 'data');
    assert.equal(parseFrames(raw.received()).length, accepted.length);
    socket.send('after', (error) => assert.equal(error ?? null, null));
    raw.socket.destroy();
    await shut(wss);
  });

  test(
    "'drop' drops the rest of a fragmented message whose first fragment was dropped",
    T,
    async () => {
      const { wss, raw, socket } = await stalled('drop');
      await sendUntilRefused(socket);
      const errors: (Error | null | undefined)[] = [];
      socket.send(CHUNK, { fin: false }, (e) => errors.push(e));
      socket.send('b', { fin: false }, (e) => errors.push(e));
      socket.send('c', { fin: true }, (e) => errors.push(e));
      // The next message is judged on its own: small enough, it is queued.
      const before = socket.droppedMessages;
      assert.equal(socket.send('d'), false, 'queued behind a full buffer');
      assert.equal(socket.droppedMessages, before);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        errors.map((e) => (e as SendError).code),
        ['WS_SEND_DROPPED', 'WS_SEND_DROPPED', 'WS_SEND_DROPPED'],
      );
      raw.socket.destroy();
      await shut(wss);
    },
  );

  test("'close': the message is not sent and the connection is closed (1008)", T, async () => {
    const { wss, raw, socket } = await stalled('close');
    const errors: Error[] = [];
    socket.on('error', (error) => errors.push(error));
    const serverClosed = nextEvent(socket, 'close');
    const { refused, maxBuffered } = await sendUntilRefused(socket);
    assert.equal(refused.code, 'WS_SEND_BUFFER_FULL');
    assert.ok(maxBuffered <= LIMIT + CHUNK.length);
    assert.equal(socket.readyState, socket.CLOSING);
    assert.equal((errors[0] as Error & { closeCode?: number }).closeCode, 1008);
    // The peer never reads its Close frame: the close timeout ends the connection.
    assert.equal((await serverClosed)[0], 1006);
    assert.equal(wss.clients.size, 0);
    raw.socket.destroy();
    await shut(wss);
  });

  test(
    'without a limit hit, bufferedAmount and the callbacks track the kernel hand-off',
    T,
    async () => {
      const { wss, raw, socket } = await stalled('close');
      const results: Promise<unknown>[] = [];
      for (let i = 0; i < 3; i++) {
        results.push(new Promise((resolve) => socket.send(CHUNK, resolve)));
      }
      assert.ok(socket.bufferedAmount > 0, 'corked until the end of the turn');
      raw.socket.resume();
      assert.deepEqual(
        (await Promise.all(results)).map((e) => e ?? null),
        [null, null, null],
      );
      raw.socket.destroy();
      await shut(wss);
    },
  );
});
