// The server's permessage-deflate (RFC 7692) over real sockets: negotiation with the ws client
// in several configurations and messages from 0 bytes to 16 MiB both ways; what goes on the wire
// (RSV1, the threshold, `compress: false`, fragments) seen by a raw client; a decompression
// bomb, which closes with 1009 while the server goes on serving everyone else.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { constants, inflateRawSync } from 'node:zlib';
import type WebSocket from 'ws';
import type { PerMessageDeflateOptions as WsDeflateOptions } from 'ws';
import type { PerMessageDeflateOptions } from '../../src/extensions/permessage-deflate.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { type ServerWebSocket, WebSocketServer } from '../../src/server/index.js';
import { compressed, jsonText, parseFrames, RSV1, type WireFrame } from '../helpers/deflate.js';
import {
  clientFrame,
  closeCodeOf,
  closed,
  connect,
  listen,
  nextEvent,
  nextMessage,
  Opcode,
  rawHead,
  rawPair,
  shut,
  statusOf,
  upgradeRequest,
} from '../helpers/server.js';

const T = { timeout: 30_000 };
const KiB = 1024;
const MiB = 1024 * KiB;

interface Message {
  data: Buffer;
  binary: boolean;
}

/** Messages from 0 bytes to 16 MiB, text and binary, under and over the default threshold. */
function fullSet(): Message[] {
  const text = (size: number) => ({ data: jsonText(size), binary: false });
  return [
    text(0),
    { data: Buffer.from([7]), binary: true },
    text(125),
    text(1023),
    text(1024),
    { data: randomBytes(65_536), binary: true },
    text(65_537),
    { data: randomBytes(MiB), binary: true },
    text(16 * MiB),
    { data: Buffer.alloc(16 * MiB, jsonText(4096)), binary: true },
  ];
}

function smallSet(): Message[] {
  return [
    { data: Buffer.alloc(0), binary: false },
    { data: jsonText(1023), binary: false },
    { data: jsonText(1024), binary: false },
    { data: jsonText(70_000), binary: false },
    { data: randomBytes(300 * KiB), binary: true },
    { data: jsonText(70_000), binary: false },
  ];
}

/** An echo server with compression; each connection's TCP socket is kept for byte counts. */
async function echoServer(perMessageDeflate: boolean | PerMessageDeflateOptions) {
  // Echoes of two 16 MiB messages may wait together for zlib: room for them in the buffer.
  const server = await listen({
    perMessageDeflate,
    maxPayload: 32 * MiB,
    maxBufferedAmount: 64 * MiB,
  });
  const tcp: Socket[] = [];
  const sockets: ServerWebSocket<undefined>[] = [];
  server.wss.on('connection', (socket, request: IncomingMessage) => {
    tcp.push(request.socket);
    sockets.push(socket);
    socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
  });
  return { ...server, tcp, sockets };
}

/** Sends every message from a ws client and checks each echo, in order. */
async function echoAll(client: WebSocket, messages: Message[]): Promise<void> {
  for (const m of messages) client.send(m.data, { binary: m.binary });
  for (const [i, m] of messages.entries()) {
    const echo = await nextMessage(client);
    assert.equal(echo.isBinary, m.binary, `message ${i}: type`);
    assert.equal(echo.data.length, m.data.length, `message ${i}: size`);
    assert.ok(echo.data.equals(m.data), `message ${i}: bytes`);
  }
}

const CONFIGURATIONS: [string, boolean | PerMessageDeflateOptions, WsDeflateOptions, string][] = [
  // A server resets its compressor after every message unless told otherwise (RFC 7692 §7.1.1.1).
  ['defaults on both sides', true, {}, 'permessage-deflate; server_no_context_takeover'],
  [
    'context takeover kept by the server',
    { serverNoContextTakeover: false },
    {},
    'permessage-deflate',
  ],
  [
    'no context takeover, set by the server',
    { serverNoContextTakeover: true, clientNoContextTakeover: true },
    {},
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
  ],
  [
    'no context takeover, asked for by the client',
    true,
    { serverNoContextTakeover: true, clientNoContextTakeover: true },
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
  ],
  [
    'windows of 9 and 10 bits, set by the server, context takeover',
    { serverMaxWindowBits: 9, clientMaxWindowBits: 10, serverNoContextTakeover: false },
    {},
    'permessage-deflate; server_max_window_bits=9; client_max_window_bits=10',
  ],
  [
    'windows of 8 and 11 bits, asked for by the client',
    true,
    { serverMaxWindowBits: 8, clientMaxWindowBits: 11 },
    'permessage-deflate; server_no_context_takeover; server_max_window_bits=8; client_max_window_bits=11',
  ],
  [
    'the smaller of both windows, threshold 0, level 1, memLevel 4',
    {
      serverMaxWindowBits: 10,
      threshold: 0,
      level: 1,
      memLevel: 4,
      serverNoContextTakeover: false,
    },
    { serverMaxWindowBits: 12, clientMaxWindowBits: 12 },
    'permessage-deflate; server_max_window_bits=10; client_max_window_bits=12',
  ],
];

