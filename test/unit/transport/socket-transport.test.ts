import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { Opcode } from '../../../src/protocol/opcodes.js';
import { SocketTransport, type TransportHandler } from '../../../src/transport/socket-transport.js';
import { HOLD_LIMIT } from '../../../src/transport/write-batches.js';
import { peerFrame } from '../../helpers/recording-sink.js';
import { handlerWith } from '../../helpers/transport.js';
import { decodeFrames } from '../../helpers/wire.js';

/** How the server-side socket handed bytes to the kernel: one entry per write or writev. */
type Dispatch = { kind: 'write' | 'writev'; bytes: Buffer };

/**
 * A connected TCP pair: the server side bound to a server-role transport whose messages go to
 * `onMessage`, the client side raw. The server socket's `_write` and `_writev` are recorded.
 */
async function pair(
  onMessage: (transport: SocketTransport, data: Buffer, binary: boolean) => void,
  handler: Partial<TransportHandler> = {},
): Promise<{ transport: SocketTransport; client: Socket; dispatches: Dispatch[]; close(): void }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const { connect } = await import('node:net');
  const client = connect(port, '127.0.0.1');
  const [socket] = (await once(server, 'connection')) as [Socket];
  const dispatches: Dispatch[] = [];
  const write = socket._write.bind(socket);
  socket._write = (chunk, encoding, cb) => {
    dispatches.push({ kind: 'write', bytes: Buffer.from(chunk as Buffer) });
    write(chunk, encoding, cb);
  };
  const writev = socket._writev!.bind(socket);
  socket._writev = (chunks, cb) => {
    dispatches.push({ kind: 'writev', bytes: Buffer.concat(chunks.map((c) => c.chunk as Buffer)) });
    writev(chunks, cb);
  };
  const transport: SocketTransport = new SocketTransport(
    socket,
    handlerWith({ onMessage: (data, binary) => onMessage(transport, data, binary), ...handler }),
    { role: 'server' },
  );
  return {
    transport,
    client,
    dispatches,
    close: () => {
      client.destroy();
      socket.destroy();
      server.close();
    },
  };
}

/** Feeds the transport as a socket read would, and returns what it dispatched meanwhile. */
function read(transport: SocketTransport, dispatches: Dispatch[], bytes: Buffer): Dispatch[] {
  const before = dispatches.length;
  transport.receive(bytes);
  return dispatches.slice(before);
}

/** The rest of this poll phase: the check phase, where the reads' writes leave. */
const endOfPhase = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Payloads of the frames in some dispatches. */
const payloads = (out: Dispatch[]): string[] =>
  decodeFrames(Buffer.concat(out.map((d) => d.bytes))).map((f) => f.payload.toString());

test('a reply sent while a read is decoded is held, and leaves in one write when the poll phase ends', async () => {
  const t = await pair((transport, data, binary) => transport.send(data, binary, true));
  try {
    const before = t.dispatches.length;
    assert.deepEqual(
      read(t.transport, t.dispatches, peerFrame('server', Opcode.Text, 'hello')),
      [],
    );
    await endOfPhase();
    const out = t.dispatches.slice(before);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.kind, 'write');
    assert.deepEqual(payloads(out), ['hello']);
    assert.equal(t.transport.socket.writableCorked, 0, 'no cork is left on');
  } finally {
    t.close();
  }
});

test('the replies to several messages of one read leave together in one writev, in order', async () => {
  const t = await pair((transport, data, binary) => {
    transport.send(data, binary, true);
    // A large frame is written as header and payload apart: both stay in order.
    transport.send(Buffer.alloc(2000, data[0]), true, true);
  });
  try {
    const bytes = Buffer.concat(
      ['a', 'b', 'c'].map((s) => peerFrame('server', Opcode.Binary, Buffer.from(s))),
    );
    const before = t.dispatches.length;
    assert.deepEqual(read(t.transport, t.dispatches, bytes), []);
    await endOfPhase();
    const out = t.dispatches.slice(before);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.kind, 'writev');
    const frames = decodeFrames(out[0]!.bytes);
    assert.deepEqual(
      frames.map((f) => [f.payload.length, f.payload[0]]),
      [
        [1, 0x61],
        [2000, 0x61],
        [1, 0x62],
        [2000, 0x62],
        [1, 0x63],
        [2000, 0x63],
      ],
    );
    assert.equal(t.transport.socket.writableCorked, 0);
  } finally {
    t.close();
  }
});

test('the replies to consecutive reads of one socket in a poll phase share one writev', async () => {
  const t = await pair((transport, data, binary) => transport.send(data, binary, true));
  try {
    const before = t.dispatches.length;
    for (const s of ['one', 'two', 'three', 'four']) {
      assert.deepEqual(read(t.transport, t.dispatches, peerFrame('server', Opcode.Text, s)), []);
    }
    await endOfPhase();
    const out = t.dispatches.slice(before);
    assert.deepEqual(
      out.map((d) => d.kind),
      ['writev'],
    );
    assert.deepEqual(payloads(out), ['one', 'two', 'three', 'four']);
    assert.equal(t.transport.socket.writableCorked, 0);
  } finally {
    t.close();
  }
});

