// The server-side socket's API against a ws client: send forms and options, ping/pong, close and
// its argument checks, readyState, binaryType, pause/resume, the EventTarget-style shim.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import type WebSocket from 'ws';
import {
  SendError,
  ServerWebSocket,
  type WebSocketServer,
  type WsCloseEvent,
  WsMessageEvent,
} from '../../src/server/index.js';
import { closed, connect, listen, nextConnection, nextMessage, shut } from '../helpers/server.js';

const T = { timeout: 10_000 };

/** A server, a ws client and the server's socket for it. */
async function pair(): Promise<{
  wss: WebSocketServer;
  client: WebSocket;
  socket: ServerWebSocket<undefined>;
}> {
  const { wss, url } = await listen();
  const accepted = nextConnection(wss);
  const client = await connect(url);
  const socket = await accepted;
  return { wss, client, socket };
}

describe('send', () => {
  test(
    'strings are text; Buffers, ArrayBuffers, typed arrays and DataViews are binary',
    T,
    async () => {
      const { wss, client, socket } = await pair();
      const bytes = new Uint8Array([0, 1, 2, 250]);
      socket.send('héllo');
      socket.send(Buffer.from(bytes));
      socket.send(bytes.buffer);
      socket.send(new Uint16Array([0x0100, 0xfa02]));
      socket.send(new DataView(bytes.buffer, 1, 2));
      socket.send(42);
      socket.send([Buffer.from([9]), Buffer.from([8])]);
      socket.send('as binary', { binary: true });
      socket.send(Buffer.from('as text'), { binary: false });
      const got = [];
      for (let i = 0; i < 9; i++) got.push(await nextMessage(client));
      assert.deepEqual(
        got.map((m) => [m.isBinary, [...m.data]]),
        [
          [false, [...Buffer.from('héllo')]],
          [true, [0, 1, 2, 250]],
          [true, [0, 1, 2, 250]],
          [true, [...Buffer.from(new Uint16Array([0x0100, 0xfa02]).buffer)]],
          [true, [1, 2]],
          [false, [...Buffer.from('42')]],
          [true, [9, 8]],
          [true, [...Buffer.from('as binary')]],
          [false, [...Buffer.from('as text')]],
        ],
      );
      await shut(wss);
    },
  );

  test('fin: false sends fragments of one message (RFC 6455 §5.4)', T, async () => {
    const { wss, client, socket } = await pair();
    socket.send('frag', { fin: false });
    socket.send('men', { fin: false });
    socket.send('ted', { fin: true });
    socket.send(Buffer.from([1]), { fin: false });
    socket.send(Buffer.from([2]));
    assert.equal(String((await nextMessage(client)).data), 'fragmented');
    const binary = await nextMessage(client);
    assert.deepEqual([binary.isBinary, [...binary.data]], [true, [1, 2]]);
    await shut(wss);
  });

  test('the callback runs once the data is written; send returns true', T, async () => {
    const { wss, client, socket } = await pair();
    let result: boolean | undefined;
    const error = await new Promise((resolve) => {
      result = socket.send('x', resolve);
    });
    assert.equal(error ?? null, null);
    assert.equal(result, true);
    await new Promise((resolve) => socket.send('y', { binary: true, compress: true }, resolve));
    assert.equal(socket.bufferedAmount, 0);
    await nextMessage(client);
    await shut(wss);
  });

  test('sending on a closing or closed socket calls back with an error, as ws', T, async () => {
    const { wss, client, socket } = await pair();
    socket.close();
    assert.equal(socket.readyState, ServerWebSocket.CLOSING);
    const [error] = await new Promise<[Error]>((resolve) =>
      socket.send('late', (e) => resolve([e!])),
    );
    assert.ok(error instanceof SendError);
    assert.equal(error.code, 'WS_SEND_NOT_OPEN');
    assert.equal(error.message, 'WebSocket is not open: readyState 2 (CLOSING)');
    assert.equal(socket.send('no callback'), false);
    await closed(client);
    if ((socket.readyState as number) !== ServerWebSocket.CLOSED) await once(socket, 'close');
    const [afterClose] = await new Promise<[Error]>((resolve) => socket.ping((e) => resolve([e!])));
    assert.match(afterClose.message, /readyState 3 \(CLOSED\)/);
    await shut(wss);
  });

  test('unsupported data is a TypeError', T, async () => {
    const { wss, socket } = await pair();
    // @ts-expect-error: not sendable
    assert.throws(() => socket.send({ a: 1 }), TypeError);
    await shut(wss);
  });
});

