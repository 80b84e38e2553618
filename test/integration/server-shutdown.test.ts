// Graceful shutdown: close() sends 1001 to every client, waits for their Close frames up to a
// timeout, refuses pending and new handshakes, and ends the listener it owns.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { WebSocketServer } from '../../src/server/index.js';
import {
  closeCodeOf,
  closed,
  connect,
  listen,
  nextEvent,
  rawHead,
  rawPair,
  rawRequest,
  statusOf,
  upgradeRequest,
} from '../helpers/server.js';

const T = { timeout: 10_000 };

describe('close()', () => {
  test('every client gets 1001 and answers; then the close event and the promise', T, async () => {
    const { wss, url, port } = await listen();
    const a = await connect(url);
    const b = await connect(url);
    const seen = [closed(a), closed(b)];
    const events: string[] = [];
    wss.on('close', () => events.push('close'));
    await wss.close();
    assert.deepEqual(await Promise.all(seen), [
      { code: 1001, reason: 'Server shutting down' },
      { code: 1001, reason: 'Server shutting down' },
    ]);
    assert.deepEqual(events, ['close']);
    assert.equal(wss.clients.size, 0);
    assert.equal(wss.address(), null);
    await assert.rejects(rawRequest(port, upgradeRequest()));
  });

  test('code, reason and timeout can be chosen; invalid ones throw', T, async () => {
    const { wss, url } = await listen();
    const client = await connect(url);
    const seen = closed(client);
    assert.throws(() => wss.close({ code: 1005 }), TypeError);
    assert.throws(() => wss.close({ reason: 'x'.repeat(124) }), RangeError);
    await wss.close({ code: 1012, reason: 'restarting', timeout: 1000 });
    assert.deepEqual(await seen, { code: 1012, reason: 'restarting' });
  });

  test('a client that never answers is destroyed after the timeout', T, async () => {
    const { wss, port } = await listen();
    const { raw, socket } = await rawPair(wss, port);
    const serverClosed = nextEvent(socket, 'close');
    // The raw client reads but never sends its Close frame back.
    await wss.close({ timeout: 100 });
    assert.equal((await serverClosed)[0], 1006);
    await raw.closed;
    assert.equal(closeCodeOf(raw.received()), 1001);
  });

  test('handshakes still waiting for a hook get 503', T, async () => {
    const { wss, port } = await listen({ authenticate: () => new Promise(() => {}) });
    const pending = rawRequest(port, upgradeRequest());
    await new Promise((resolve) => setTimeout(resolve, 30));
    await wss.close();
    const response = await pending;
    assert.equal(statusOf(response), 503);
    assert.match(response, /shutting down/);
  });

  test(
    'on a shared HTTP server: the HTTP server keeps running, new upgrades are not taken',
    T,
    async () => {
      const server = createServer((_req, res) => res.end('ok'));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = (server.address() as AddressInfo).port;
      const wss = new WebSocketServer({ server, path: '/ws' });
      const client = await connect(`ws://127.0.0.1:${port}/ws`);
      const seen = closed(client);
      await wss.close();
      assert.equal((await seen).code, 1001);
      assert.ok(server.listening);
      // No WebSocket server is attached any more: Node ends the upgrade request's connection.
      const head = await rawHead(port, upgradeRequest('/ws'));
      assert.notEqual(statusOf(head), 101);
      await new Promise((resolve) => server.close(resolve));
    },
  );

  test('noServer: handleUpgrade after close answers 503', T, async () => {
    const server = createServer();
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, () => {}));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    await wss.close();
    const response = await rawRequest((server.address() as AddressInfo).port, upgradeRequest());
    assert.equal(statusOf(response), 503);
    await new Promise((resolve) => server.close(resolve));
  });

  test('close while closing shares the same completion', T, async () => {
    const { wss, url } = await listen();
    const client = await connect(url);
    const first = wss.close();
    let called = false;
    const second = wss.close(() => {
      called = true;
    });
    await Promise.all([first, second, closed(client)]);
    assert.ok(called);
  });
});
