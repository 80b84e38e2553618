// Publishing to subscribers that negotiated permessage-deflate (RFC 7692): without context
// takeover they share one compressed frame per compressor configuration, byte for byte; with
// context takeover, or without the extension, they get the uncompressed frame; every client
// (ws, wskit's WHATWG WebSocket, raw) receives exactly the published data; a socket's own
// compressed sends keep their order with publishes; the payload limit is unchanged.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { constants, inflateRawSync } from 'node:zlib';
import type { PerMessageDeflateOptions } from '../../src/extensions/permessage-deflate.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import type { ServerWebSocket, WebSocketServer } from '../../src/server/index.js';
import { WebSocket } from '../../src/whatwg/websocket.js';
import { jsonText, parseFrames, RSV1, type WireFrame } from '../helpers/deflate.js';
import {
  connect,
  listen,
  nextConnection,
  nextMessage,
  type RawClient,
  rawPair,
  shut,
} from '../helpers/server.js';
import { nextEvent, record } from '../helpers/ws-events.js';

const T = { timeout: 30_000 };
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** No context takeover on the server's side, as the tests of this file need it said. */
const SHARED: PerMessageDeflateOptions = { serverNoContextTakeover: true, threshold: 64 };
const OFFER = { 'Sec-WebSocket-Extensions': 'permessage-deflate' };

/** RFC 7692 §7.2.2: a compressed message's payload, inflated. */
function inflate(payload: Buffer): Buffer {
  return inflateRawSync(Buffer.concat([payload, TAIL]), { finishFlush: constants.Z_SYNC_FLUSH });
}

/** Raw clients, each subscribed to `topic` on the server's side. */
async function rawSubscribers(
  wss: WebSocketServer<undefined>,
  port: number,
  offers: Record<string, string>[],
  topic = 't',
): Promise<{ raw: RawClient; socket: ServerWebSocket<undefined> }[]> {
  const out = [];
  for (const extra of offers) {
    const pair = await rawPair(wss, port, extra);
    pair.socket.subscribe(topic);
    out.push(pair);
  }
  return out;
}

/** ws clients, compressing unless told otherwise, each subscribed to 't' on the server's side. */
async function wsSubscribers(
  wss: WebSocketServer<undefined>,
  url: string,
  n: number,
  deflate = true,
) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const accepted = nextConnection(wss);
    const client = await connect(url, [], { perMessageDeflate: deflate });
    const socket = await accepted;
    socket.subscribe('t');
    out.push({ client, socket });
  }
  return out;
}

/** Waits until a raw client has received `count` complete frames, and returns them. */
async function framesOf(raw: RawClient, count: number): Promise<WireFrame[]> {
  for (;;) {
    const frames = parseFrames(raw.received());
    if (frames.length >= count) return frames;
    await new Promise((resolve) => raw.socket.once('data', resolve));
  }
}

/** Records every buffer handed to a net.Socket until `restore` is called. */
function spyWrites(): { writesTo: (raw: RawClient) => unknown[]; restore: () => void } {
  const written = new Map<Socket, unknown[]>();
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
    let list = written.get(this);
    if (list === undefined) written.set(this, (list = []));
    list.push(args[0]);
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof write;
  return {
    // The server's end of a raw client's connection: its remote port is the client's own.
    writesTo: (raw) => {
      for (const [socket, list] of written) {
        if (socket.remotePort === raw.socket.localPort) return list;
      }
      return [];
    },
    restore: () => {
      Socket.prototype.write = write;
    },
  };
}

