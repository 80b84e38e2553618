/**
 * After the handshake, against scripted servers that write exact bytes: event order around a
 * close, abrupt disconnects, and peers that break the protocol (WebSockets §4, RFC 6455 §7).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket } from '../../src/whatwg/websocket.js';
import type { RecordingSink } from '../helpers/recording-sink.js';
import {
  acceptResponse,
  closeFrame,
  Opcode,
  readClientFrames,
  type Script,
  type ScriptedServer,
  serverFrame,
  trackedServers,
} from '../helpers/scripted-server.js';
import { nextEvent, record } from '../helpers/ws-events.js';

const start = trackedServers();

/** A server that accepts the handshake, then writes `bytes` in one write and runs `then`. */
async function serve(bytes: Buffer[], then: Script = () => {}): Promise<ScriptedServer> {
  return start((socket, request, rest) => {
    socket.write(Buffer.concat([Buffer.from(acceptResponse(request)), ...bytes]));
    then(socket, request, rest);
  });
}

/** Collects what the client sends until it ends the TCP connection. */
function capture(): { script: Script; frames: Promise<RecordingSink> } {
  let resolve: (sink: Promise<RecordingSink>) => void = () => {};
  const frames = new Promise<RecordingSink>((r) => {
    resolve = r;
  });
  return { script: (socket, _request, rest) => resolve(readClientFrames(socket, rest)), frames };
}

function peerCloseCode(sink: RecordingSink): number | undefined {
  for (const event of sink.received) if (event.type === 'peer-close') return event.code;
  return undefined;
}

describe('event order around the close (WebSockets §4)', { timeout: 10_000 }, () => {
  test('messages and the Close frame in one read: open, messages, then a clean close', async () => {
    const server = await serve(
      [serverFrame(Opcode.Text, 'a'), serverFrame(Opcode.Text, 'b'), closeFrame(1000, 'done')],
      (socket) => setTimeout(() => socket.end(), 10),
    );
    const ws = new WebSocket(server.url);
    const { log, closed } = record(ws);
    await closed;
    assert.deepEqual(log, ['open', 'text:a', 'text:b', 'close:1000:done:true']);
  });

  test('readyState is CLOSING once the closing handshake has started, CLOSED in the close event', async () => {
    const server = await serve([closeFrame(4000)], (socket) => setTimeout(() => socket.end(), 20));
    const ws = new WebSocket(server.url);
    const states: number[] = [];
    ws.onopen = () => {
      states.push(ws.readyState);
      setImmediate(() => states.push(ws.readyState));
    };
    ws.onclose = () => states.push(ws.readyState);
    await nextEvent(ws, 'close');
    assert.deepEqual(states, [WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]);
  });

  test('a Close frame without a code: close 1005, clean', async () => {
    const server = await serve([serverFrame(Opcode.Close)], (socket) =>
      setTimeout(() => socket.end(), 10),
    );
    const { log, closed } = record(new WebSocket(server.url));
    await closed;
    assert.deepEqual(log, ['open', 'close:1005::true']);
  });

  test('messages received after close() was called are not dispatched', async () => {
    const server = await serve([serverFrame(Opcode.Text, 'too late')], (socket) =>
      setTimeout(() => socket.end(closeFrame(1000)), 10),
    );
    const ws = new WebSocket(server.url);
    const { log, closed } = record(ws);
    ws.onopen = () => ws.close();
    await closed;
    assert.deepEqual(log, ['open', 'close:1000::true']);
  });

  test('a server that never ends TCP after the closing handshake: closed cleanly after closeTimeout', async () => {
    const server = await serve([closeFrame(1000)]);
    const { log, closed } = record(new WebSocket(server.url, { closeTimeout: 50 }));
    await closed;
    assert.deepEqual(log, ['open', 'close:1000::true']);
  });

  test('pings are answered and never reach the page', async () => {
    const { script, frames } = capture();
    const server = await serve(
      [serverFrame(Opcode.Ping, 'p1'), serverFrame(Opcode.Text, 'after ping')],
      (socket, request, rest) => {
        script(socket, request, rest);
        setTimeout(() => socket.end(closeFrame(1000)), 20);
      },
    );
    const { log, closed } = record(new WebSocket(server.url));
    await closed;
    assert.deepEqual(log, ['open', 'text:after ping', 'close:1000::true']);
    const pong = (await frames).received.find((event) => event.type === 'pong');
    assert.equal(pong?.type === 'pong' && pong.data.toString(), 'p1');
  });
});

describe('abnormal closure (RFC 6455 §7.1.5: 1006)', { timeout: 10_000 }, () => {
  test('the server ends TCP without a Close frame: close 1006, not clean, no error', async () => {
    const server = await serve([serverFrame(Opcode.Text, 'bye?')], (socket) =>
      setTimeout(() => socket.end(), 10),
    );
    const { log, closed } = record(new WebSocket(server.url));
    await closed;
    assert.deepEqual(log, ['open', 'text:bye?', 'close:1006::false']);
  });

  test('the server resets the connection: close 1006; the socket error goes to onDiagnostic', async () => {
    const server = await serve([], (socket) => setTimeout(() => socket.resetAndDestroy(), 10));
    let diagnostic: Error | undefined;
    const ws = new WebSocket(server.url, { onDiagnostic: (error) => (diagnostic = error) });
    const { log, closed } = record(ws);
    await closed;
    assert.deepEqual(log, ['open', 'close:1006::false']);
    assert.equal((diagnostic as NodeJS.ErrnoException | undefined)?.code, 'ECONNRESET');
  });

  test('a Close frame cut short by the end of TCP: 1006', async () => {
    const server = await serve([closeFrame(1000).subarray(0, 3)], (socket) =>
      setTimeout(() => socket.end(), 10),
    );
    const { log, closed } = record(new WebSocket(server.url));
    await closed;
    assert.deepEqual(log, ['open', 'close:1006::false']);
  });
});

describe('a server that breaks the protocol: error, then close 1006 (RFC 6455 §7.1.7)', {
  timeout: 10_000,
}, () => {
  const masked = Buffer.concat([
    Buffer.from([0x81, 0x82, 1, 2, 3, 4]),
    Buffer.from([0x69 ^ 1, 0x69 ^ 2]),
  ]);
  const cases: Array<[string, Buffer[], number, object]> = [
    ['a masked frame', [masked], 1002, {}],
    ['a reserved opcode', [serverFrame(0x3, 'x')], 1002, {}],
    [
      'invalid UTF-8 in a text message',
      [serverFrame(Opcode.Text, Buffer.from([0xc3, 0x28]))],
      1007,
      {},
    ],
    [
      'a message over maxPayload',
      [serverFrame(Opcode.Binary, Buffer.alloc(2000))],
      1009,
      { maxPayload: 1000 },
    ],
    ['a close code that may not be sent', [closeFrame(1005)], 1002, {}],
  ];

  for (const [name, bytes, sentCode, options] of cases) {
    test(`${name}: the client sends ${sentCode} and reports 1006`, async () => {
      const { script, frames } = capture();
      const server = await serve([serverFrame(Opcode.Text, 'fine'), ...bytes], script);
      let diagnostic: Error | undefined;
      const ws = new WebSocket(server.url, {
        ...options,
        onDiagnostic: (error) => (diagnostic = error),
      });
      const { log, closed } = record(ws);
      await closed;
      assert.deepEqual(log, ['open', 'text:fine', 'error', 'close:1006::false']);
      assert.equal(diagnostic?.name, 'ProtocolError');
      assert.equal(peerCloseCode(await frames), sentCode);
    });
  }
});
