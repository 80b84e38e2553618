import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, request } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { WebSocket, WebSocketServer } from 'ws';
import {
  acceptDeflateOffer,
  acceptDeflateResponse,
  deflateOffer,
  type PerMessageDeflateOptions,
} from '../../src/extensions/permessage-deflate.js';
import { zlibLimiter } from '../../src/extensions/zlib-limiter.js';
import { generateKey } from '../../src/handshake/accept-key.js';
import { clientRequestHeaders, validateServerResponse } from '../../src/handshake/client.js';
import { parseExtensions } from '../../src/handshake/header-grammar.js';
import { buildAcceptResponse, validateClientRequest } from '../../src/handshake/server.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import { SocketTransport, type TransportHandler } from '../../src/transport/socket-transport.js';
import { handlerWith } from '../helpers/transport.js';

// The transport and the engine with permessage-deflate over real TCP, against ws 8: wskit as
// the server of a ws client, then as the client of a ws server. The handshake is done with
// wskit's handshake functions; each side echoes what it gets.

type Message = { data: Buffer; binary: boolean };

/** A transport handler that records messages and the close. */
function recorder() {
  const messages: Message[] = [];
  let onClose: (close: { code: number; clean: boolean }) => void = () => {};
  const closed = new Promise<{ code: number; clean: boolean }>((resolve) => {
    onClose = resolve;
  });
  const handler = handlerWith({
    onMessage: (data, binary) => messages.push({ data: Buffer.from(data), binary }),
    onClose: (code, _reason, clean) => onClose({ code, clean }),
  });
  return { messages, closed, handler };
}

/** Opens a WebSocket with wskit's handshake functions; returns the socket and the agreement. */
async function dial(port: number, options: PerMessageDeflateOptions) {
  const key = generateKey();
  const req = request({
    host: '127.0.0.1',
    port,
    headers: clientRequestHeaders({ key, extensions: deflateOffer(options) }),
  });
  req.end();
  const [res, socket, head] = await new Promise<[IncomingMessage, Socket, Buffer]>((resolve) =>
    req.once('upgrade', (r: IncomingMessage, s: Socket, h: Buffer) => resolve([r, s, h])),
  );
  const accepted = validateServerResponse(res, { key, offeredExtensions: ['permessage-deflate'] });
  const deflate = acceptDeflateResponse(accepted.extensions, options);
  assert.ok(deflate !== null);
  return { socket, head, deflate };
}

/** Holds the only slot of the zlib limiter until the returned function is called. */
function blockZlib(): () => void {
  const limit = zlibLimiter.limit;
  zlibLimiter.limit = 1;
  let release = () => {};
  zlibLimiter.run((r) => {
    release = r;
  });
  return () => {
    zlibLimiter.limit = limit;
    release();
  };
}

function payloads(): Message[] {
  const json = JSON.stringify(
    Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `item ${i % 13}` })),
  );
  return [
    { data: Buffer.from(json), binary: false },
    { data: Buffer.alloc(0), binary: false },
    { data: randomBytes(70_000), binary: true },
    { data: Buffer.from('small'), binary: false },
    { data: Buffer.alloc(1 << 20, 'z'), binary: true },
    { data: Buffer.from(json.toUpperCase()), binary: false },
  ];
}

describe('wskit server, ws client, permessage-deflate', () => {
  const server = createServer();
  let port = 0;
  let transport: SocketTransport | null = null;
  let transportClosed: Promise<{ code: number; clean: boolean }> = Promise.resolve({
    code: 0,
    clean: false,
  });
  // Context takeover kept on the server's side (not its default), to exercise it against ws.
  const serverOptions: PerMessageDeflateOptions = {
    threshold: 0,
    serverMaxWindowBits: 11,
    serverNoContextTakeover: false,
  };

  before(async () => {
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      const check = validateClientRequest(req);
      assert.ok(check.ok);
      const accepted = acceptDeflateOffer(check.extensions, serverOptions);
      assert.ok(accepted !== null);
      socket.write(buildAcceptResponse({ key: check.key, extensions: [accepted.extension] }));
      const rec = recorder();
      transportClosed = rec.closed;
      const echo: TransportHandler = {
        ...rec.handler,
        onMessage: (data, binary) => t.send(data, binary, true),
        onPeerClose: () => {},
      };
      const t = new SocketTransport(
        socket,
        echo,
        { role: 'server', extensions: { deflate: accepted.params } },
        head,
      );
      transport = t;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(() => server.close());

  test('echoes every message, in order, compressed both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, {
      perMessageDeflate: { threshold: 0, clientNoContextTakeover: true },
    });
    const received: Message[] = [];
    ws.on('message', (data: Buffer, binary: boolean) => received.push({ data, binary }));
    await new Promise((resolve) => ws.once('open', resolve));
    assert.equal(ws.extensions, 'permessage-deflate'); // ws lists names only
    assert.equal(
      transport?.engine.extensions,
      'permessage-deflate; client_no_context_takeover; server_max_window_bits=11',
    );
    const sent = payloads();
    for (const m of sent) ws.send(m.data, { binary: m.binary });
    while (received.length < sent.length) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(
      received.map((m) => [m.binary, m.data.length]),
      sent.map((m) => [m.binary, m.data.length]),
    );
    for (let i = 0; i < sent.length; i++) assert.ok(received[i]!.data.equals(sent[i]!.data));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.close(1000);
    assert.equal(await closed, 1000);
  });

  test('input piling up behind an inflate stops reading until zlib catches up', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: { threshold: 0 } });
    const received: Buffer[] = [];
    ws.on('message', (data: Buffer) => received.push(data));
    await new Promise((resolve) => ws.once('open', resolve));
    const t = transport!;
    let paused = 0;
    const pause = t.socket.pause.bind(t.socket);
    t.socket.pause = () => {
      paused++;
      return pause();
    };
    // The first message cannot inflate while the rest arrives.
    const unblock = blockZlib();
    try {
      const sent = Array.from({ length: 20 }, () => randomBytes(50_000));
      for (const data of sent) ws.send(data);
      while (paused === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.ok(t.engine.inputPaused);
      unblock();
      while (received.length < sent.length) await new Promise((resolve) => setTimeout(resolve, 5));
      for (let i = 0; i < sent.length; i++)
        assert.ok(received[i]!.equals(sent[i]!), `message ${i}`);
    } finally {
      unblock();
      ws.close();
    }
  });

  test('failing the connection while reading is paused for zlib closes it promptly', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: { threshold: 0 } });
    ws.on('error', () => {});
    await new Promise((resolve) => ws.once('open', resolve));
    const t = transport!;
    const closed = transportClosed;
    const unblock = blockZlib();
    try {
      for (let i = 0; i < 20; i++) ws.send(randomBytes(50_000));
      while (!t.engine.inputPaused) await new Promise((resolve) => setTimeout(resolve, 5));
      // zlib stays blocked: only the failure itself can let the transport read again.
      t.fail(1008, 'policy');
      const timeout = new Promise((resolve) => setTimeout(resolve, 3000, 'timeout'));
      // The failure discards input, the peer's Close frame included: the code is 1006.
      assert.deepEqual(await Promise.race([closed, timeout]), { code: 1006, clean: false });
    } finally {
      unblock();
      ws.terminate();
    }
  });
});

