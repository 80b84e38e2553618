import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PerMessageDeflateOptions } from '../../../src/extensions/permessage-deflate.js';
import { UsageError } from '../../../src/protocol/errors.js';
import { Opcode } from '../../../src/protocol/opcodes.js';
import type { EngineEvent } from '../../../src/protocol/types.js';
import {
  deflateClient as client,
  compressed,
  deflateEngine,
  enginePair,
  messages,
  negotiate,
  parseFrames,
  pipe,
  RSV1,
  recordCalls,
  deflateServer as server,
  settle,
} from '../../helpers/deflate.js';
import { engine, peerFrame } from '../../helpers/recording-sink.js';

function errorOf(events: EngineEvent[]) {
  const e = events.find((event) => event.type === 'error');
  return e?.type === 'error' ? e.error : undefined;
}

function closeCodeWritten(bytes: Buffer): number | undefined {
  const close = parseFrames(bytes).find((f) => f.opcode === Opcode.Close);
  return close === undefined ? undefined : close.payload.readUInt16BE(0);
}

describe('RFC 7692 §6: permessage-deflate claims RSV1', () => {
  test('without the extension RSV1 still fails the connection with 1002', () => {
    const { conn, sink } = engine('client');
    conn.receive(peerFrame('client', Opcode.Text, compressed('Hello'), true, RSV1));
    assert.equal(errorOf(sink.events)?.code, 'WS_ERR_UNEXPECTED_RSV');
    assert.equal(closeCodeWritten(sink.written), 1002);
    assert.equal(conn.extensions, '');
  });

  test('without the extension every event and write comes from the call that caused it', () => {
    const { conn, sink } = engine('server');
    const calls = recordCalls(sink);
    assert.equal(conn.receive(peerFrame('server', Opcode.Ping, 'p')), true);
    conn.send('x'.repeat(5000), false);
    conn.ping();
    assert.equal(conn.busy, false);
    assert.equal(conn.queuedBytes, 0);
    assert.deepEqual(
      sink.events.map((e) => e.type),
      ['write', 'ping', 'write', 'write', 'write'],
    );
    // The auto-pong has no call number; the message's header and payload leave apart.
    assert.deepEqual(calls, [undefined, undefined, 1, 2]);
  });

  const cases: [string, Buffer][] = [
    ['a ping', peerFrame('client', Opcode.Ping, 'x', true, RSV1)],
    ['a pong', peerFrame('client', Opcode.Pong, '', true, RSV1)],
    ['a close frame', peerFrame('client', Opcode.Close, Buffer.from([3, 232]), true, RSV1)],
    [
      'a continuation of a compressed message',
      Buffer.concat([
        peerFrame('client', Opcode.Text, compressed('Hel'), false, RSV1),
        peerFrame('client', Opcode.Continuation, Buffer.from([0]), true, RSV1),
      ]),
    ],
    [
      'a continuation of an uncompressed message',
      Buffer.concat([
        peerFrame('client', Opcode.Text, 'Hel', false),
        peerFrame('client', Opcode.Continuation, 'lo', true, RSV1),
      ]),
    ],
  ];
  for (const [what, bytes] of cases) {
    test(`RSV1 on ${what} fails the connection with 1002`, async () => {
      const { conn, sink } = client();
      conn.receive(bytes);
      await settle(conn, sink);
      assert.equal(errorOf(sink.events)?.code, 'WS_ERR_UNEXPECTED_RSV');
      assert.equal(errorOf(sink.events)?.closeCode, 1002);
      assert.equal(closeCodeWritten(sink.written), 1002);
      assert.equal(conn.state, 'closed');
      assert.deepEqual(messages(sink), []);
    });
  }

  for (const rsv of [0b010, 0b001, 0b110, 0b101]) {
    test(`RSV bits ${rsv.toString(2).padStart(3, '0')} fail even with the extension`, () => {
      const { conn, sink } = client();
      conn.receive(peerFrame('client', Opcode.Text, 'x', true, rsv));
      assert.equal(errorOf(sink.events)?.code, 'WS_ERR_UNEXPECTED_RSV');
    });
  }

  test('outgoing: RSV1 on the first frame of a compressed message only, never on control frames', async () => {
    const { conn, sink } = client({ threshold: 0 });
    conn.send('Hel', false, false);
    conn.ping('p');
    conn.send('lo', false, true);
    conn.send('uncompressed', false, true, { compress: false });
    await settle(conn, sink);
    const frames = parseFrames(sink.written);
    assert.deepEqual(
      frames.map((f) => [f.opcode, f.rsv, f.fin, f.masked]),
      [
        [Opcode.Text, RSV1, false, true],
        [Opcode.Ping, 0, true, true],
        [Opcode.Continuation, 0, true, true],
        [Opcode.Text, 0, true, true],
      ],
    );
  });

  test('the agreed header is the engine`s extensions string', () => {
    const { conn } = client({ serverNoContextTakeover: true });
    assert.equal(conn.extensions, 'permessage-deflate; server_no_context_takeover');
  });

  test('parameters negotiated for the other side are misuse', () => {
    const params = negotiate();
    assert.throws(() => deflateEngine('client', params.server), UsageError);
    assert.throws(() => deflateEngine('server', params.client), UsageError);
  });
});

