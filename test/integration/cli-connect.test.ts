// `wskit connect` end to end, as a process, against servers made here: what it sends (headers,
// subprotocols), how it prints (hex, JSON, pongs), and its exit status for each way to end.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { type ServerWebSocket, WebSocketServer } from '../../src/server/index.js';
import { Cli, jsonEvents, runCli } from '../helpers/cli.js';

const T = { timeout: 20_000 };

/** A server on a free port; `onConnection` scripts it. */
async function withServer(
  onConnection: (socket: ServerWebSocket<undefined>, request: IncomingMessage) => void,
  run: (url: string) => Promise<void>,
): Promise<void> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', onConnection);
  await once(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  try {
    await run(`ws://127.0.0.1:${port}/path?q=1`);
  } finally {
    await wss.close({ timeout: 100 });
  }
}

describe('wskit connect', () => {
  test('sends -H headers and -s subprotocols; --json shows the one chosen', T, async () => {
    let seen: IncomingMessage | undefined;
    await withServer(
      (socket, request) => {
        seen = request;
        socket.close(1000, 'done');
      },
      async (url) => {
        const run = await runCli([
          'connect',
          '--json',
          '-H',
          'Authorization: Bearer abc',
          '-H',
          'X-Two: 2',
          '-s',
          'chat.v2',
          '-s',
          'chat.v1',
          url,
        ]);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(seen?.headers.authorization, 'Bearer abc');
        assert.equal(seen?.headers['x-two'], '2');
        assert.equal(seen?.headers['sec-websocket-protocol'], 'chat.v2, chat.v1');
        assert.equal(seen?.url, '/path?q=1');
        const [open, close] = jsonEvents(run.stdout);
        assert.equal(open?.protocol, 'chat.v2');
        assert.deepEqual([close?.code, close?.reason], [1000, 'done']);
      },
    );
  });

  test('binary messages: hex in the terminal format, hex in JSON', T, async () => {
    const bytes = Buffer.from([0, 1, 0xfe, 0xff]);
    const server = (socket: ServerWebSocket<undefined>) => {
      socket.send(bytes);
      socket.send('text');
      socket.close(1000);
    };
    await withServer(server, async (url) => {
      const human = await runCli(['connect', url]);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /< \[binary, 4 bytes\] 00 01 fe ff\n.* < text\n$/);
      const json = await runCli(['connect', '--json', url]);
      const messages = jsonEvents(json.stdout).filter((e) => e.event === 'message');
      assert.deepEqual(
        messages.map((e) => [e.type, e.data]),
        [
          ['binary', '0001feff'],
          ['text', 'text'],
        ],
      );
    });
  });

  test('exit status: 0 for 1000/1001/1005, 3 for another code or an abnormal end', T, async () => {
    const cases: [(socket: ServerWebSocket<undefined>) => void, number, RegExp][] = [
      [(s) => s.close(1001), 0, /closed: 1001 \(going away\)/],
      [(s) => s.close(), 0, /closed: 1005 \(no status\)/],
      [(s) => s.close(4000, 'custom'), 3, /closed: 4000 \(private use\) "custom"/],
      [(s) => s.close(1011), 3, /closed: 1011 \(internal error\)/],
      [(s) => s.terminate(), 3, /closed: 1006 \(abnormal\)/],
    ];
    for (const [behave, code, pattern] of cases) {
      await withServer(behave, async (url) => {
        const run = await runCli(['connect', url]);
        assert.equal(run.code, code, `${pattern}: ${run.stderr}`);
        assert.match(run.stderr, pattern);
      });
    }
  });

  test('a protocol error from the server: one line with the cause, exit 3', T, async () => {
    // A raw server that answers the handshake and then sends a frame with a reserved opcode.
    const { createHash } = await import('node:crypto');
    const http = createServer();
    http.on('upgrade', (request, socket) => {
      const key = String(request.headers['sec-websocket-key']);
      const accept = createHash('sha1')
        .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.write(Buffer.from([0x83, 0x00]));
      socket.on('error', () => {});
      // The client's Close frame (1002): the server ends the TCP connection (RFC 6455 §7.1.1).
      socket.on('data', () => socket.end());
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const { port } = http.address() as AddressInfo;
      const run = await runCli(['connect', `ws://127.0.0.1:${port}/`]);
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /^wskit: connection failed: .*opcode/im);
    } finally {
      http.closeAllConnections();
      http.close();
    }
  });

  test('--ping: pongs with round-trip times, in both formats', T, async () => {
    await withServer(
      (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })),
      async (url) => {
        const json = await runCli(['connect', '--json', '--ping', '-x', 'm', '-w', '0.3', url]);
        assert.equal(json.code, 0, json.stderr);
        const events = jsonEvents(json.stdout);
        const pong = events.find((e) => e.event === 'pong');
        assert.equal(typeof pong?.rtt_ms, 'number');
        assert.ok(events.some((e) => e.event === 'message' && e.data === 'm'));
        const human = await runCli([
          'connect',
          '--ping-interval',
          '0.1',
          '-x',
          'm',
          '-w',
          '0.5',
          url,
        ]);
        assert.equal(human.code, 0, human.stderr);
        const pongs = human.stderr.match(/pong: \d+\.\d{3} ms/g) ?? [];
        assert.ok(pongs.length >= 2, human.stderr);
      },
    );
  });

  test('--ping shows the pings the server sends', T, async () => {
    await withServer(
      (socket) => {
        socket.ping(Buffer.from('hb'));
        socket.on('pong', () => socket.close(1000));
      },
      async (url) => {
        const run = await runCli(['connect', '--ping-interval', '60', url]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stderr, /ping from the server \(2 bytes\), answered/);
      },
    );
  });

  test('stdin EOF with --wait 0 closes with 1000 at once', T, async () => {
    let closeCode = 0;
    await withServer(
      (socket) => socket.on('close', (code) => (closeCode = code)),
      async (url) => {
        const run = await runCli(['connect', '--json', '-w', '0', url], 'bye\n');
        assert.equal(run.code, 0, run.stderr);
        assert.equal(closeCode, 1000);
      },
    );
  });

  test('a refused connection: one line naming the cause, exit 1', T, async () => {
    const http = createServer();
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const { port } = http.address() as AddressInfo;
    await new Promise((resolve) => http.close(resolve));
    const run = await runCli(['connect', `ws://127.0.0.1:${port}/`]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `wskit: cannot connect to ws://127.0.0.1:${port}/: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
    assert.equal(run.stdout, '');
  });

  test('bad URLs and options: one line on stderr, exit 2', T, async () => {
    for (const args of [
      ['connect', 'ftp://127.0.0.1/'],
      ['connect', 'ws://127.0.0.1/#frag'],
      ['connect', 'ws://[::1'],
      ['connect'],
      ['connect', '--wat', 'ws://127.0.0.1/'],
      ['connect', '-H', 'Upgrade: h2c', 'ws://127.0.0.1:1/'],
    ]) {
      const run = await runCli(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^wskit: [^\n]+\n$/, args.join(' '));
      assert.equal(run.stdout, '');
    }
  });

  test('a server that never answers: --timeout fails the handshake, exit 1', T, async () => {
    const http = createServer(); // takes the upgrade request and never answers it
    http.on('upgrade', () => {});
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const { port } = http.address() as AddressInfo;
      const run = await runCli(['connect', '--timeout', '0.3', `ws://127.0.0.1:${port}/`]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^wskit: cannot connect to .*timed out/);
    } finally {
      http.closeAllConnections();
      http.close();
    }
  });

  test('SIGINT closes with 1000 and exits 0', T, async () => {
    let closeCode = 0;
    await withServer(
      (socket) => socket.on('close', (code) => (closeCode = code)),
      async (url) => {
        const cli = new Cli(['connect', url]);
        try {
          await cli.waitFor('stderr', /connected to/);
          cli.signal('SIGINT');
          const end = await cli.exited();
          assert.equal(end.code, 0, end.stderr);
          assert.equal(closeCode, 1000);
        } finally {
          cli.kill();
        }
      },
    );
  });
});