describe('wskit client, ws server, permessage-deflate', () => {
  let wss: WebSocketServer;
  let port = 0;

  before(async () => {
    wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      perMessageDeflate: { threshold: 0, clientMaxWindowBits: 10 },
    });
    wss.on('connection', (ws) => {
      ws.on('message', (data: Buffer, binary: boolean) => ws.send(data, { binary }));
    });
    await new Promise((resolve) => wss.once('listening', resolve));
    port = (wss.address() as AddressInfo).port;
  });

  after(() => wss.close());

  async function connect(options: PerMessageDeflateOptions) {
    const { socket, head, deflate } = await dial(port, options);
    const rec = recorder();
    const transport = new SocketTransport(
      socket,
      rec.handler,
      { role: 'client', extensions: { deflate } },
      head,
    );
    return { transport, ...rec };
  }

  test('sends compressed, receives compressed, send callbacks complete in order', async () => {
    const { transport, messages, closed } = await connect({ threshold: 0 });
    assert.equal(transport.engine.extensions, 'permessage-deflate; client_max_window_bits=10');
    const sent = payloads();
    const done: number[] = [];
    sent.forEach((m, i) => {
      transport.send(m.data, m.binary, true, (error) => {
        assert.ifError(error);
        done.push(i);
      });
    });
    assert.ok(transport.bufferedAmount >= 1 << 20, 'bytes waiting to be compressed count');
    while (messages.length < sent.length) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(done, [0, 1, 2, 3, 4, 5]);
    for (let i = 0; i < sent.length; i++) {
      assert.equal(messages[i]!.binary, sent[i]!.binary);
      assert.ok(messages[i]!.data.equals(sent[i]!.data), `message ${i}`);
    }
    transport.close(1000);
    assert.deepEqual(await closed, { code: 1000, clean: true });
  });
});

describe('the end of the connection while a message inflates', () => {
  test('the message that arrived before the end is reported before the close', async () => {
    // A raw server: the 101 response, one large compressed message, then FIN at once.
    const text = JSON.stringify(Array.from({ length: 60_000 }, (_, i) => ({ id: i, v: i * 7 })));
    const payload = deflateRawSync(text, { finishFlush: 2 }).subarray(0, -4);
    const raw = createNetServer((socket) => {
      socket.once('data', (request) => {
        const key = /sec-websocket-key: *(\S+)/i.exec(request.toString('latin1'))![1]!;
        socket.write(
          buildAcceptResponse({
            key,
            extensions: parseExtensions('permessage-deflate'),
          }),
        );
        socket.end(
          Buffer.concat(encodeFrame(0x2, payload, { fin: true, rsv: 0b100, mask: false })),
        );
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { socket, head, deflate } = await dial((raw.address() as AddressInfo).port, {});
    const order: string[] = [];
    const done = new Promise<void>((resolve) => {
      new SocketTransport(
        socket,
        {
          ...recorder().handler,
          onMessage: (data) => order.push(`message ${data.length}`),
          onClose: (code) => {
            order.push(`close ${code}`);
            resolve();
          },
        },
        { role: 'client', extensions: { deflate } },
        head,
      );
    });
    await done;
    raw.close();
    assert.deepEqual(order, [`message ${text.length}`, 'close 1006']);
  });
});