describe('RFC 7692 §7.2.3: the examples, as a client receives them', () => {
  const hello = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
  const examples: [string, number[], string[]][] = [
    ['§7.2.3.1 one compressed block', [0xc1, 0x07, ...hello], ['Hello']],
    [
      '§7.2.3.1 the same, fragmented',
      [0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00],
      ['Hello'],
    ],
    [
      '§7.2.3.2 sharing the LZ77 window',
      [0xc1, 0x07, ...hello, 0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00],
      ['Hello', 'Hello'],
    ],
    [
      '§7.2.3.3 a block with no compression',
      [0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00],
      ['Hello'],
    ],
    [
      '§7.2.3.4 a block with BFINAL set',
      [0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00],
      ['Hello'],
    ],
    [
      '§7.2.3.5 two blocks in one message',
      [0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00],
      ['Hello'],
    ],
    ['§7.2.3.6 an empty message', [0xc1, 0x01, 0x00], ['']],
  ];
  for (const [name, bytes, expected] of examples) {
    test(name, async () => {
      const { conn, sink } = client();
      conn.receive(Buffer.from(bytes));
      await settle(conn, sink);
      assert.deepEqual(
        messages(sink).map(([text]) => text),
        expected,
      );
    });

    test(`${name}, fed one byte at a time`, async () => {
      const { conn, sink } = client();
      for (const byte of bytes) conn.receive(Buffer.from([byte]));
      await settle(conn, sink);
      assert.deepEqual(
        messages(sink).map(([text]) => text),
        expected,
      );
    });
  }

  test('a compressed message is delivered asynchronously, an uncompressed one at once', async () => {
    const { conn, sink } = client();
    conn.receive(Buffer.from([0xc1, 0x07, ...hello]));
    assert.equal(conn.busy, true);
    assert.deepEqual(sink.received, []);
    await settle(conn, sink);
    conn.receive(peerFrame('client', Opcode.Text, 'plain'));
    assert.deepEqual(messages(sink), [
      ['Hello', false],
      ['plain', false],
    ]);
  });
});

