/** The WHATWG client against the `ws` server over real sockets on 127.0.0.1. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from '../../src/whatwg/websocket.js';
import { nextEvent, record } from '../helpers/ws-events.js';
import { echo, type WsServer, wsServer } from '../helpers/ws-server.js';

const MiB = 1024 * 1024;

describe('client against ws: messages', { timeout: 20_000 }, () => {
  let server: WsServer;
  before(async () => {
    server = await wsServer({
      maxPayload: 32 * MiB,
      handleProtocols: (offered) => [...offered].at(-1) ?? false,
    });
    echo(server.wss);
  });
  after(() => server.close());

  test('open: readyState OPEN, protocol and extensions set, then echo of text', async () => {
    const ws = new WebSocket(`${server.url}/path?q=1`);
    const { log, closed } = record(ws);
    await nextEvent(ws, 'open');
    assert.equal(ws.readyState, WebSocket.OPEN);
    assert.equal(ws.protocol, '');
    assert.equal(ws.extensions, '');
    ws.send('hello');
    const message = (await nextEvent(ws, 'message')) as MessageEvent;
    assert.equal(message.data, 'hello');
    assert.equal(message.origin, server.url);
    assert.ok(message instanceof globalThis.MessageEvent);
    ws.close();
    await closed;
    assert.deepEqual(log, ['open', 'text:hello', 'close:1005::true']);
  });

  test('subprotocol negotiation: the server picks one of those offered', async () => {
    const ws = new WebSocket(server.url, ['chat', 'superchat']);
    await nextEvent(ws, 'open');
    assert.equal(ws.protocol, 'superchat');
    const closed = nextEvent(ws, 'close');
    ws.close();
    await closed;
    assert.equal(ws.protocol, 'superchat', 'protocol keeps its value after close');
  });

  test('binary data as Blob (default) and ArrayBuffer, by binaryType as each message is dispatched', async () => {
    const ws = new WebSocket(server.url);
    const { messages, closed } = record(ws);
    await nextEvent(ws, 'open');
    ws.send(new Uint8Array([1, 2, 3]));
    await nextEvent(ws, 'message');
    ws.binaryType = 'arraybuffer';
    ws.send(new Uint16Array([0x0201, 0x0403]));
    await nextEvent(ws, 'message');
    ws.send(new ArrayBuffer(0));
    await nextEvent(ws, 'message');
    ws.close(1000);
    await closed;
    const [blob, buffer, empty] = messages;
    assert.ok(blob instanceof Blob);
    assert.equal(blob.type, '');
    assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), new Uint8Array([1, 2, 3]));
    assert.ok(buffer instanceof ArrayBuffer);
    assert.deepEqual(new Uint8Array(buffer), new Uint8Array([1, 2, 3, 4]));
    assert.ok(empty instanceof ArrayBuffer);
    assert.equal(empty.byteLength, 0);
  });

  test('text: UTF-8 both ways; a lone surrogate is sent as U+FFFD', async () => {
    const ws = new WebSocket(server.url);
    const { messages, closed } = record(ws);
    await nextEvent(ws, 'open');
    ws.send('héllo wörld 😀');
    ws.send('a\uD800b');
    ws.send('');
    while (messages.length < 3) await nextEvent(ws, 'message');
    ws.close();
    await closed;
    assert.deepEqual(messages, ['héllo wörld 😀', 'a\uFFFDb', '']);
  });

  test('large messages: 16 MiB each way, binary and text', async () => {
    const ws = new WebSocket(server.url);
    ws.binaryType = 'arraybuffer';
    const { messages, closed } = record(ws);
    await nextEvent(ws, 'open');
    const bytes = new Uint8Array(16 * MiB);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i % 251;
    ws.send(bytes);
    ws.send('x'.repeat(16 * MiB));
    assert.equal(ws.bufferedAmount, 32 * MiB);
    while (messages.length < 2) await nextEvent(ws, 'message');
    ws.close();
    await closed;
    const [binary, text] = messages;
    assert.ok(binary instanceof ArrayBuffer);
    assert.ok(Buffer.from(binary).equals(bytes));
    assert.equal(text, 'x'.repeat(16 * MiB));
    assert.equal(ws.bufferedAmount, 0);
  });

  test('bufferedAmount rises at once by the payload size (no framing), and falls back to 0', async () => {
    const ws = new WebSocket(server.url);
    await nextEvent(ws, 'open');
    ws.send('abc');
    assert.equal(ws.bufferedAmount, 3);
    ws.send(new Uint8Array(1000));
    ws.send(new Blob(['12345']));
    assert.equal(ws.bufferedAmount, 1008);
    await Promise.resolve();
    assert.equal(ws.bufferedAmount, 1008, 'unchanged within the task');
    while (ws.bufferedAmount > 0) await new Promise((resolve) => setImmediate(resolve));
    const closed = nextEvent(ws, 'close');
    ws.close();
    await closed;
  });

  test('a Blob then a string: the server receives them in that order', async () => {
    const received: string[] = [];
    const ws = new WebSocket(server.url);
    const connection = server.nextConnection();
    await nextEvent(ws, 'open');
    const peer = await connection;
    peer.on('message', (data, isBinary) =>
      received.push(`${isBinary ? 'b' : 't'}:${data.toString()}`),
    );
    ws.send(new Blob(['first', ' blob']));
    ws.send('second');
    ws.send(new Blob([new Uint8Array(MiB).fill(0x7a)]));
    ws.send(new Uint8Array([0x34]));
    ws.close(1000, 'after all');
    const closedOnServer = new Promise((resolve) =>
      peer.on('close', (code, reason) => resolve(`${code} ${reason}`)),
    );
    assert.equal(await closedOnServer, '1000 after all');
    assert.equal(received.length, 4);
    assert.deepEqual([received[0], received[1], received[3]], ['b:first blob', 't:second', 'b:4']);
    assert.equal(received[2]!.length, 2 + MiB);
  });

  test('send() while CONNECTING throws InvalidStateError and sends nothing', async () => {
    const ws = new WebSocket(server.url);
    assert.throws(() => ws.send('early'), { name: 'InvalidStateError' });
    const { log, closed } = record(ws);
    await nextEvent(ws, 'open');
    ws.close();
    await closed;
    assert.deepEqual(log, ['open', 'close:1005::true']);
  });
});

describe('client against ws: closing', { timeout: 20_000 }, () => {
  let server: WsServer;
  before(async () => {
    server = await wsServer();
  });
  after(() => server.close());

  test('server-initiated close with code and reason: messages first, then a clean close', async () => {
    server.wss.once('connection', (peer) => {
      peer.send('one');
      peer.send('two');
      peer.close(4001, 'server says bye');
    });
    const ws = new WebSocket(server.url);
    const { log, closed } = record(ws);
    const states: number[] = [];
    ws.onmessage = () => states.push(ws.readyState);
    const info = await closed;
    assert.deepEqual(log, ['open', 'text:one', 'text:two', 'close:4001:server says bye:true']);
    assert.deepEqual(states, [WebSocket.OPEN, WebSocket.OPEN]);
    assert.deepEqual(info, { code: 4001, reason: 'server says bye', wasClean: true });
    assert.equal(ws.readyState, WebSocket.CLOSED);
  });

  test('client-initiated close with code and reason: the server sees them, the client gets its echo', async () => {
    const connection = server.nextConnection();
    const ws = new WebSocket(server.url);
    const { log, closed } = record(ws);
    await nextEvent(ws, 'open');
    const peer = await connection;
    const seen = new Promise((resolve) =>
      peer.on('close', (code, reason) => resolve([code, reason.toString()])),
    );
    ws.close(3000, 'client done ✓');
    assert.equal(ws.readyState, WebSocket.CLOSING);
    ws.send('ignored after close');
    assert.equal(ws.bufferedAmount, 'ignored after close'.length);
    assert.deepEqual(await seen, [3000, 'client done ✓']);
    await closed;
    assert.deepEqual(log, ['open', 'close:3000:client done ✓:true']);
    assert.equal(ws.bufferedAmount, 'ignored after close'.length, 'never sent, never subtracted');
  });

  test('a reason without a code is sent with 1000', async () => {
    const connection = server.nextConnection();
    const ws = new WebSocket(server.url);
    await nextEvent(ws, 'open');
    const peer = await connection;
    const seen = new Promise((resolve) =>
      peer.on('close', (code, reason) => resolve([code, reason.toString()])),
    );
    ws.close(undefined, 'why');
    assert.deepEqual(await seen, [1000, 'why']);
  });

  test('the server terminates the TCP connection: close 1006, not clean, no error event', async () => {
    server.wss.once('connection', (peer) => {
      peer.send('before');
      setImmediate(() => peer.terminate());
    });
    const ws = new WebSocket(server.url);
    const { log, closed } = record(ws);
    const info = await closed;
    assert.deepEqual(log, ['open', 'text:before', 'close:1006::false']);
    assert.equal(info.wasClean, false);
  });
});
