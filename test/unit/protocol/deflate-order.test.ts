import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Opcode } from '../../../src/protocol/opcodes.js';
import type { EngineEvent } from '../../../src/protocol/types.js';
import {
  compressed,
  parseFrames,
  RSV1,
  recordCalls,
  deflateServer as server,
  settle,
} from '../../helpers/deflate.js';
import { peerFrame } from '../../helpers/recording-sink.js';

/** What a client sends: masked frames, RSV1 when `payload` is compressed. */
function frame(opcode: number, payload: Uint8Array | string, fin = true, rsv = 0): Buffer {
  return peerFrame('server', opcode, payload, fin, rsv);
}

/** Events other than writes, in a compact form for deepEqual. */
function summary(events: EngineEvent[]): string[] {
  return events.flatMap((e) => {
    if (e.type === 'write') return [];
    if (e.type === 'message') return [`message ${e.data.toString()}`];
    if (e.type === 'ping' || e.type === 'pong') return [`${e.type} ${e.data.toString()}`];
    if (e.type === 'peer-close') return [`peer-close ${e.code}`];
    if (e.type === 'error') return [`error ${e.error.closeCode}`];
    return [`state ${e.state}`];
  });
}

describe('events keep their order while a message inflates', () => {
  test('a ping after a compressed message waits for it, and so does its pong', async () => {
    const { conn, sink } = server();
    conn.receive(
      Buffer.concat([
        frame(Opcode.Text, compressed('one'), true, RSV1),
        frame(Opcode.Ping, 'p'),
        frame(Opcode.Text, 'two'),
      ]),
    );
    assert.deepEqual(summary(sink.events), [], 'nothing before the inflate is back');
    assert.equal(sink.written.length, 0, 'no pong yet either');
    await settle(conn, sink);
    assert.deepEqual(summary(sink.events), ['message one', 'ping p', 'message two']);
    assert.deepEqual(
      parseFrames(sink.written).map((f) => [f.opcode, f.payload.toString()]),
      [[Opcode.Pong, 'p']],
    );
  });

  test('control frames between the fragments of a compressed message', async () => {
    const { conn, sink } = server();
    // The payload split anywhere; the last fragment empty: the tail alone ends the message.
    const payload = compressed('Hello, ');
    conn.receive(
      Buffer.concat([
        frame(Opcode.Text, payload.subarray(0, 4), false, RSV1),
        frame(Opcode.Ping, '1'),
        frame(Opcode.Continuation, payload.subarray(4), false),
        frame(Opcode.Pong, '2'),
        frame(Opcode.Continuation, Buffer.alloc(0), true),
        frame(Opcode.Ping, '3'),
      ]),
    );
    await settle(conn, sink);
    assert.deepEqual(summary(sink.events), ['ping 1', 'pong 2', 'message Hello, ', 'ping 3']);
  });

  test('compressed and uncompressed messages interleaved, in one chunk and byte by byte', async () => {
    const bytes = Buffer.concat([
      frame(Opcode.Text, compressed('a'.repeat(3000)), true, RSV1),
      frame(Opcode.Text, 'b'),
      frame(Opcode.Text, compressed('c'), true, RSV1),
      frame(Opcode.Text, 'd', false),
      frame(Opcode.Continuation, 'e'),
      frame(Opcode.Close, Buffer.from([0x03, 0xe8])),
    ]);
    const expected = [
      `message ${'a'.repeat(3000)}`,
      'message b',
      'message c',
      'message de',
      'peer-close 1000',
      'state closed',
    ];
    // The engine unmasks in place: each run gets its own copy.
    const whole = server();
    whole.conn.receive(Buffer.from(bytes));
    await settle(whole.conn, whole.sink);
    assert.deepEqual(summary(whole.sink.events), expected);
    const split = server();
    const copy = Buffer.from(bytes);
    for (let i = 0; i < copy.length; i++) split.conn.receive(copy.subarray(i, i + 1));
    await settle(split.conn, split.sink);
    assert.deepEqual(summary(split.sink.events), expected);
  });

  test('property: any split of the input gives the same events', async () => {
    const bytes = Buffer.concat([
      frame(Opcode.Text, compressed('x'.repeat(500)), true, RSV1),
      frame(Opcode.Ping, 'a'),
      frame(Opcode.Binary, compressed(Buffer.alloc(3000, 7)).subarray(0, 10), false, RSV1),
      frame(Opcode.Pong, 'b'),
      frame(Opcode.Continuation, compressed(Buffer.alloc(3000, 7)).subarray(10), true),
      frame(Opcode.Text, 'plain'),
      frame(Opcode.Text, compressed(''), true, RSV1),
    ]);
    const once = server();
    once.conn.receive(Buffer.from(bytes));
    await settle(once.conn, once.sink);
    const expected = summary(once.sink.events);
    assert.equal(expected.length, 6);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }),
        async (cuts) => {
          const copy = Buffer.from(bytes);
          const at = [0, ...cuts.sort((a, b) => a - b), copy.length];
          const { conn, sink } = server();
          for (let i = 1; i < at.length; i++) conn.receive(copy.subarray(at[i - 1], at[i]));
          await settle(conn, sink);
          assert.deepEqual(summary(sink.events), expected);
        },
      ),
      { numRuns: 100 },
    );
  });

  test('the end of input waits for the messages that arrived before it', async () => {
    const { conn, sink } = server();
    conn.receive(frame(Opcode.Text, compressed('last words'), true, RSV1));
    conn.receiveEof();
    assert.equal(conn.state, 'open');
    await settle(conn, sink);
    assert.deepEqual(summary(sink.events), ['message last words', 'state closed']);
    assert.equal(conn.closeCode, 1006);
  });

  test('receive returns false while more than 64 KiB waits behind an inflate', async () => {
    const { conn, sink } = server();
    assert.equal(conn.receive(frame(Opcode.Text, compressed('x'), true, RSV1)), true);
    const filler = frame(Opcode.Binary, Buffer.alloc(40_000, 1));
    assert.equal(conn.receive(filler), true);
    assert.equal(conn.receive(filler), false);
    assert.equal(conn.inputPaused, true);
    await settle(conn, sink);
    assert.equal(conn.inputPaused, false);
    assert.equal(summary(sink.events).length, 3);
  });
});

