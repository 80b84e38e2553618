// Broken opening handshakes from raw TCP clients get the status RFC 6455 §4.2.1 names, and the
// server goes on serving everyone else.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import {
  connect,
  KEY,
  listen,
  rawConnect,
  rawHead,
  rawRequest,
  readAll,
  shut,
  statusOf,
  upgradeRequest,
} from '../helpers/server.js';

const T = { timeout: 10_000 };

function request(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const base = [
  'Host: 127.0.0.1',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${KEY}`,
  'Sec-WebSocket-Version: 13',
];

function without(name: string): string[] {
  return base.filter((line) => !line.startsWith(`${name}:`));
}

describe('malformed requests (RFC 6455 §4.2.1)', () => {
  const cases: [string, string, number, RegExp?][] = [
    [
      'missing Sec-WebSocket-Key',
      request(['GET / HTTP/1.1', ...without('Sec-WebSocket-Key')]),
      400,
    ],
    [
      'a key that is not 16 bytes in base64',
      request(['GET / HTTP/1.1', ...without('Sec-WebSocket-Key'), 'Sec-WebSocket-Key: c2hvcnQ=']),
      400,
    ],
    [
      'version 8 gets 426 and the version we speak (§4.4)',
      request(['GET / HTTP/1.1', ...without('Sec-WebSocket-Version'), 'Sec-WebSocket-Version: 8']),
      426,
      /\r\nSec-WebSocket-Version: 13\r\n/,
    ],
    [
      'POST gets 405 with Allow: GET',
      request(['POST / HTTP/1.1', ...base]),
      405,
      /\r\nAllow: GET\r\n/,
    ],
    [
      // Node does not see an upgrade here: it is a plain request, which gets 426.
      'Connection without "Upgrade"',
      request(['GET / HTTP/1.1', ...without('Connection'), 'Connection: keep-alive']),
      426,
      /\r\nUpgrade: websocket\r\n/,
    ],
    [
      'an Upgrade to another protocol',
      request(['GET / HTTP/1.1', ...without('Upgrade'), 'Upgrade: h2c']),
      400,
    ],
    ['HTTP/1.0', request(['GET / HTTP/1.0', ...base]), 400],
    [
      'a subprotocol list that is not tokens',
      request(['GET / HTTP/1.1', ...base, 'Sec-WebSocket-Protocol: a b']),
      400,
    ],
    [
      'a duplicated subprotocol',
      request(['GET / HTTP/1.1', ...base, 'Sec-WebSocket-Protocol: chat, chat']),
      400,
    ],
  ];
  for (const [name, text, status, header] of cases) {
    test(name, T, async () => {
      const { wss, port } = await listen();
      const response = await rawRequest(port, text);
      assert.equal(statusOf(response), status);
      assert.match(response, /\r\nConnection: (Upgrade, )?close\r\n/);
      if (header !== undefined) assert.match(response, header);
      // A short plain-text body says why.
      assert.ok(response.split('\r\n\r\n')[1]!.length > 0);
      const client = await connect(`ws://127.0.0.1:${port}`);
      client.terminate();
      await shut(wss);
    });
  }

  test('a wrong path gets 404 when standalone', T, async () => {
    const { wss, port } = await listen({ path: '/chat' });
    const response = await rawRequest(port, upgradeRequest('/nope'));
    assert.equal(statusOf(response), 404);
    await shut(wss);
  });

  test('a request head over maxHeaderSize gets 431', T, async () => {
    const { wss, port } = await listen({ maxHeaderSize: 1024 });
    const response = await rawRequest(port, upgradeRequest('/', { 'X-Big': 'a'.repeat(2000) }));
    assert.equal(statusOf(response), 431);
    assert.equal(statusOf(await rawHead(port, upgradeRequest('/'))), 101);
    await shut(wss);
  });

  test('wsClientError hands invalid requests to its listener, as ws', T, async () => {
    const { wss, port } = await listen();
    wss.on('wsClientError', (error, socket, req) => {
      assert.equal(error.status, 400);
      assert.equal(req.method, 'GET');
      socket.end('HTTP/1.1 400 Bad Request\r\nX-Custom: 1\r\nContent-Length: 0\r\n\r\n');
    });
    const response = await rawRequest(
      port,
      request(['GET / HTTP/1.1', ...without('Sec-WebSocket-Key')]),
    );
    assert.match(response, /X-Custom: 1/);
    await shut(wss);
  });
});

describe('slow and broken clients', () => {
  test('half a request is ended by the handshake timeout with 408', T, async () => {
    const { wss, port } = await listen({ handshakeTimeout: 200 });
    const socket = await rawConnect(port);
    const response = readAll(socket);
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr');
    assert.equal(statusOf((await response).toString('latin1')), 408);
    await shut(wss);
  });

  test('a client that connects and sends nothing is ended too', T, async () => {
    const { wss, port } = await listen({ handshakeTimeout: 200 });
    const socket = await rawConnect(port);
    await readAll(socket);
    await shut(wss);
  });

  test('a client that resets during the handshake does not disturb the server', T, async () => {
    const { wss, port, url } = await listen({
      authenticate: () => new Promise((resolve) => setTimeout(resolve, 50)),
    });
    const socket = await rawConnect(port);
    socket.write(upgradeRequest());
    await new Promise((resolve) => setTimeout(resolve, 10));
    socket.resetAndDestroy();
    await once(socket, 'close');
    const client = await connect(url);
    client.terminate();
    await shut(wss);
  });
});