describe('round trips between a client and a server engine', () => {
  const text = Array.from({ length: 400 }, (_, i) => `{"id":${i},"name":"item ${i % 17}"}`).join(
    ',',
  );

  async function roundTrip(clientOptions: PerMessageDeflateOptions, serverOptions = {}) {
    const { client: c, server: s } = enginePair(
      { threshold: 0, ...clientOptions },
      { threshold: 0, ...serverOptions },
    );
    const sent = [text, text.slice(0, 500), '', text.toUpperCase(), 'é'.repeat(3000)];
    for (const message of sent) c.conn.send(message, false);
    await settle(c.conn, c.sink);
    const wire = c.sink.written;
    await pipe(c, s);
    assert.deepEqual(
      messages(s.sink).map(([m]) => Buffer.from(m, 'latin1').toString()),
      sent,
    );
    for (const message of sent) s.conn.send(Buffer.from(message), true);
    await pipe(s, c);
    assert.deepEqual(
      messages(c.sink).map(([m]) => Buffer.from(m, 'latin1').toString()),
      sent,
    );
    const frames = parseFrames(wire);
    assert.ok(frames.every((f) => f.rsv === RSV1));
    return frames.map((f) => f.payload.length);
  }

  test('with context takeover the repeated message costs almost nothing', async () => {
    const sizes = await roundTrip({});
    assert.ok(sizes[0]! < text.length / 4, 'the first message compresses');
    const again = await (async () => {
      const { client: c } = enginePair({ threshold: 0 });
      c.conn.send(text, false);
      c.conn.send(text, false);
      await settle(c.conn, c.sink);
      return parseFrames(c.sink.written).map((f) => f.payload.length);
    })();
    // 12 KB repeated: back-references of at most 258 bytes each, about 3 bytes apiece.
    assert.ok(again[1]! < 250, `the second copy is back-references (${again[1]} bytes)`);
    assert.ok(again[1]! < again[0]! / 4);
  });

  test('without context takeover, on both sides', async () => {
    await roundTrip({ serverNoContextTakeover: true, clientNoContextTakeover: true });
    const { client: c } = enginePair({ threshold: 0, clientNoContextTakeover: true });
    c.conn.send(text, false);
    c.conn.send(text, false);
    await settle(c.conn, c.sink);
    const [first, second] = parseFrames(c.sink.written).map((f) => f.payload);
    assert.deepEqual(second, first, 'each message compresses on its own');
  });

  for (let bits = 8; bits <= 15; bits++) {
    test(`window of ${bits} bits both ways`, async () => {
      await roundTrip({ serverMaxWindowBits: bits, clientMaxWindowBits: bits });
    });
  }

  test('empty messages, text and binary', async () => {
    const { client: c, server: s } = enginePair({ threshold: 0 });
    c.conn.send('', false);
    c.conn.send(Buffer.alloc(0), true);
    c.conn.send('', false, false);
    c.conn.send('', false, true);
    await pipe(c, s);
    assert.deepEqual(messages(s.sink), [
      ['', false],
      ['', true],
      ['', false],
    ]);
  });

  test('a message that compresses to more than its size still round-trips', async () => {
    const { client: c, server: s } = enginePair({ threshold: 0 });
    const noise = Buffer.from(
      Array.from({ length: 3000 }, (_, i) => ((i * 7919) % 251) ^ (i >> 3)),
    );
    const random = Buffer.concat([
      noise,
      Buffer.from(crypto.getRandomValues(new Uint8Array(2000))),
    ]);
    c.conn.send(random, true);
    await settle(c.conn, c.sink);
    const [frame] = parseFrames(c.sink.written);
    assert.ok(frame!.payload.length > 2000);
    await pipe(c, s);
    const [event] = s.sink.received;
    assert.ok(event?.type === 'message' && event.data.equals(random));
  });

  test('a fragmented compressed message, with multibyte text split across frames', async () => {
    const { client: c, server: s } = enginePair({ threshold: 0 });
    const message = `${'€'.repeat(2000)}ok`;
    const bytes = Buffer.from(message);
    c.conn.send(bytes.subarray(0, 1001), false, false);
    c.conn.send(bytes.subarray(1001, 4000), false, false);
    c.conn.send(bytes.subarray(4000), false, true);
    await settle(c.conn, c.sink);
    assert.deepEqual(
      parseFrames(c.sink.written).map((f) => [f.opcode, f.rsv, f.fin]),
      [
        [Opcode.Text, RSV1, false],
        [Opcode.Continuation, 0, false],
        [Opcode.Continuation, 0, true],
      ],
    );
    await pipe(c, s);
    assert.deepEqual(
      messages(s.sink).map(([m]) => Buffer.from(m, 'latin1').toString()),
      [message],
    );
  });

  test('invalid UTF-8 inside a compressed text message fails with 1007', async () => {
    const { conn, sink } = server();
    conn.receive(
      peerFrame('server', Opcode.Text, compressed(Buffer.from([0x68, 0xc3, 0x28])), true, RSV1),
    );
    await settle(conn, sink);
    assert.equal(errorOf(sink.events)?.code, 'WS_ERR_INVALID_UTF8');
    assert.equal(closeCodeWritten(sink.written), 1007);
  });

  test('invalid UTF-8 in the first compressed fragment fails before the message ends', async () => {
    const { conn, sink } = server();
    const bad = compressed(Buffer.from([0xc3, 0x28, 0x41]));
    conn.receive(peerFrame('server', Opcode.Text, bad, false, RSV1));
    await settle(conn, sink);
    assert.equal(errorOf(sink.events)?.code, 'WS_ERR_INVALID_UTF8');
  });
});

describe('threshold and compress: false', () => {
  test('messages under the threshold (default 1024 bytes) go uncompressed, at once', () => {
    const { conn, sink } = client();
    conn.send('x'.repeat(1023), false);
    assert.equal(conn.busy, false);
    const [frame] = parseFrames(sink.written);
    assert.equal(frame?.rsv, 0);
    assert.equal(frame?.payload.length, 1023);
  });

  test('at the threshold they are compressed', async () => {
    const { conn, sink } = client();
    conn.send(Buffer.alloc(1024, 'x'), true);
    assert.equal(conn.busy, true);
    assert.equal(conn.queuedBytes, 1024);
    await settle(conn, sink);
    assert.equal(conn.queuedBytes, 0);
    const [frame] = parseFrames(sink.written);
    assert.equal(frame?.rsv, RSV1);
    assert.ok(frame!.payload.length < 100);
  });

  test('the threshold counts UTF-8 bytes', () => {
    const { conn, sink } = client({ threshold: 10 });
    conn.send('éééé', false); // 8 bytes
    assert.equal(parseFrames(sink.written)[0]?.rsv, 0);
  });

  test('compress: false sends a large message uncompressed', () => {
    const { conn, sink } = client();
    conn.send('x'.repeat(5000), false, true, { compress: false });
    const [frame] = parseFrames(sink.written);
    assert.equal(frame?.rsv, 0);
    assert.equal(frame?.payload.length, 5000);
  });

  test('the first frame decides for the whole message', async () => {
    const { conn, sink } = client();
    conn.send('x'.repeat(5000), false, false, { compress: false });
    conn.send('x'.repeat(5000), false, true);
    conn.send('y', false, false);
    conn.send('y'.repeat(5000), false, true, { compress: false });
    await settle(conn, sink);
    assert.deepEqual(
      parseFrames(sink.written).map((f) => [f.rsv, f.payload.length]),
      [
        [0, 5000],
        [0, 5000],
        [0, 1],
        [0, 5000],
      ],
    );
  });
});