describe('outgoing frames keep their order while a message deflates', () => {
  test('frames sent after a compressed message wait behind it; each call is numbered', async () => {
    const { conn, sink } = server({ threshold: 100 });
    const calls = recordCalls(sink);
    conn.send('x'.repeat(200), false); // 1: compressed
    conn.ping('p'); // 2
    conn.send('small', false); // 3: under the threshold
    conn.pong('q'); // 4
    conn.close(1000, 'bye'); // 5
    assert.equal(conn.sendCalls, 5);
    assert.equal(sink.written.length, 0, 'all wait behind the deflate');
    assert.equal(conn.state, 'open', 'closing waits until the Close frame is written');
    await settle(conn, sink);
    assert.deepEqual(
      parseFrames(sink.written).map((f) => [f.opcode, f.rsv]),
      [
        [Opcode.Text, RSV1],
        [Opcode.Ping, 0],
        [Opcode.Text, 0],
        [Opcode.Pong, 0],
        [Opcode.Close, 0],
      ],
    );
    assert.deepEqual(calls, [1, 2, 3, 4, 5]);
    assert.deepEqual(summary(sink.events), ['state closing']);
  });

  test('the pong answering a ping waits its turn too, and carries no call number', async () => {
    const { conn, sink } = server({ threshold: 0 });
    const calls = recordCalls(sink);
    conn.send('compressed', false);
    conn.receive(frame(Opcode.Ping, 'auto'));
    await settle(conn, sink);
    assert.deepEqual(
      parseFrames(sink.written).map((f) => f.opcode),
      [Opcode.Text, Opcode.Pong],
    );
    assert.deepEqual(calls, [1, undefined]);
  });

  test('a peer Close while frames wait: they go first, then the echo, then closed', async () => {
    const { conn, sink } = server({ threshold: 0 });
    conn.send('data', false);
    conn.receive(frame(Opcode.Close, Buffer.from([0x03, 0xe8])));
    assert.deepEqual(summary(sink.events), ['peer-close 1000']);
    await settle(conn, sink);
    assert.deepEqual(
      parseFrames(sink.written).map((f) => f.opcode),
      [Opcode.Text, Opcode.Close],
    );
    assert.deepEqual(summary(sink.events), ['peer-close 1000', 'state closed']);
    assert.equal(conn.closedCleanly, true);
  });

  test('sending after close() is misuse even while the Close frame waits', async () => {
    const { conn, sink } = server({ threshold: 0 });
    conn.send('data', false);
    conn.close();
    assert.throws(() => conn.send('late', false), { code: 'WS_USAGE_NOT_OPEN' });
    await settle(conn, sink);
  });

  test('a failure drops the data frames waiting and writes the Close frame at once', async () => {
    const { conn, sink } = server({ threshold: 0 });
    conn.send('one', false);
    conn.ping('kept');
    conn.send('two', false);
    conn.receive(frame(Opcode.Text, 'x', true, 0b010)); // RSV2: protocol error
    assert.equal(conn.busy, false);
    assert.deepEqual(
      parseFrames(sink.written).map((f) => f.opcode),
      [Opcode.Ping, Opcode.Close],
    );
    assert.deepEqual(summary(sink.events), ['error 1002', 'state closed']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(parseFrames(sink.written).length, 2, 'nothing comes later');
  });

  test('failing the connection while a message inflates: the message is never delivered', async () => {
    const { conn, sink } = server();
    conn.receive(frame(Opcode.Text, compressed('never'), true, RSV1));
    conn.fail(1008, 'policy');
    assert.equal(conn.busy, false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(summary(sink.events), ['error 1008', 'state closed']);
  });
});
