// The WHATWG client's permessage-deflate (RFC 7692) over real sockets: offered by default,
// negotiated with the ws server in several configurations, messages from 0 bytes to 16 MiB both
// ways, `extensions` set to the agreed element; a compressed message in the same read as the
// 101; a decompression bomb from a server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { PerMessageDeflateOptions as WsDeflateOptions, WebSocket as WsSocket } from 'ws';
import type { PerMessageDeflateOptions } from '../../src/extensions/permessage-deflate.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import { WebSocket } from '../../src/whatwg/websocket.js';
import { compressed, jsonText, RSV1 } from '../helpers/deflate.js';
import { acceptResponse, Opcode, trackedServers } from '../helpers/scripted-server.js';
import { nextEvent, record } from '../helpers/ws-events.js';
import { echo, wsServer } from '../helpers/ws-server.js';

const T = { timeout: 30_000 };
const MiB = 1024 * 1024;
const serve = trackedServers();

type Payload = string | Uint8Array;

/** Sends every payload and checks each echo, in order; resolves with the server's socket. */
async function echoAll(
  url: string,
  options: boolean | PerMessageDeflateOptions,
  payloads: Payload[],
): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: options, maxPayload: 32 * MiB });
  ws.binaryType = 'arraybuffer';
  const { messages, closed } = record(ws);
  await nextEvent(ws, 'open');
  for (const payload of payloads) ws.send(payload);
  while (messages.length < payloads.length) await nextEvent(ws, 'message');
  ws.close(1000);
  assert.deepEqual(await closed, { code: 1000, reason: '', wasClean: true });
  for (const [i, payload] of payloads.entries()) {
    const got = messages[i];
    if (typeof payload === 'string') assert.ok(got === payload, `message ${i}: text`);
    else assert.ok(Buffer.from(got as ArrayBuffer).equals(payload), `message ${i}: bytes`);
  }
  return ws;
}

const small = (): Payload[] => [
  '',
  jsonText(1023).toString(),
  jsonText(1024).toString(),
  jsonText(70_000).toString(),
  randomBytes(300_000),
  jsonText(70_000),
];

const CONFIGURATIONS: [string, WsDeflateOptions, boolean | PerMessageDeflateOptions, string][] = [
  ['defaults on both sides', {}, true, 'permessage-deflate'],
  [
    'no context takeover and small windows, set by the server',
    {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 9,
    },
    true,
    // In ws's order: the element is kept as the server wrote it, spaced as RFC 7692 writes it.
    'permessage-deflate; client_max_window_bits=9; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10',
  ],
  [
    'asked for by the client: server window 11, no client context takeover',
    {},
    { serverMaxWindowBits: 11, clientNoContextTakeover: true },
    'permessage-deflate; client_no_context_takeover; server_max_window_bits=11',
  ],
  [
    'client window 8, server no context takeover, threshold 0',
    {},
    { serverNoContextTakeover: true, clientMaxWindowBits: 8, threshold: 0 },
    'permessage-deflate; server_no_context_takeover; client_max_window_bits=8',
  ],
];

describe('WHATWG client with compression, ws server with compression', () => {
  for (const [name, server, client, header] of CONFIGURATIONS) {
    test(`${name}: ${header}`, T, async () => {
      const peer = await wsServer({ perMessageDeflate: { threshold: 0, ...server } });
      echo(peer.wss);
      try {
        const ws = await echoAll(peer.url, client, small());
        assert.equal(ws.extensions, header);
      } finally {
        await peer.close();
      }
    });
  }

  test('messages from 0 bytes to 16 MiB, text and binary; both sides compress', T, async () => {
    const peer = await wsServer({ perMessageDeflate: true, maxPayload: 32 * MiB });
    echo(peer.wss);
    const accepted = peer.nextConnection();
    const big = jsonText(16 * MiB);
    const payloads: Payload[] = [
      '',
      new Uint8Array([1]),
      jsonText(125).toString(),
      jsonText(1024).toString(),
      randomBytes(65_536),
      randomBytes(MiB),
      big.toString(),
      big,
    ];
    try {
      const ws = await echoAll(peer.url, true, payloads);
      assert.equal(ws.extensions, 'permessage-deflate');
      // ws keeps its net.Socket in `_socket`: what crossed the wire.
      const tcp = ((await accepted) as WsSocket & { _socket: import('node:net').Socket })._socket;
      assert.ok(tcp.bytesRead < 4 * MiB, `the client compressed: ${tcp.bytesRead} bytes`);
      assert.ok(tcp.bytesWritten < 4 * MiB, `the server compressed: ${tcp.bytesWritten} bytes`);
    } finally {
      await peer.close();
    }
  });

  test('perMessageDeflate: false offers nothing; the ws server sends uncompressed', T, async () => {
    const peer = await wsServer({ perMessageDeflate: true });
    echo(peer.wss);
    try {
      const ws = await echoAll(peer.url, false, [jsonText(5000).toString()]);
      assert.equal(ws.extensions, '');
    } finally {
      await peer.close();
    }
  });
});

/** A server frame with RSV1: a compressed message (RFC 7692 §6). */
function compressedFrame(opcode: number, payload: Buffer): Buffer {
  return Buffer.concat(encodeFrame(opcode, payload, { fin: true, rsv: RSV1, mask: false }));
}

describe('compressed frames from a scripted server', () => {
  test('a compressed message in the same read as the 101 is dispatched after open', T, async () => {
    const server = await serve((socket, request) =>
      socket.write(
        Buffer.concat([
          Buffer.from(acceptResponse(request, ['Sec-WebSocket-Extensions: permessage-deflate'])),
          compressedFrame(Opcode.Text, compressed('hello, compressed')),
          compressedFrame(Opcode.Binary, compressed(Buffer.alloc(3000, 7))),
        ]),
      ),
    );
    const ws = new WebSocket(server.url);
    ws.binaryType = 'arraybuffer';
    const { log } = record(ws);
    await nextEvent(ws, 'open');
    assert.equal(ws.extensions, 'permessage-deflate');
    await nextEvent(ws, 'message');
    await nextEvent(ws, 'message');
    assert.deepEqual(log, ['open', 'text:hello, compressed', 'arraybuffer:3000']);
    ws.close();
  });

  test('a bomb past maxPayload fails the connection: error, close 1006; 1009 sent', T, async () => {
    const bomb = compressed(Buffer.alloc(8 * MiB));
    const server = await serve((socket, request) =>
      socket.write(
        Buffer.concat([
          Buffer.from(acceptResponse(request, ['Sec-WebSocket-Extensions: permessage-deflate'])),
          compressedFrame(Opcode.Binary, bomb),
        ]),
      ),
    );
    let diagnostic: Error | undefined;
    const ws = new WebSocket(server.url, {
      maxPayload: MiB,
      onDiagnostic: (error) => {
        diagnostic = error;
      },
    });
    const { log, closed } = record(ws);
    await closed;
    assert.deepEqual(log, ['open', 'error', 'close:1006::false']);
    assert.ok(diagnostic instanceof ProtocolError, String(diagnostic));
    assert.equal(diagnostic.closeCode, 1009);
  });
});
