/**
 * The opening handshake over real sockets against scripted servers: the request on the wire, and
 * every response that must fail the connection (RFC 6455 §4.1, WebSockets §2.2). A failure shows
 * the page an `error` event then a `close` event with 1006 and nothing else; the cause goes to
 * the onDiagnostic option only.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { HandshakeError } from '../../src/handshake/errors.js';
import { WebSocket } from '../../src/whatwg/websocket.js';
import {
  acceptResponse,
  Opcode,
  type RawRequest,
  serverFrame,
  trackedServers,
} from '../helpers/scripted-server.js';
import { nextEvent, record } from '../helpers/ws-events.js';

const serve = trackedServers();

/** Connects with a diagnostic hook; resolves with the event log and the diagnostic. */
async function attempt(url: string, options: ConstructorParameters<typeof WebSocket>[1] = {}) {
  let diagnostic: Error | undefined;
  const ws = new WebSocket(url, {
    ...(typeof options === 'object' && !Array.isArray(options) ? options : { protocols: options }),
    onDiagnostic: (error) => {
      diagnostic = error;
    },
  });
  const { log, closed } = record(ws);
  await closed;
  return { log, diagnostic, ws };
}

const FAILED = ['error', 'close:1006::false'];

function respond(response: string) {
  return (socket: import('node:net').Socket) => socket.end(response);
}

describe('the request on the wire (RFC 6455 §4.1)', { timeout: 10_000 }, () => {
  test('request line, Host, Upgrade, Connection, key, version; no Origin, protocol or extension', async () => {
    const server = await serve((socket, request) => socket.write(acceptResponse(request)));
    const ws = new WebSocket(`${server.url}/chat/room?x=1&y=%20`, { perMessageDeflate: false });
    await nextEvent(ws, 'open');
    ws.close();
    const request = server.requests[0]!;
    assert.equal(request.method, 'GET');
    assert.equal(request.path, '/chat/room?x=1&y=%20');
    assert.match(request.raw, /^GET \S+ HTTP\/1\.1\r\n/);
    assert.equal(request.headers.host, `127.0.0.1:${server.port}`);
    assert.equal(request.headers.upgrade, 'websocket');
    assert.equal(request.headers.connection, 'Upgrade');
    assert.equal(request.headers['sec-websocket-version'], '13');
    assert.match(request.headers['sec-websocket-key'] ?? '', /^[A-Za-z0-9+/]{22}==$/);
    for (const absent of ['origin', 'sec-websocket-protocol', 'sec-websocket-extensions']) {
      assert.equal(request.headers[absent], undefined, absent);
    }
  });

  test('permessage-deflate is offered by default, as browsers do (RFC 7692 §5)', async () => {
    const server = await serve((socket, request) => socket.write(acceptResponse(request)));
    for (const options of [{}, { perMessageDeflate: true }]) {
      const ws = new WebSocket(server.url, options);
      await nextEvent(ws, 'open');
      assert.equal(ws.extensions, '', 'the server declined it');
      ws.close();
    }
    const ws = new WebSocket(server.url, {
      perMessageDeflate: { serverNoContextTakeover: true, clientMaxWindowBits: 10 },
    });
    await nextEvent(ws, 'open');
    ws.close();
    assert.deepEqual(
      server.requests.map((r) => r.headers['sec-websocket-extensions']),
      [
        'permessage-deflate; client_max_window_bits',
        'permessage-deflate; client_max_window_bits',
        'permessage-deflate; server_no_context_takeover; client_max_window_bits=10',
      ],
    );
  });

  test('subprotocols, Origin and extra headers when asked', async () => {
    const server = await serve((socket, request) =>
      socket.write(acceptResponse(request, ['Sec-WebSocket-Protocol: b'])),
    );
    const ws = new WebSocket(server.url, {
      protocols: ['a', 'b'],
      origin: 'https://app.example',
      headers: { 'X-Trace': 'abc', Authorization: 'Bearer t' },
    });
    await nextEvent(ws, 'open');
    assert.equal(ws.protocol, 'b');
    ws.close();
    const { headers } = server.requests[0]!;
    assert.equal(headers['sec-websocket-protocol'], 'a, b');
    assert.equal(headers.origin, 'https://app.example');
    assert.equal(headers['x-trace'], 'abc');
    assert.equal(headers.authorization, 'Bearer t');
  });

  test('each connection sends a fresh key', async () => {
    const server = await serve((socket) => socket.destroy());
    await attempt(server.url);
    await attempt(server.url);
    const [first, second] = server.requests;
    assert.notEqual(first?.headers['sec-websocket-key'], second?.headers['sec-websocket-key']);
  });
});

