// How a WebSocketServer is run: standalone, on an HTTP server (alone or several by path), and
// with noServer; its own events and methods (listening, connection, headers, close, address).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { ServerWebSocket, WebSocketServer } from '../../src/server/index.js';
import {
  closed,
  connect,
  listen,
  nextMessage,
  rawHead,
  rawRequest,
  shut,
  statusOf,
  upgradeRequest,
} from '../helpers/server.js';

const T = { timeout: 10_000 };

async function httpServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end('plain'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('options', () => {
  test('exactly one of port, server and noServer', T, () => {
    assert.throws(() => new WebSocketServer({}), TypeError);
    assert.throws(() => new WebSocketServer({ port: 0, noServer: true }), TypeError);
    assert.throws(() => new WebSocketServer({ noServer: true, maxPayload: -1 }), RangeError);
    assert.throws(
      () => new WebSocketServer({ noServer: true, heartbeat: { interval: 0, timeout: 1 } }),
      RangeError,
    );
    assert.throws(
      // @ts-expect-error: not a policy
      () => new WebSocketServer({ noServer: true, backpressurePolicy: 'queue' }),
      TypeError,
    );
  });
});

describe('standalone (port)', () => {
  test('listening callback, address(), connection with the request, clients', T, async () => {
    let called = false;
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', backlog: 16 }, () => {
      called = true;
    });
    await once(wss, 'listening');
    assert.ok(called);
    const { port } = wss.address() as AddressInfo;
    const connection = once(wss, 'connection') as Promise<
      [ServerWebSocket<undefined>, IncomingMessage]
    >;
    const client = await connect(`ws://127.0.0.1:${port}/room?x=1`);
    const [socket, request] = await connection;
    assert.ok(socket instanceof ServerWebSocket);
    assert.equal(request.url, '/room?x=1');
    assert.equal(socket.readyState, ServerWebSocket.OPEN);
    assert.equal(wss.clients.size, 1);
    assert.ok(wss.clients.has(socket));
    client.close();
    await once(socket, 'close');
    assert.equal(wss.clients.size, 0);
    await shut(wss);
  });

  test('plain HTTP requests get 426 with Upgrade: websocket', T, async () => {
    const { wss, port } = await listen();
    const response = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(statusOf(response), 426);
    assert.match(response, /\r\nUpgrade: websocket\r\n/i);
    assert.match(response, /\r\nSec-WebSocket-Version: 13\r\n/i);
    assert.match(response, /Upgrade Required$/);
    await shut(wss);
  });

  test('a wrong path gets 404', T, async () => {
    const { wss, port } = await listen({ path: '/ws' });
    assert.equal(statusOf(await rawHead(port, upgradeRequest('/other'))), 404);
    assert.equal(statusOf(await rawHead(port, upgradeRequest('/ws?token=1'))), 101);
    await shut(wss);
  });

  test('a port in use is an error event', T, async () => {
    const { wss, port } = await listen();
    const second = new WebSocketServer({ port, host: '127.0.0.1' });
    const [error] = (await once(second, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'EADDRINUSE');
    await shut(second);
    await shut(wss);
  });

  test('close(callback) closes the listener; a second close reports "not running"', T, async () => {
    const { wss, port } = await listen();
    const events: string[] = [];
    wss.on('close', () => events.push('close'));
    await new Promise<void>((resolve, reject) =>
      wss.close((error) => (error === undefined ? resolve() : reject(error))),
    );
    assert.deepEqual(events, ['close']);
    const [error] = await new Promise<[Error | undefined]>((resolve) =>
      wss.close((e) => resolve([e])),
    );
    assert.match(String(error?.message), /not running/);
    await assert.rejects(rawRequest(port, upgradeRequest()));
  });
});

