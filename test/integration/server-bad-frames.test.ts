// Protocol violations from a raw client get the close code RFC 6455 names (§7.4.1), the
// connection is freed, and the server goes on serving everyone else.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { ProtocolError } from '../../src/protocol/errors.js';
import {
  clientFrame,
  closeCodeOf,
  connect,
  listen,
  nextEvent,
  nextMessage,
  Opcode,
  rawPair,
  shut,
} from '../helpers/server.js';

const T = { timeout: 10_000 };

const closePayload = (code: number, reason: Buffer = Buffer.alloc(0)) => {
  const out = Buffer.alloc(2 + reason.length);
  out.writeUInt16BE(code, 0);
  reason.copy(out, 2);
  return out;
};

const cases: [string, Buffer, number][] = [
  ['an unmasked frame (§5.1)', clientFrame(Opcode.Text, 'hi', { mask: false }), 1002],
  [
    'invalid UTF-8 in a text message (§8.1)',
    clientFrame(Opcode.Text, Buffer.from([0xc3, 0x28])),
    1007,
  ],
  [
    'invalid UTF-8 across fragments, at the fragment that proves it',
    Buffer.concat([
      clientFrame(Opcode.Text, Buffer.from([0x61, 0xe2]), { fin: false }),
      clientFrame(Opcode.Continuation, Buffer.from([0x28]), { fin: false }),
    ]),
    1007,
  ],
  ['a message over maxPayload (§10.4)', clientFrame(Opcode.Binary, Buffer.alloc(1025)), 1009],
  [
    'fragments that add up to more than maxPayload',
    Buffer.concat([
      clientFrame(Opcode.Binary, Buffer.alloc(600), { fin: false }),
      clientFrame(Opcode.Continuation, Buffer.alloc(600)),
    ]),
    1009,
  ],
  ['a reserved opcode (§5.2)', clientFrame(0x3, 'x'), 1002],
  ['RSV1 without an extension (§5.2)', clientFrame(Opcode.Text, 'x', { rsv: 0b100 }), 1002],
  ['a continuation with nothing to continue (§5.4)', clientFrame(Opcode.Continuation, 'x'), 1002],
  ['a fragmented ping (§5.5)', clientFrame(Opcode.Ping, 'x', { fin: false }), 1002],
  ['a 126-byte ping (§5.5)', clientFrame(Opcode.Ping, Buffer.alloc(126)), 1002],
  ['a close code that may not be sent (§7.4)', clientFrame(Opcode.Close, closePayload(1005)), 1002],
  ['a 1-byte Close payload (§5.5.1)', clientFrame(Opcode.Close, Buffer.from([3])), 1002],
  [
    'a close reason that is not UTF-8',
    clientFrame(Opcode.Close, closePayload(1000, Buffer.from([0xff]))),
    1007,
  ],
];

describe('protocol violations', () => {
  for (const [name, bytes, expected] of cases) {
    test(`${name} → ${expected}`, T, async () => {
      const { wss, port, url } = await listen({ maxPayload: 1024 });
      const { raw, socket } = await rawPair(wss, port);
      const errors: Error[] = [];
      socket.on('error', (error) => errors.push(error));
      const serverClosed = nextEvent(socket, 'close');
      raw.socket.write(bytes);
      await raw.closed;
      assert.equal(closeCodeOf(raw.received()), expected);
      await serverClosed;
      assert.equal(errors.length, 1);
      const error = errors[0];
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.closeCode, expected);
      assert.match(error.code, /^WS_ERR_/);
      assert.equal(wss.clients.size, 0);
      // Everyone else is still served.
      const client = await connect(url);
      wss.clients.values().next().value?.send('still here');
      assert.equal(String((await nextMessage(client)).data), 'still here');
      client.terminate();
      await shut(wss);
    });
  }

  test('without an error listener a violation does not throw', T, async () => {
    const { wss, port } = await listen();
    const { raw, socket } = await rawPair(wss, port);
    assert.equal(socket.listenerCount('error'), 0);
    raw.socket.write(clientFrame(Opcode.Text, 'x', { mask: false }));
    await raw.closed;
    assert.equal(closeCodeOf(raw.received()), 1002);
    await shut(wss);
  });

  test('a peer that resets the connection mid-message is freed', T, async () => {
    const { wss, port } = await listen();
    const { raw, socket } = await rawPair(wss, port);
    const serverClosed = once(socket, 'close') as Promise<[number, Buffer]>;
    raw.socket.write(clientFrame(Opcode.Binary, Buffer.alloc(1000)).subarray(0, 500));
    raw.socket.resetAndDestroy();
    const [code] = await serverClosed;
    assert.equal(code, 1006);
    assert.equal(wss.clients.size, 0);
    await shut(wss);
  });

  test('a peer that sends data after its Close frame: the data is ignored', T, async () => {
    const { wss, port } = await listen();
    const { raw, socket } = await rawPair(wss, port);
    const messages: unknown[] = [];
    socket.on('message', (data) => messages.push(data));
    raw.socket.write(
      Buffer.concat([
        clientFrame(Opcode.Close, closePayload(1000)),
        clientFrame(Opcode.Text, 'late'),
      ]),
    );
    await raw.closed;
    assert.equal(closeCodeOf(raw.received()), 1000);
    assert.deepEqual(messages, []);
    await shut(wss);
  });
});