describe('responses that fail the connection', { timeout: 10_000 }, () => {
  const cases: Array<[string, (request: RawRequest) => string, string]> = [
    [
      '404',
      () => 'HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found',
      'WS_HANDSHAKE_UNEXPECTED_STATUS',
    ],
    [
      '200 with a body',
      () => 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
      'WS_HANDSHAKE_UNEXPECTED_STATUS',
    ],
    [
      'a redirect (never followed)',
      () =>
        'HTTP/1.1 301 Moved Permanently\r\nLocation: ws://127.0.0.1:1/\r\nContent-Length: 0\r\n\r\n',
      'WS_HANDSHAKE_UNEXPECTED_STATUS',
    ],
    [
      'a wrong Sec-WebSocket-Accept',
      () =>
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
      'WS_HANDSHAKE_BAD_ACCEPT',
    ],
    [
      'a 101 without Sec-WebSocket-Accept',
      () => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      'WS_HANDSHAKE_BAD_ACCEPT',
    ],
    [
      'a subprotocol the client did not offer',
      (request) => acceptResponse(request, ['Sec-WebSocket-Protocol: chat']),
      'WS_HANDSHAKE_UNEXPECTED_PROTOCOL',
    ],
    [
      'an extension the client did not offer',
      (request) => acceptResponse(request, ['Sec-WebSocket-Extensions: x-webkit-deflate-frame']),
      'WS_HANDSHAKE_UNEXPECTED_EXTENSION',
    ],
    ...[
      'permessage-deflate; client_max_window_bits',
      'permessage-deflate; server_max_window_bits=16',
      'permessage-deflate; server_max_window_bits=08',
      'permessage-deflate; client_no_context_takeover=1',
      'permessage-deflate; unknown_parameter',
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      'permessage-deflate, permessage-deflate',
    ].map((value): [string, (request: RawRequest) => string, string] => [
      `permessage-deflate accepted as "${value}" (RFC 7692 §7)`,
      (request) => acceptResponse(request, [`Sec-WebSocket-Extensions: ${value}`]),
      'WS_HANDSHAKE_BAD_EXTENSION_PARAMS',
    ]),
  ];

  for (const [name, response, code] of cases) {
    test(`${name}: error then close 1006; the cause only reaches onDiagnostic`, async () => {
      const server = await serve((socket, request) => socket.write(response(request)));
      const { log, diagnostic, ws } = await attempt(server.url);
      assert.deepEqual(log, FAILED);
      assert.ok(diagnostic instanceof HandshakeError, String(diagnostic));
      assert.equal(diagnostic.code, code);
      assert.equal(ws.readyState, WebSocket.CLOSED);
      assert.equal(ws.protocol, '');
      assert.equal(server.requests.length, 1);
    });
  }

  test('permessage-deflate accepted when perMessageDeflate is false: not offered', async () => {
    const server = await serve((socket, request) =>
      socket.write(acceptResponse(request, ['Sec-WebSocket-Extensions: permessage-deflate'])),
    );
    const { log, diagnostic } = await attempt(server.url, { perMessageDeflate: false });
    assert.deepEqual(log, FAILED);
    assert.ok(diagnostic instanceof HandshakeError);
    assert.equal(diagnostic.code, 'WS_HANDSHAKE_UNEXPECTED_EXTENSION');
  });

  test('a server_max_window_bits larger than asked for (RFC 7692 §7.1.2.1)', async () => {
    const server = await serve((socket, request) =>
      socket.write(
        acceptResponse(request, [
          'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12',
        ]),
      ),
    );
    const { log, diagnostic } = await attempt(server.url, {
      perMessageDeflate: { serverMaxWindowBits: 10 },
    });
    assert.deepEqual(log, FAILED);
    assert.ok(diagnostic instanceof HandshakeError);
    assert.equal(diagnostic.code, 'WS_HANDSHAKE_BAD_EXTENSION_PARAMS');
  });

  test('subprotocols offered and none selected (WebSockets §2.2 processResponse step 2)', async () => {
    const server = await serve((socket, request) => socket.write(acceptResponse(request)));
    const { log, diagnostic } = await attempt(server.url, ['chat']);
    assert.deepEqual(log, FAILED);
    assert.ok(diagnostic instanceof HandshakeError);
    assert.equal(diagnostic.code, 'WS_HANDSHAKE_BAD_PROTOCOL');
  });

  test('the server closes the connection without answering', async () => {
    const server = await serve(respond(''));
    const { log, diagnostic } = await attempt(server.url);
    assert.deepEqual(log, FAILED);
    assert.ok(diagnostic);
  });

  test('a refused connection', async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as { port: number };
    probe.close();
    await once(probe, 'close');
    const { log, diagnostic } = await attempt(`ws://127.0.0.1:${port}/`);
    assert.deepEqual(log, FAILED);
    assert.equal((diagnostic as NodeJS.ErrnoException | undefined)?.code, 'ECONNREFUSED');
  });
});