test('two sockets read in one poll phase both write once the phase ends, each in one write', async () => {
  const echo = (transport: SocketTransport, data: Buffer, binary: boolean) =>
    transport.send(data, binary, true);
  const a = await pair(echo);
  const b = await pair(echo);
  try {
    const [fromA, fromB] = [a.dispatches.length, b.dispatches.length];
    read(a.transport, a.dispatches, peerFrame('server', Opcode.Text, 'to a'));
    read(b.transport, b.dispatches, peerFrame('server', Opcode.Text, 'to b'));
    // A write at the end of the turn would already have happened here: the phase holds it.
    await new Promise<void>((resolve) => process.nextTick(resolve));
    assert.equal(a.dispatches.length - fromA, 0);
    assert.equal(b.dispatches.length - fromB, 0);
    await endOfPhase();
    assert.deepEqual(payloads(a.dispatches.slice(fromA)), ['to a']);
    assert.deepEqual(payloads(b.dispatches.slice(fromB)), ['to b']);
    assert.equal(a.dispatches.length - fromA, 1);
    assert.equal(b.dispatches.length - fromB, 1);
  } finally {
    a.close();
    b.close();
  }
});

test('a socket holding more than HOLD_LIMIT bytes of replies writes them before the phase ends', async () => {
  const reply = Buffer.alloc(64 * 1024, 0x78);
  const t = await pair((transport) => transport.send(reply, true, true));
  try {
    const before = t.dispatches.length;
    const frame = peerFrame('server', Opcode.Binary, 'x');
    let reads = 0;
    while (t.dispatches.length === before && reads < 100) {
      read(t.transport, t.dispatches, frame);
      reads++;
    }
    // Four replies of 64 KiB and their headers reach the limit: the fifth read does not wait.
    assert.equal(reads, Math.ceil(HOLD_LIMIT / reply.length));
    assert.equal(t.dispatches.length - before, 1);
    assert.equal(t.dispatches[before]!.kind, 'writev');
    await endOfPhase();
    assert.equal(t.transport.socket.writableCorked, 0);
  } finally {
    t.close();
  }
});

test('a frame split across reads is answered once complete; a read with no reply writes nothing', async () => {
  const t = await pair((transport, data, binary) => transport.send(data, binary, true));
  try {
    const frame = peerFrame('server', Opcode.Text, 'split here');
    const before = t.dispatches.length;
    read(t.transport, t.dispatches, frame.subarray(0, 7));
    await endOfPhase();
    assert.equal(t.dispatches.length, before, 'the first half is answered by nothing');
    read(t.transport, t.dispatches, frame.subarray(7));
    await endOfPhase();
    assert.deepEqual(payloads(t.dispatches.slice(before)), ['split here']);
  } finally {
    t.close();
  }
});

test('send within a read reports a full buffer as write() would, and drain follows', async () => {
  let drained = false;
  const results: boolean[] = [];
  const t = await pair(
    (transport) => {
      const size = transport.socket.writableHighWaterMark;
      results.push(transport.send(Buffer.alloc(size / 4), true, true));
      results.push(transport.send(Buffer.alloc(size), true, true));
    },
    { onDrain: () => (drained = true) },
  );
  try {
    t.transport.receive(peerFrame('server', Opcode.Binary, 'x'));
    assert.deepEqual(results, [true, false]);
    t.client.resume();
    while (!drained) await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    t.close();
  }
});

test('a send callback given within a read runs once its frame is written', async () => {
  const t = await pair((transport, data, binary) => {
    transport.send(data, binary, true, (error) => {
      assert.equal(error ?? null, null);
      calls.push('written');
    });
  });
  const calls: string[] = [];
  try {
    t.transport.receive(peerFrame('server', Opcode.Text, 'cb'));
    calls.push('read done');
    while (calls.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(calls, ['read done', 'written']);
  } finally {
    t.close();
  }
});

test('sends outside a read are corked until the end of the turn', async () => {
  const t = await pair(() => {});
  try {
    t.transport.send('one', false, true);
    t.transport.send('two', false, true);
    assert.equal(t.dispatches.length, 0, 'nothing leaves before the end of the turn');
    await new Promise((resolve) => process.nextTick(resolve));
    assert.equal(t.dispatches.length, 1);
    assert.equal(t.dispatches[0]!.kind, 'writev');
    assert.deepEqual(
      decodeFrames(t.dispatches[0]!.bytes).map((f) => f.payload.toString()),
      ['one', 'two'],
    );
  } finally {
    t.close();
  }
});