describe('on an HTTP server (server)', () => {
  test('upgrades go to the WebSocket server, plain requests to the HTTP server', T, async () => {
    const { server, port } = await httpServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket) => socket.send('hi'));
    const client = await connect(`ws://127.0.0.1:${port}`);
    assert.equal(String((await nextMessage(client)).data), 'hi');
    const plain = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(plain, /plain$/);
    client.close();
    await closed(client);
    await shut(wss);
    assert.ok(server.listening, 'the HTTP server is the caller’s to close');
    assert.equal(wss.address(), null);
    await stop(server);
  });

  test('several servers by path; a path none serves gets 404', T, async () => {
    const { server, port } = await httpServer();
    const a = new WebSocketServer({ server, path: '/a' });
    const b = new WebSocketServer({ server, path: '/b' });
    a.on('connection', (socket) => socket.send('a'));
    b.on('connection', (socket) => socket.send('b'));
    for (const name of ['a', 'b']) {
      const client = await connect(`ws://127.0.0.1:${port}/${name}`);
      assert.equal(String((await nextMessage(client)).data), name);
      client.terminate();
    }
    assert.equal(statusOf(await rawHead(port, upgradeRequest('/c'))), 404);
    await shut(a);
    // With /a gone, /a is no longer served; /b still is.
    assert.equal(statusOf(await rawHead(port, upgradeRequest('/a'))), 404);
    assert.equal(statusOf(await rawHead(port, upgradeRequest('/b'))), 101);
    await shut(b);
    await stop(server);
  });

  test('an upgrade no server takes is left to another upgrade listener', T, async () => {
    const { server, port } = await httpServer();
    const wss = new WebSocketServer({ server, path: '/ws' });
    server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      if (req.url === '/ws') return;
      socket.end("HTTP/1.1 418 I'm a Teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    });
    assert.equal(statusOf(await rawHead(port, upgradeRequest('/other'))), 418);
    assert.equal(statusOf(await rawHead(port, upgradeRequest('/ws'))), 101);
    await shut(wss);
    await stop(server);
  });

  test('listening is forwarded from the HTTP server', T, async () => {
    const server = createServer();
    const wss = new WebSocketServer({ server });
    const listening = once(wss, 'listening');
    server.listen(0, '127.0.0.1');
    await listening;
    assert.equal((wss.address() as AddressInfo).port, (server.address() as AddressInfo).port);
    await shut(wss);
    await stop(server);
  });
});

describe('noServer', () => {
  test('handleUpgrade calls back with the socket and does not emit connection', T, async () => {
    const { server, port } = await httpServer();
    const wss = new WebSocketServer({ noServer: true });
    assert.throws(() => wss.address(), /noServer/);
    let emitted = false;
    wss.on('connection', () => {
      emitted = true;
    });
    const accepted = new Promise<ServerWebSocket>((resolve) => {
      server.on('upgrade', (req, socket, head) => {
        assert.equal(wss.shouldHandle(req), true);
        wss.handleUpgrade(req, socket, head, (ws, request) => {
          assert.equal(request, req);
          resolve(ws);
        });
      });
    });
    const client = await connect(`ws://127.0.0.1:${port}`);
    const socket = await accepted;
    assert.equal(emitted, false);
    assert.equal(wss.clients.size, 1);
    socket.close(1000);
    assert.equal((await closed(client)).code, 1000);
    await shut(wss);
    await stop(server);
  });

  test('shouldHandle compares the path without the query', T, () => {
    const wss = new WebSocketServer({ noServer: true, path: '/p' });
    const req = (url: string) => ({ url }) as IncomingMessage;
    assert.equal(wss.shouldHandle(req('/p')), true);
    assert.equal(wss.shouldHandle(req('/p?q=1')), true);
    assert.equal(wss.shouldHandle(req('/p/')), false);
    assert.equal(wss.shouldHandle(req('/')), false);
  });
});

describe('headers event', () => {
  test('lines added by a headers listener are sent', T, async () => {
    const { wss, url } = await listen();
    wss.on('headers', (headers, request) => {
      assert.equal(headers[0], 'HTTP/1.1 101 Switching Protocols');
      assert.equal(request.url, '/');
      headers.push('X-Served-By: wskit');
    });
    const client = new WebSocket(`${url}/`);
    const [response] = (await once(client, 'upgrade')) as [IncomingMessage];
    client.terminate();
    assert.equal(response.headers['x-served-by'], 'wskit');
    await shut(wss);
  });

  test('an invalid line from a headers listener gives 500, not a split response', T, async () => {
    const { wss, port } = await listen();
    wss.on('headers', (headers) => headers.push('X-Bad: a\r\nInjected: b'));
    const errors: Error[] = [];
    wss.on('error', (error) => errors.push(error));
    const response = await rawRequest(port, upgradeRequest());
    assert.equal(statusOf(response), 500);
    assert.doesNotMatch(response, /Injected/);
    assert.equal(errors.length, 1);
    await shut(wss);
  });
});
