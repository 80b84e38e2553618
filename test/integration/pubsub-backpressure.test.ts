// A subscriber that stops reading (a raw TCP client: handshake, then nothing read) is handled
// by the server's backpressurePolicy while the other subscribers receive every message.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type WebSocket from 'ws';
import type { BackpressurePolicy, ServerWebSocket } from '../../src/server/index.js';
import {
  closed,
  connect,
  listen,
  nextConnection,
  nextEvent,
  nextMessage,
  rawPair,
  shut,
} from '../helpers/server.js';

const T = { timeout: 30_000 };
const MESSAGE = Buffer.alloc(64 * 1024, 0x61);
const LIMIT = 256 * 1024;

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Counts the messages and bytes a ws client receives. */
function counter(client: WebSocket) {
  const seen = { messages: 0, bytes: 0 };
  client.on('message', (data: Buffer) => {
    seen.messages++;
    seen.bytes += data.length;
  });
  return seen;
}

async function setup(policy: BackpressurePolicy) {
  const { wss, port, url } = await listen({
    maxBufferedAmount: LIMIT,
    backpressurePolicy: policy,
    closeTimeout: 200,
  });
  const { raw, socket: slow } = await rawPair(wss, port);
  raw.socket.pause(); // reads nothing from now on
  slow.subscribe('feed');
  const fast: { client: WebSocket; socket: ServerWebSocket<undefined> }[] = [];
  for (let i = 0; i < 2; i++) {
    const accepted = nextConnection(wss);
    const client = await connect(url);
    const socket = await accepted;
    socket.subscribe('feed');
    fast.push({ client, socket });
  }
  return { wss, raw, slow, fast, seen: fast.map((f) => counter(f.client)) };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/**
 * Publishes one message a turn until the slow subscriber hits the limit (the kernel's buffers
 * fill first, then its user-space buffer), then 20 more.
 */
async function run(ctx: Setup, policy: BackpressurePolicy) {
  const { wss, slow } = ctx;
  let published = 0;
  let maxBuffered = 0;
  let after = -1;
  for (let i = 0; i < 4000 && after < 20; i++) {
    wss.publish('feed', MESSAGE);
    published++;
    maxBuffered = Math.max(maxBuffered, slow.bufferedAmount);
    if (after >= 0) after++;
    else if (policy === 'drop' ? slow.droppedMessages > 0 : slow.readyState !== slow.OPEN) {
      after = 0;
    }
    await turn();
  }
  assert.ok(after >= 0, 'the slow subscriber hit the limit');
  return { ...ctx, published, maxBuffered };
}

/** Waits until every fast client has every message. */
async function allDelivered(seen: { messages: number }[], published: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (seen.some((s) => s.messages < published) && Date.now() < deadline) await turn();
  assert.deepEqual(
    seen.map((s) => s.messages),
    seen.map(() => published),
  );
}

describe('a slow subscriber', () => {
  test("'drop': its messages are dropped, its memory bounded, the others get all", T, async () => {
    const ctx = await setup('drop');
    const dropped: unknown[] = [];
    ctx.slow.on('drop', (data) => dropped.push(data));
    const { wss, raw, slow, seen, published, maxBuffered } = await run(ctx, 'drop');
    assert.equal(slow.readyState, slow.OPEN, 'the connection stays open');
    assert.ok(slow.droppedMessages >= 20, `dropped ${slow.droppedMessages}`);
    assert.equal(dropped[0], MESSAGE, "'drop' gets what was published");
    assert.ok(maxBuffered <= LIMIT + MESSAGE.length + 14, `buffered at most ${maxBuffered}`);
    assert.equal(wss.subscriberCount('feed'), 3);
    await allDelivered(seen, published);
    raw.socket.destroy();
    await shut(wss);
  });

  test("'close': it is closed with 1008 and leaves the topic, the others get all", T, async () => {
    const ctx = await setup('close');
    const errors: Error[] = [];
    ctx.slow.on('error', (error) => errors.push(error));
    const closed = nextEvent(ctx.slow, 'close');
    const { wss, raw, seen, published, maxBuffered } = await run(ctx, 'close');
    assert.equal((errors[0] as Error & { closeCode?: number }).closeCode, 1008);
    assert.ok(maxBuffered <= LIMIT + MESSAGE.length + 14, `buffered at most ${maxBuffered}`);
    await allDelivered(seen, published);
    // It never reads its Close frame: the close timeout ends it, and it leaves the topic.
    await closed;
    assert.equal(wss.subscriberCount('feed'), 2);
    raw.socket.destroy();
    await shut(wss);
  });

  // A turn's first write is held until the turn ends (src/transport/): it counts as buffered.
  test("'drop' within one turn: the message written first still counts", T, async () => {
    const { wss, url } = await listen({ maxBufferedAmount: 1000, backpressurePolicy: 'drop' });
    const accepted = nextConnection(wss);
    const client = await connect(url);
    const socket = await accepted;
    socket.subscribe('t');
    const m = (c: string) => Buffer.alloc(600, c);
    assert.equal(wss.publish('t', m('a')), 1);
    assert.equal(socket.bufferedAmount, 604, 'the held frame, header included');
    assert.equal(wss.publish('t', m('b')), 0, 'over the limit: dropped');
    assert.equal(socket.droppedMessages, 1);
    await turn();
    assert.equal(wss.publish('t', m('c')), 1);
    assert.deepEqual((await nextMessage(client)).data, m('a'));
    assert.deepEqual((await nextMessage(client)).data, m('c'));
    await shut(wss);
  });

  test(
    "'close' within one turn: the message written first goes out before the Close",
    T,
    async () => {
      const { wss, url } = await listen({ maxBufferedAmount: 1000, backpressurePolicy: 'close' });
      const accepted = nextConnection(wss);
      const client = await connect(url);
      const socket = await accepted;
      socket.subscribe('t');
      const done = closed(client);
      assert.equal(wss.publish('t', Buffer.alloc(600, 'a')), 1);
      assert.equal(wss.publish('t', Buffer.alloc(600, 'b')), 0);
      assert.deepEqual((await nextMessage(client)).data, Buffer.alloc(600, 'a'));
      assert.equal((await done).code, 1008);
      await shut(wss);
    },
  );
});