describe('wskit server with compression, ws client with compression', () => {
  for (const [name, server, client, header] of CONFIGURATIONS) {
    test(`${name}: ${header}`, T, async () => {
      const { wss, url, sockets } = await echoServer(server);
      const ws = await connect(url, [], { perMessageDeflate: client, maxPayload: 32 * MiB });
      assert.equal(sockets[0]!.extensions, header);
      assert.equal(ws.extensions, 'permessage-deflate'); // ws names the extensions only
      await echoAll(ws, smallSet());
      ws.close();
      await closed(ws);
      await shut(wss);
    });
  }

  test('messages from 0 bytes to 16 MiB, text and binary; both sides compress', T, async () => {
    const { wss, url, tcp } = await echoServer(true);
    const ws = await connect(url, [], { maxPayload: 32 * MiB });
    const messages = fullSet();
    await echoAll(ws, messages);
    const sent = messages.reduce((n, m) => n + m.data.length, 0);
    // 33 MiB of compressible data went each way as far fewer bytes on the wire.
    assert.ok(tcp[0]!.bytesRead < sent / 4, `the client compressed: ${tcp[0]!.bytesRead} read`);
    assert.ok(tcp[0]!.bytesWritten < sent / 4, `the server compressed: ${tcp[0]!.bytesWritten}`);
    ws.close();
    await closed(ws);
    await shut(wss);
  });

  test('fragmented messages, compressed, both ways (RFC 7692 §6.1)', T, async () => {
    const { wss, url, sockets } = await echoServer(true);
    const ws = await connect(url);
    const parts = [jsonText(3000), jsonText(10), Buffer.alloc(0), jsonText(70_000)];
    for (const [i, part] of parts.entries()) ws.send(part, { fin: i === parts.length - 1 });
    const whole = Buffer.concat(parts);
    const echo = await nextMessage(ws);
    assert.ok(echo.data.equals(whole) && echo.isBinary);
    // From the server: a compressed message in three frames, and one uncompressed.
    const socket = sockets[0]!;
    socket.send(parts[0]!, { binary: false, fin: false });
    socket.send(parts[1]!, { fin: false });
    socket.send(parts[3]!, { fin: true });
    socket.send(parts[3]!, { binary: true, fin: false, compress: false });
    socket.send(parts[0]!, { fin: true });
    const text = await nextMessage(ws);
    assert.ok(!text.isBinary);
    assert.ok(text.data.equals(Buffer.concat([parts[0]!, parts[1]!, parts[3]!])));
    const binary = await nextMessage(ws);
    assert.ok(binary.isBinary && binary.data.equals(Buffer.concat([parts[3]!, parts[0]!])));
    ws.close();
    await closed(ws);
    await shut(wss);
  });

  test('the headers event sees Sec-WebSocket-Extensions', T, async () => {
    const { wss, url } = await echoServer({ serverMaxWindowBits: 12 });
    const seen = nextEvent(wss, 'headers');
    const ws = await connect(url);
    const [lines] = (await seen) as [string[]];
    assert.ok(
      lines.includes(
        'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; server_max_window_bits=12',
      ),
      lines.join('\n'),
    );
    ws.close();
    await closed(ws);
    await shut(wss);
  });

  test('a client that offers nothing gets no compression', T, async () => {
    const { wss, url, sockets } = await echoServer(true);
    const ws = await connect(url, [], { perMessageDeflate: false });
    assert.equal(sockets[0]!.extensions, '');
    await echoAll(ws, [{ data: jsonText(5000), binary: false }]);
    ws.close();
    await closed(ws);
    await shut(wss);
  });
});

describe('the server chooses among offers (RFC 7692 §5)', () => {
  test('a malformed offer is declined and the next one answered', T, async () => {
    const { wss, port } = await listen({ perMessageDeflate: true });
    const head = await rawHead(
      port,
      upgradeRequest('/', {
        'Sec-WebSocket-Extensions':
          'permessage-deflate; server_max_window_bits=7, permessage-deflate; client_max_window_bits',
      }),
    );
    assert.equal(statusOf(head), 101);
    assert.match(
      head,
      /\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n/,
    );
    const none = await rawHead(
      port,
      upgradeRequest('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate; x=1, x-foo' }),
    );
    assert.equal(statusOf(none), 101);
    assert.doesNotMatch(none, /Sec-WebSocket-Extensions/i);
    await shut(wss);
  });

  test('invalid options throw at construction', () => {
    assert.throws(
      () => new WebSocketServer({ noServer: true, perMessageDeflate: { serverMaxWindowBits: 7 } }),
      (error: Error) => error.name === 'UsageError',
    );
    assert.throws(
      () => new WebSocketServer({ noServer: true, perMessageDeflate: 'on' as unknown as boolean }),
      TypeError,
    );
  });
});