describe('publishing to subscribers with permessage-deflate', () => {
  test('ws clients with compression receive exactly the published data', T, async () => {
    const { wss, url } = await listen({ perMessageDeflate: SHARED });
    const messages: (string | Buffer)[] = [
      'short, under the threshold',
      jsonText(5000).toString(),
      jsonText(200_000),
      randomBytes(3000),
      '',
    ];
    const peers = await wsSubscribers(wss, url, 3);
    for (const { socket } of peers) assert.match(socket.extensions, /server_no_context_takeover/);
    const clients = peers.map((p) => p.client);
    for (const m of messages) assert.equal(wss.publish('t', m), 3);
    for (const client of clients) {
      for (const m of messages) {
        const got = await nextMessage(client);
        assert.equal(got.isBinary, typeof m !== 'string');
        assert.ok(got.data.equals(Buffer.from(m)), `a message of ${m.length} bytes`);
      }
    }
    await shut(wss);
  });

  test(
    "wskit's WebSocket client with compression receives exactly the published data",
    T,
    async () => {
      const { wss, url } = await listen({ perMessageDeflate: SHARED });
      const accepted = nextConnection(wss);
      const ws = new WebSocket(url, { perMessageDeflate: true });
      ws.binaryType = 'arraybuffer';
      const { messages } = record(ws);
      await nextEvent(ws, 'open');
      assert.match(ws.extensions, /server_no_context_takeover/);
      (await accepted).subscribe('t');
      const text = jsonText(4000).toString();
      const bytes = Buffer.alloc(70_000, jsonText(1000));
      wss.publish('t', text);
      wss.publish('t', bytes);
      wss.publish('t', 'tiny');
      while (messages.length < 3) await nextEvent(ws, 'message');
      assert.ok(messages[0] === text);
      assert.ok(Buffer.from(messages[1] as ArrayBuffer).equals(bytes));
      assert.equal(messages[2], 'tiny');
      ws.close(1000);
      await shut(wss);
    },
  );

  test(
    'two subscribers are written the same compressed frames, with RSV1, built once',
    T,
    async () => {
      const { wss, port } = await listen({ perMessageDeflate: SHARED });
      const subs = await rawSubscribers(wss, port, [OFFER, OFFER]);
      const small = jsonText(3000); // compresses to a few hundred bytes: merged with its header
      const large = Buffer.from(randomBytes(3000).toString('hex')); // over 1 KiB compressed
      const spy = spyWrites();
      try {
        assert.equal(wss.publish('t', small), 2);
        assert.equal(wss.publish('t', large), 2);
        await new Promise(setImmediate);
      } finally {
        spy.restore();
      }
      const [a, b] = subs.map(({ raw }) => spy.writesTo(raw));
      assert.equal(a!.length, 3, 'one merged frame, then a header and its payload');
      assert.ok(
        a!.every((part, i) => part === b![i]),
        'the same buffers, not copies',
      );
      await Promise.all(subs.map(({ raw }) => framesOf(raw, 2)));
      assert.ok(subs[0]!.raw.received().equals(subs[1]!.raw.received()), 'byte-identical');
      const frames = parseFrames(subs[0]!.raw.received());
      assert.deepEqual(
        frames.map((f) => [f.rsv, f.opcode]),
        [
          [RSV1, Opcode.Binary],
          [RSV1, Opcode.Binary],
        ],
      );
      assert.ok(frames[0]!.payload.length < small.length, 'compressed');
      assert.ok(inflate(frames[0]!.payload).equals(small));
      assert.ok(inflate(frames[1]!.payload).equals(large));
      await shut(wss);
    },
  );

  test(
    'a mix: shared compressed frames per configuration, uncompressed for the rest',
    T,
    async () => {
      const { wss, port, url } = await listen({ perMessageDeflate: SHARED });
      const offers = [
        OFFER,
        OFFER,
        { 'Sec-WebSocket-Extensions': 'permessage-deflate; server_max_window_bits=10' },
        {}, // no extension
      ];
      const subs = await rawSubscribers(wss, port, offers);
      const plain = (await wsSubscribers(wss, url, 1, false))[0]!.client;
      const data = jsonText(2000).toString();
      const spy = spyWrites();
      try {
        assert.equal(wss.publish('t', data), 5);
        await new Promise(setImmediate);
      } finally {
        spy.restore();
      }
      const [w1, w2, w3, w4] = subs.map(({ raw }) => spy.writesTo(raw).slice(-1)[0]);
      assert.equal(w1, w2, 'one configuration, one frame');
      assert.notEqual(w3, w1, 'a 10-bit window has a frame of its own');
      assert.notEqual(w4, w1);
      const frames = await Promise.all(subs.map(({ raw }) => framesOf(raw, 1)));
      const [same1, same2, small, none] = frames.map((f) => f[0]!);
      assert.equal(same1!.rsv, RSV1);
      assert.equal(small!.rsv, RSV1);
      for (const frame of [same1!, same2!, small!]) {
        assert.equal(inflate(frame.payload).toString(), data);
      }
      assert.equal(none!.rsv, 0);
      assert.equal(none!.payload.toString(), data);
      assert.equal((await nextMessage(plain)).data.toString(), data);
      await shut(wss);
    },
  );

  test(
    'context takeover: the uncompressed frame; no context takeover: the compressed one',
    T,
    async () => {
      const { wss, port } = await listen({
        perMessageDeflate: { serverNoContextTakeover: false, threshold: 64 },
      });
      const [takeover, reset] = await rawSubscribers(wss, port, [
        OFFER,
        { 'Sec-WebSocket-Extensions': 'permessage-deflate; server_no_context_takeover' },
      ]);
      assert.doesNotMatch(takeover!.raw.head, /server_no_context_takeover/);
      assert.match(reset!.raw.head, /server_no_context_takeover/);
      const data = jsonText(1500).toString();
      wss.publish('t', data);
      // The socket's own send still compresses with its context.
      takeover!.socket.send(data);
      const [a, b] = await Promise.all([framesOf(takeover!.raw, 2), framesOf(reset!.raw, 1)]);
      assert.equal(a[0]!.rsv, 0);
      assert.equal(a[0]!.payload.toString(), data);
      assert.equal(a[1]!.rsv, RSV1);
      assert.equal(inflate(a[1]!.payload).toString(), data);
      assert.equal(b[0]!.rsv, RSV1);
      assert.equal(inflate(b[0]!.payload).toString(), data);
      await shut(wss);
    },
  );

  test('below the threshold or with compress: false, the uncompressed frame', T, async () => {
    const { wss, port } = await listen({ perMessageDeflate: SHARED });
    const [sub] = await rawSubscribers(wss, port, [OFFER]);
    const big = jsonText(1000).toString();
    wss.publish('t', 'x'.repeat(63));
    wss.publish('t', big, { compress: false });
    wss.publish('t', big);
    const frames = await framesOf(sub!.raw, 3);
    assert.deepEqual(
      frames.map((f) => f.rsv),
      [0, 0, RSV1],
    );
    assert.equal(frames[0]!.payload.toString(), 'x'.repeat(63));
    assert.equal(frames[1]!.payload.toString(), big);
    assert.equal(inflate(frames[2]!.payload).toString(), big);
    await shut(wss);
  });

  test(
    "a publish keeps its place among a socket's own sends still being compressed",
    T,
    async () => {
      const { wss, url } = await listen({ perMessageDeflate: SHARED });
      const [a, b] = await wsSubscribers(wss, url, 2);
      const own = jsonText(300_000).toString();
      a!.socket.send(own);
      assert.ok(a!.socket.bufferedAmount >= 300_000, 'the send waits for zlib');
      assert.equal(wss.publish('t', jsonText(500).toString()), 2);
      a!.socket.send('after, uncompressed', { compress: false });
      a!.socket.send(jsonText(2000).toString());
      assert.equal((await nextMessage(a!.client)).data.toString(), own);
      assert.equal((await nextMessage(a!.client)).data.toString(), jsonText(500).toString());
      assert.equal((await nextMessage(a!.client)).data.toString(), 'after, uncompressed');
      assert.equal((await nextMessage(a!.client)).data.toString(), jsonText(2000).toString());
      assert.equal((await nextMessage(b!.client)).data.toString(), jsonText(500).toString());
      await shut(wss);
    },
  );

  test('the payload limit is checked as before, on the uncompressed size', T, async () => {
    const { wss, url } = await listen({ perMessageDeflate: SHARED, maxPayload: 1000 });
    const client = (await wsSubscribers(wss, url, 1))[0]!.client;
    // 1001 bytes of one letter would compress to a few: the limit is on what is published.
    assert.throws(
      () => wss.publish('t', 'a'.repeat(1001)),
      (error: Error) =>
        error instanceof RangeError &&
        error.message === "The message is 1001 bytes, over the server's maxPayload of 1000",
    );
    assert.equal(wss.publish('t', 'a'.repeat(1000)), 1);
    assert.equal((await nextMessage(client)).data.toString(), 'a'.repeat(1000));
    await shut(wss);
  });
});