describe('ping and pong', () => {
  test('ping data reaches the client; its pong is a pong event', T, async () => {
    const { wss, client, socket } = await pair();
    const pong = once(socket, 'pong');
    socket.ping('beat');
    assert.equal(String((await pong)[0]), 'beat');
    const clientPing = once(client, 'ping');
    socket.ping(Buffer.from([1, 2]), undefined, () => {});
    assert.deepEqual([...((await clientPing)[0] as Buffer)], [1, 2]);
    const unsolicited = once(client, 'pong');
    socket.pong('u');
    assert.equal(String((await unsolicited)[0]), 'u');
    await shut(wss);
  });

  test('a client ping is answered and emitted', T, async () => {
    const { wss, client, socket } = await pair();
    const ping = once(socket, 'ping');
    const pong = once(client, 'pong');
    client.ping('are you there');
    assert.equal(String((await ping)[0]), 'are you there');
    assert.equal(String((await pong)[0]), 'are you there');
    await shut(wss);
  });

  test('over 125 bytes is a RangeError (RFC 6455 §5.5)', T, async () => {
    const { wss, socket } = await pair();
    assert.throws(() => socket.ping(Buffer.alloc(126)), RangeError);
    assert.throws(() => socket.pong('x'.repeat(126)), RangeError);
    socket.ping(Buffer.alloc(125));
    await shut(wss);
  });
});

describe('close and terminate', () => {
  test('the code and reason reach the client; close event with the client’s echo', T, async () => {
    const { wss, client, socket } = await pair();
    const clientSaw = closed(client);
    const serverSaw = once(socket, 'close') as Promise<[number, Buffer]>;
    socket.close(4001, 'bye ✓');
    assert.deepEqual(await clientSaw, { code: 4001, reason: 'bye ✓' });
    const [code, reason] = await serverSaw;
    assert.equal(code, 4001);
    assert.ok(Buffer.isBuffer(reason));
    assert.equal(reason.toString(), 'bye ✓');
    assert.equal(socket.readyState, ServerWebSocket.CLOSED);
    socket.close(); // A no-op once closed.
    await shut(wss);
  });

  test('invalid codes throw TypeError, long reasons RangeError', T, async () => {
    const { wss, socket } = await pair();
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 1000.5]) {
      assert.throws(() => socket.close(code), TypeError, `code ${code}`);
    }
    // @ts-expect-error: not a number
    assert.throws(() => socket.close('1000'), TypeError);
    assert.throws(() => socket.close(1000, 'x'.repeat(124)), RangeError);
    assert.throws(() => socket.close(1000, 'é'.repeat(62)), RangeError);
    assert.throws(() => socket.close(1000, Buffer.from([0xff])), TypeError);
    assert.equal(socket.readyState, ServerWebSocket.OPEN);
    socket.close(1000, 'x'.repeat(123));
    await shut(wss);
  });

  test('a reason without a code is ignored (the Close frame has no payload)', T, async () => {
    const { wss, client, socket } = await pair();
    const clientSaw = closed(client);
    socket.close(undefined, 'ignored');
    assert.deepEqual(await clientSaw, { code: 1005, reason: '' });
    await shut(wss);
  });

  test('a client close gives the client’s code and reason', T, async () => {
    const { wss, client, socket } = await pair();
    const serverSaw = once(socket, 'close') as Promise<[number, Buffer]>;
    client.close(3001, 'done');
    const [code, reason] = await serverSaw;
    assert.deepEqual([code, reason.toString()], [3001, 'done']);
    await shut(wss);
  });

  test('terminate ends the connection without a Close frame: 1006 on both sides', T, async () => {
    const { wss, client, socket } = await pair();
    const clientSaw = closed(client);
    const serverSaw = once(socket, 'close') as Promise<[number, Buffer]>;
    socket.terminate();
    assert.equal(socket.readyState, ServerWebSocket.CLOSING);
    assert.equal((await clientSaw).code, 1006);
    assert.equal((await serverSaw)[0], 1006);
    await shut(wss);
  });
});