/** Inflates one message's payload (its frames joined), RFC 7692 §7.2.2. */
function inflate(frames: WireFrame[]): Buffer {
  const payload = Buffer.concat([...frames.map((f) => f.payload), Buffer.from([0, 0, 0xff, 0xff])]);
  return inflateRawSync(payload, { finishFlush: constants.Z_SYNC_FLUSH });
}

describe('what the server writes, seen by a raw client', () => {
  test('RSV1 over the threshold only, compress: false, fragments, empty messages', T, async () => {
    const { wss, port } = await listen({
      perMessageDeflate: { threshold: 100 },
    });
    const { raw, socket } = await rawPair(wss, port, {
      'Sec-WebSocket-Extensions': 'permessage-deflate',
    });
    assert.match(
      raw.head,
      /\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover$/,
    );
    socket.send('a'.repeat(99));
    socket.send('a'.repeat(100));
    socket.send('b'.repeat(5000), { compress: false });
    socket.send('x'.repeat(200), { fin: false });
    socket.send('y'.repeat(200), { fin: true });
    socket.send('z'.repeat(200), { fin: false, compress: false });
    socket.send('w'.repeat(200), { fin: true });
    socket.send(Buffer.alloc(0), { binary: true });
    let frames: WireFrame[];
    while ((frames = parseFrames(raw.received())).length < 8) await once(raw.socket, 'data');
    const bits = frames.map((f) => [f.opcode, f.fin, f.rsv]);
    assert.deepEqual(bits, [
      [Opcode.Text, true, 0],
      [Opcode.Text, true, RSV1],
      [Opcode.Text, true, 0],
      [Opcode.Text, false, RSV1],
      [Opcode.Continuation, true, 0],
      [Opcode.Text, false, 0],
      [Opcode.Continuation, true, 0],
      [Opcode.Binary, true, 0],
    ]);
    assert.equal(frames[0]!.payload.toString(), 'a'.repeat(99));
    assert.equal(inflate([frames[1]!]).toString(), 'a'.repeat(100));
    assert.equal(frames[2]!.payload.toString(), 'b'.repeat(5000));
    assert.equal(inflate(frames.slice(3, 5)).toString(), 'x'.repeat(200) + 'y'.repeat(200));
    assert.equal(Buffer.concat(frames.slice(5, 7).map((f) => f.payload)).length, 400);
    raw.socket.destroy();
    await shut(wss);
  });

  test('compressed and uncompressed messages from the client are both read', T, async () => {
    const { wss, port } = await listen({ perMessageDeflate: true });
    const { raw, socket } = await rawPair(wss, port, {
      'Sec-WebSocket-Extensions': 'permessage-deflate',
    });
    const got: string[] = [];
    socket.on('message', (data) => got.push(String(data)));
    const text = jsonText(4000);
    raw.socket.write(clientFrame(Opcode.Text, compressed(text), { rsv: RSV1 }));
    raw.socket.write(clientFrame(Opcode.Text, 'plain'));
    raw.socket.write(clientFrame(Opcode.Text, compressed('again'), { rsv: RSV1 }));
    while (got.length < 3) await nextEvent(socket, 'message');
    assert.deepEqual(got, [text.toString(), 'plain', 'again']);
    raw.socket.destroy();
    await shut(wss);
  });
});

describe('a decompression bomb', () => {
  test('a few KB inflating past maxPayload close with 1009; others are served', T, async () => {
    const { wss, port, url } = await listen({ perMessageDeflate: true, maxPayload: MiB });
    wss.on('connection', (socket) => {
      socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
    });
    const bystander = await connect(url);
    const { raw, socket } = await rawPair(wss, port, {
      'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
    });
    const errored = nextEvent(socket, 'error');
    const serverClosed = nextEvent(socket, 'close');
    const bomb = compressed(Buffer.alloc(8 * MiB));
    assert.ok(bomb.length < 10 * KiB, `the bomb is ${bomb.length} bytes`);
    raw.socket.write(clientFrame(Opcode.Binary, bomb, { rsv: RSV1 }));
    const [error] = (await errored) as [ProtocolError];
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.closeCode, 1009);
    await raw.closed;
    assert.equal(closeCodeOf(raw.received()), 1009);
    await serverClosed;
    // The others go on: an existing connection and a new one.
    await echoAll(bystander, [{ data: jsonText(200_000), binary: false }]);
    const newcomer = await connect(url);
    await echoAll(newcomer, [{ data: jsonText(200_000), binary: true }]);
    bystander.close();
    newcomer.close();
    await Promise.all([closed(bystander), closed(newcomer)]);
    await shut(wss);
  });
});
