// The upgrade's policy hooks: authenticate (async, data, rejections), ws's verifyClient,
// the Origin allow-list, subprotocol selection, and the limits on pending handshakes.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { originAllowList, UpgradeRejection, WebSocketServer } from '../../src/server/index.js';
import {
  connect,
  listen,
  nextConnection,
  rawHead,
  rawRequest,
  shut,
  statusOf,
  upgradeRequest,
} from '../helpers/server.js';

const T = { timeout: 10_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('authenticate', () => {
  test('an async result becomes socket.data, seen by the connection listener', T, async () => {
    interface User {
      name: string;
    }
    const { wss, url } = await listen<User>({
      authenticate: async (request: IncomingMessage) => {
        await sleep(5);
        return { name: String(request.headers['x-user']) };
      },
    });
    const connection = nextConnection(wss);
    const client = await connect(url, [], { headers: { 'X-User': 'ada' } });
    const socket = await connection;
    assert.deepEqual(socket.data, { name: 'ada' });
    client.terminate();
    await shut(wss);
  });

  test('the type of socket.data follows authenticate', T, () => {
    const wss = new WebSocketServer({ noServer: true, authenticate: () => ({ id: 7 }) });
    wss.on('connection', (socket) => {
      const id: number = socket.data.id;
      assert.equal(typeof id, 'number');
    });
  });

  test('UpgradeRejection answers with its status, headers and body', T, async () => {
    const { wss, port } = await listen({
      authenticate: async () => {
        throw new UpgradeRejection(401, {
          headers: { 'WWW-Authenticate': 'Bearer realm="chat"' },
          body: 'log in first',
        });
      },
    });
    const response = await rawRequest(port, upgradeRequest());
    assert.equal(statusOf(response), 401);
    assert.match(response, /\r\nWWW-Authenticate: Bearer realm="chat"\r\n/);
    assert.match(response, /log in first$/);
    await shut(wss);
  });

  test('false gives 401; any status from 300 to 599 can be chosen', T, async () => {
    let status = 0;
    const { wss, port } = await listen({
      authenticate: () => {
        if (status === 0) return false;
        throw new UpgradeRejection(status, { headers: { Location: '/elsewhere' } });
      },
    });
    assert.equal(statusOf(await rawRequest(port, upgradeRequest())), 401);
    for (status of [302, 403, 429, 503]) {
      assert.equal(statusOf(await rawRequest(port, upgradeRequest())), status);
    }
    assert.throws(() => new UpgradeRejection(200), RangeError);
    await shut(wss);
  });

  test('another error gives 500 and the server’s error event', T, async () => {
    const { wss, port, url } = await listen({
      authenticate: async (request) => {
        if (request.url === '/boom') throw new Error('database down');
        return undefined;
      },
    });
    const error = once(wss, 'error');
    assert.equal(statusOf(await rawRequest(port, upgradeRequest('/boom'))), 500);
    assert.equal(((await error)[0] as Error).message, 'database down');
    const client = await connect(url);
    client.terminate();
    await shut(wss);
  });

  test('a hook slower than handshakeTimeout gives 503', T, async () => {
    const { wss, port } = await listen({
      handshakeTimeout: 100,
      authenticate: () => new Promise(() => {}),
    });
    const response = await rawRequest(port, upgradeRequest());
    assert.equal(statusOf(response), 503);
    assert.match(response, /timed out/);
    await shut(wss);
  });

  test('more pending handshakes than maxPendingHandshakes get 503 at once', T, async () => {
    const gates: (() => void)[] = [];
    const { wss, port } = await listen({
      maxPendingHandshakes: 2,
      authenticate: () => new Promise<undefined>((resolve) => gates.push(() => resolve(undefined))),
    });
    const first = rawHead(port, upgradeRequest());
    const second = rawHead(port, upgradeRequest());
    while (gates.length < 2) await sleep(5);
    const third = await rawRequest(port, upgradeRequest());
    assert.equal(statusOf(third), 503);
    assert.match(third, /\r\nRetry-After: 1\r\n/);
    for (const open of gates) open();
    assert.equal(statusOf(await first), 101);
    assert.equal(statusOf(await second), 101);
    await shut(wss);
  });

  test('a client that leaves while authenticate runs is freed', T, async () => {
    let release = () => {};
    const { wss, port } = await listen({
      authenticate: () => new Promise<undefined>((resolve) => (release = () => resolve(undefined))),
    });
    const socket = (await import('node:net')).connect(port, '127.0.0.1');
    socket.write(upgradeRequest());
    await sleep(20);
    socket.destroy();
    // The request's socket is not read while the hook runs, so its end is seen only afterwards:
    // the connection may open, and then closes with 1006 and leaves `clients`.
    release();
    await sleep(20);
    for (const client of wss.clients) {
      if (client.readyState !== client.CLOSED) assert.equal((await once(client, 'close'))[0], 1006);
    }
    assert.equal(wss.clients.size, 0);
    await shut(wss);
  });
});

describe('verifyClient (ws compatibility)', () => {
  test('sync: false gives 401; info carries origin, secure and the request', T, async () => {
    const seen: unknown[] = [];
    const { wss, port, url } = await listen({
      verifyClient: (info) => {
        seen.push([info.origin, info.secure, info.req.url]);
        return info.req.url !== '/deny';
      },
    });
    assert.equal(
      statusOf(await rawRequest(port, upgradeRequest('/deny', { Origin: 'https://a.example' }))),
      401,
    );
    const client = await connect(url, [], { origin: 'https://b.example' });
    client.terminate();
    assert.deepEqual(seen, [
      ['https://a.example', false, '/deny'],
      ['https://b.example', false, '/'],
    ]);
    await shut(wss);
  });

  test(
    'sync: decided within the upgrade, as ws does; a thrown UpgradeRejection answers',
    T,
    async () => {
      const wss = new WebSocketServer({
        noServer: true,
        verifyClient: (info) => {
          if (info.req.url === '/forbidden') throw new UpgradeRejection(403);
          return true;
        },
      });
      const server = createServer();
      const handed: boolean[] = [];
      server.on('upgrade', (request, socket, head) => {
        let returned = false;
        wss.handleUpgrade(request, socket, head, (ws) => {
          handed.push(returned);
          ws.terminate();
        });
        returned = true;
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const { port } = server.address() as AddressInfo;
        assert.equal(statusOf(await rawHead(port, upgradeRequest())), 101);
        assert.deepEqual(handed, [false], 'the callback ran before handleUpgrade returned');
        assert.equal(statusOf(await rawRequest(port, upgradeRequest('/forbidden'))), 403);
      } finally {
        server.closeAllConnections();
        server.close();
        await shut(wss);
      }
    },
  );

  test('async: done(false, status, body, headers)', T, async () => {
    const { wss, port, url } = await listen({
      verifyClient: (info, done) => {
        setTimeout(() => {
          if (info.req.url === '/deny') done(false, 403, 'go away', { 'X-Why': 'test' });
          else done(true);
        }, 5);
      },
    });
    const response = await rawRequest(port, upgradeRequest('/deny'));
    assert.equal(statusOf(response), 403);
    assert.match(response, /\r\nX-Why: test\r\n/);
    assert.match(response, /go away$/);
    const client = await connect(url);
    client.terminate();
    await shut(wss);
  });

  test('verifyClient runs before authenticate', T, async () => {
    const order: string[] = [];
    const { wss, url } = await listen({
      verifyClient: () => {
        order.push('verifyClient');
        return true;
      },
      authenticate: () => {
        order.push('authenticate');
        return undefined;
      },
    });
    const client = await connect(url);
    client.terminate();
    assert.deepEqual(order, ['verifyClient', 'authenticate']);
    await shut(wss);
  });
});

describe('Origin allow-list (cross-site WebSocket hijacking)', () => {
  test('allowOrigins: listed origins pass, others get 403, no Origin passes', T, async () => {
    const { wss, port } = await listen({
      allowOrigins: ['https://app.example', /^https:\/\/[a-z]+\.trusted\.example$/],
    });
    const status = async (origin?: string) =>
      statusOf(
        await rawHead(port, upgradeRequest('/', origin === undefined ? {} : { Origin: origin })),
      );
    assert.equal(await status('https://app.example'), 101);
    assert.equal(await status('https://APP.example:443'), 101);
    assert.equal(await status('https://eu.trusted.example'), 101);
    assert.equal(await status(), 101);
    assert.equal(await status('https://evil.example'), 403);
    assert.equal(await status('http://app.example'), 403);
    assert.equal(await status('null'), 403);
    await shut(wss);
  });

  test('originAllowList works inside verifyClient and authenticate', T, () => {
    const allowed = originAllowList(['http://localhost:8080', 'null'], { allowMissing: false });
    assert.equal(allowed('http://localhost:8080'), true);
    assert.equal(allowed('http://localhost:8081'), false);
    assert.equal(allowed('null'), true);
    assert.equal(allowed(undefined), false);
    assert.equal(allowed('not a url'), false);
    assert.throws(() => originAllowList(['no scheme']), TypeError);
  });
});

describe('subprotocols (RFC 6455 §4.2.2 /subprotocol/)', () => {
  test('default: the first offered, as ws', T, async () => {
    const { wss, url } = await listen();
    const connection = nextConnection(wss);
    const client = await connect(url, ['v2.chat', 'v1.chat']);
    assert.equal(client.protocol, 'v2.chat');
    assert.equal((await connection).protocol, 'v2.chat');
    client.terminate();
    await shut(wss);
  });

  test('handleProtocols chooses from a Set, or declines with false', T, async () => {
    const { wss, port, url } = await listen({
      handleProtocols: (protocols, request) => {
        assert.ok(protocols instanceof Set);
        assert.equal(typeof request.url, 'string');
        return protocols.has('v1.chat') ? 'v1.chat' : false;
      },
    });
    const a = await connect(url, ['v2.chat', 'v1.chat']);
    assert.equal(a.protocol, 'v1.chat');
    const head = await rawHead(port, upgradeRequest('/', { 'Sec-WebSocket-Protocol': 'other' }));
    assert.equal(statusOf(head), 101);
    assert.doesNotMatch(head, /Sec-WebSocket-Protocol/i);
    a.terminate();
    await shut(wss);
  });

  test('a protocol that was not offered is a 500 and an error event', T, async () => {
    const { wss, port } = await listen({ handleProtocols: () => 'never-offered' });
    const error = once(wss, 'error');
    const response = await rawRequest(port, upgradeRequest('/', { 'Sec-WebSocket-Protocol': 'a' }));
    assert.equal(statusOf(response), 500);
    assert.match(String(((await error)[0] as Error).message), /not offered/);
    await shut(wss);
  });

  test('permessage-deflate is off by default: offers are declined', T, async () => {
    const { wss, port, url } = await listen();
    const head = await rawHead(
      port,
      upgradeRequest('/', {
        'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
      }),
    );
    assert.equal(statusOf(head), 101);
    assert.doesNotMatch(head, /Sec-WebSocket-Extensions/i);
    const client = await connect(url, [], { perMessageDeflate: true });
    assert.equal(client.extensions, '');
    client.terminate();
    await shut(wss);
  });
});