describe('state and options', () => {
  test(
    'readyState constants on the class and the instance; protocol and extensions',
    T,
    async () => {
      const { wss, socket } = await pair();
      assert.deepEqual(
        [
          ServerWebSocket.CONNECTING,
          ServerWebSocket.OPEN,
          ServerWebSocket.CLOSING,
          ServerWebSocket.CLOSED,
        ],
        [0, 1, 2, 3],
      );
      assert.deepEqual(
        [socket.CONNECTING, socket.OPEN, socket.CLOSING, socket.CLOSED],
        [0, 1, 2, 3],
      );
      assert.equal(socket.readyState, socket.OPEN);
      assert.equal(socket.protocol, '');
      assert.equal(socket.extensions, '');
      assert.equal(socket.binaryType, 'nodebuffer');
      assert.equal(socket.data, undefined);
      await shut(wss);
    },
  );

  test('binaryType: nodebuffer, arraybuffer, fragments; text is always a Buffer', T, async () => {
    const { wss, client, socket } = await pair();
    const next = () => once(socket, 'message') as Promise<[unknown, boolean]>;
    let message = next();
    client.send(Buffer.from([1, 2, 3]));
    assert.ok(Buffer.isBuffer((await message)[0]));
    socket.binaryType = 'arraybuffer';
    message = next();
    client.send(Buffer.from([4, 5]));
    const [ab, isBinary] = await message;
    assert.ok(ab instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(ab)], [4, 5]);
    assert.equal(isBinary, true);
    socket.binaryType = 'fragments';
    message = next();
    client.send(Buffer.from([6]));
    const [fragments] = await message;
    assert.ok(Array.isArray(fragments));
    assert.deepEqual(Buffer.concat(fragments as Buffer[]), Buffer.from([6]));
    message = next();
    client.send('text');
    const [text, textIsBinary] = await message;
    assert.ok(Buffer.isBuffer(text));
    assert.equal(textIsBinary, false);
    await shut(wss);
  });

  test('autoPong: false leaves pings to the application', T, async () => {
    const { wss, url } = await listen({ autoPong: false });
    const accepted = nextConnection(wss);
    const client = await connect(url);
    const socket = await accepted;
    let pongs = 0;
    client.on('pong', () => pongs++);
    const ping = once(socket, 'ping');
    client.ping('p1');
    await ping;
    // Nothing answered it; the application answers the next one itself.
    socket.once('ping', (data) => socket.pong(data));
    const pong = once(client, 'pong');
    client.ping('p2');
    assert.equal(String((await pong)[0]), 'p2');
    assert.equal(pongs, 1);
    await shut(wss);
  });

  test('clientTracking: false is accepted; clients is still kept', T, async () => {
    const { wss, url } = await listen({ clientTracking: false });
    const client = await connect(url);
    assert.equal(wss.clients.size, 1);
    client.terminate();
    await shut(wss);
  });

  test('pause stops message events until resume', T, async () => {
    const { wss, client, socket } = await pair();
    const got: string[] = [];
    socket.on('message', (data) => got.push(String(data)));
    socket.pause();
    assert.equal(socket.isPaused, true);
    client.send('one');
    client.send('two');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(got, []);
    const second = new Promise((resolve) =>
      socket.on('message', (d) => String(d) === 'two' && resolve(d)),
    );
    socket.resume();
    assert.equal(socket.isPaused, false);
    await second;
    assert.deepEqual(got, ['one', 'two']);
    await shut(wss);
  });
});

describe('EventTarget-style API', () => {
  test('addEventListener gives MessageEvent and CloseEvent objects', T, async () => {
    const { wss, client, socket } = await pair();
    const events: unknown[] = [];
    const onMessage = (event: WsMessageEvent<ServerWebSocket>) => events.push(event);
    socket.addEventListener('message', onMessage);
    socket.addEventListener('message', onMessage); // The same listener twice is one.
    const handler = {
      handleEvent: (event: WsMessageEvent<ServerWebSocket>) => events.push(event.data),
    };
    socket.addEventListener('message', handler, { once: true });
    const message = once(socket, 'message');
    client.send('hi');
    await message;
    assert.equal(events.length, 2);
    const event = events[0] as WsMessageEvent<ServerWebSocket>;
    assert.ok(event instanceof WsMessageEvent);
    assert.deepEqual([event.type, event.data, event.target], ['message', 'hi', socket]);
    assert.equal(events[1], 'hi');
    socket.removeEventListener('message', onMessage);
    const again = once(socket, 'message');
    client.send(Buffer.from([1]));
    await again;
    assert.equal(events.length, 2);

    const close = new Promise<WsCloseEvent<ServerWebSocket>>((resolve) => {
      socket.addEventListener('close', resolve);
    });
    client.close(1000, 'ok');
    const closeEvent = await close;
    assert.deepEqual(
      [closeEvent.type, closeEvent.code, closeEvent.reason, closeEvent.wasClean],
      ['close', 1000, 'ok', true],
    );
    await shut(wss);
  });

  test('onmessage / onclose / onerror / onopen attributes', T, async () => {
    const { wss, client, socket } = await pair();
    assert.equal(socket.onmessage, null);
    const seen: string[] = [];
    const first = () => seen.push('first');
    socket.onmessage = first;
    assert.equal(socket.onmessage, first);
    socket.onmessage = (event) => seen.push(`second:${String(event.data)}`);
    socket.onopen = () => seen.push('open');
    socket.onerror = () => seen.push('error');
    const message = once(socket, 'message');
    client.send('m');
    await message;
    assert.deepEqual(seen, ['second:m']);
    socket.onmessage = null;
    assert.equal(socket.listenerCount('message'), 0);
    const done = new Promise<void>((resolve) => {
      socket.onclose = (event) => {
        seen.push(`close:${event.code}`);
        resolve();
      };
    });
    client.close(1001);
    await done;
    assert.deepEqual(seen, ['second:m', 'close:1001']);
    await shut(wss);
  });
});