describe('giving up during the handshake', { timeout: 10_000 }, () => {
  const silent = () => {};

  test('handshakeTimeout fails the connection', async () => {
    const server = await serve(silent);
    const { log, diagnostic } = await attempt(server.url, { handshakeTimeout: 50 });
    assert.deepEqual(log, FAILED);
    assert.equal(diagnostic?.name, 'TimeoutError');
  });

  test('an AbortSignal aborted during the handshake fails the connection with its reason', async () => {
    const server = await serve(silent);
    const controller = new AbortController();
    const pending = attempt(server.url, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user left')), 20);
    const { log, diagnostic } = await pending;
    assert.deepEqual(log, FAILED);
    assert.equal(diagnostic?.message, 'user left');
  });

  test('an AbortSignal aborted before the constructor fails without dialing', async () => {
    const server = await serve(silent);
    const { log, diagnostic } = await attempt(server.url, { signal: AbortSignal.abort() });
    assert.deepEqual(log, FAILED);
    assert.equal(diagnostic?.name, 'AbortError');
  });

  test('close() during the handshake: CLOSING at once, then error and close 1006', async () => {
    const server = await serve(silent);
    const ws = new WebSocket(server.url);
    const { log, closed } = record(ws);
    await new Promise((resolve) => setTimeout(resolve, 20));
    ws.close(1000, 'never mind');
    assert.equal(ws.readyState, WebSocket.CLOSING);
    await closed;
    assert.deepEqual(log, FAILED);
  });

  test('the signal has no effect once the connection is open', async () => {
    const server = await serve((socket, request) => socket.write(acceptResponse(request)));
    const controller = new AbortController();
    const ws = new WebSocket(server.url, { signal: controller.signal });
    const { log } = record(ws);
    await nextEvent(ws, 'open');
    controller.abort();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ws.readyState, WebSocket.OPEN);
    assert.deepEqual(log, ['open']);
    ws.close();
  });
});

describe('frames in the same read as the 101 (the upgrade head)', { timeout: 10_000 }, () => {
  test('are dispatched after open, in order', async () => {
    const server = await serve((socket, request) =>
      socket.write(
        Buffer.concat([
          Buffer.from(acceptResponse(request)),
          serverFrame(Opcode.Text, 'first'),
          serverFrame(Opcode.Binary, Buffer.from([1, 2])),
        ]),
      ),
    );
    const ws = new WebSocket(server.url);
    const { log } = record(ws);
    await nextEvent(ws, 'open');
    await nextEvent(ws, 'message');
    await nextEvent(ws, 'message');
    assert.deepEqual(log, ['open', 'text:first', 'blob:2']);
    ws.close();
  });
});
