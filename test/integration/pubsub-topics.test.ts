// Topics in one process: subscribe, unsubscribe, publish from the server and from a socket, the
// frame built once, closed sockets leaving their topics, and the limits.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { describe, test } from 'node:test';
import type WebSocket from 'ws';
import { MAX_TOPIC_LENGTH } from '../../src/pubsub/index.js';
import type { ServerWebSocket, WebSocketServer } from '../../src/server/index.js';
import { connect, listen, nextConnection, nextMessage, shut } from '../helpers/server.js';

const T = { timeout: 20_000 };

interface Peer {
  client: WebSocket;
  socket: ServerWebSocket<undefined>;
}

async function peers(wss: WebSocketServer<undefined>, url: string, n: number): Promise<Peer[]> {
  const out: Peer[] = [];
  for (let i = 0; i < n; i++) {
    const accepted = nextConnection(wss);
    const client = await connect(url);
    out.push({ client, socket: await accepted });
  }
  return out;
}

/** The client's next message as text. */
async function text(client: WebSocket): Promise<string> {
  return (await nextMessage(client)).data.toString();
}

describe('topics in one process', () => {
  test('subscribe, unsubscribe, isSubscribed, topics and subscriberCount', T, async () => {
    const { wss, url } = await listen();
    const [a, b] = await peers(wss, url, 2);
    const sa = a!.socket;
    assert.deepEqual(sa.topics, []);
    assert.equal(sa.subscribe('news'), true);
    assert.equal(sa.subscribe('news'), false, 'already subscribed');
    assert.equal(sa.subscribe('sport'), true);
    assert.equal(b!.socket.subscribe('news'), true);
    assert.deepEqual(sa.topics, ['news', 'sport']);
    assert.equal(sa.isSubscribed('news'), true);
    assert.equal(sa.isSubscribed('weather'), false);
    assert.equal(wss.subscriberCount('news'), 2);
    assert.equal(wss.subscriberCount('sport'), 1);
    assert.equal(wss.subscriberCount('weather'), 0);
    assert.equal(sa.unsubscribe('news'), true);
    assert.equal(sa.unsubscribe('news'), false, 'not subscribed any more');
    assert.equal(sa.isSubscribed('news'), false);
    assert.deepEqual(sa.topics, ['sport']);
    assert.equal(wss.subscriberCount('news'), 1);
    assert.equal(await wss.presence('news'), 1, 'presence without an adapter is local');
    await shut(wss);
  });

  test('server.publish reaches exactly the subscribers, text and binary', T, async () => {
    const { wss, url } = await listen();
    const [a, b, c] = await peers(wss, url, 3);
    a!.socket.subscribe('news');
    b!.socket.subscribe('news');
    c!.socket.subscribe('other');
    assert.equal(wss.publish('news', 'hello'), 2);
    assert.equal(wss.publish('news', Buffer.from([1, 2, 3])), 2);
    assert.equal(wss.publish('news', 'as binary', { binary: true }), 2);
    assert.equal(wss.publish('nobody', 'lost'), 0);
    assert.equal(wss.publish('other', 'marker'), 1);
    for (const peer of [a!, b!]) {
      assert.deepEqual(await nextMessage(peer.client), {
        data: Buffer.from('hello'),
        isBinary: false,
      });
      assert.deepEqual(await nextMessage(peer.client), {
        data: Buffer.from([1, 2, 3]),
        isBinary: true,
      });
      assert.deepEqual(await nextMessage(peer.client), {
        data: Buffer.from('as binary'),
        isBinary: true,
      });
    }
    // c got nothing before its own topic's message.
    assert.equal(await text(c!.client), 'marker');
    await shut(wss);
  });

  test('socket.publish reaches every subscriber but the sender', T, async () => {
    const { wss, url } = await listen();
    const [a, b, c] = await peers(wss, url, 3);
    for (const peer of [a!, b!, c!]) peer.socket.subscribe('room');
    assert.equal(a!.socket.publish('room', 'from a'), 2);
    assert.equal(await text(b!.client), 'from a');
    assert.equal(await text(c!.client), 'from a');
    // A socket that is not subscribed may publish too.
    c!.socket.unsubscribe('room');
    assert.equal(c!.socket.publish('room', 'from c'), 2);
    assert.equal(await text(a!.client), 'from c', 'a got nothing of its own');
    assert.equal(await text(b!.client), 'from c');
    await shut(wss);
  });

  test('a closed socket leaves every topic by itself', T, async () => {
    const { wss, url } = await listen();
    const [a, b] = await peers(wss, url, 2);
    for (const topic of ['t1', 't2', 't3']) {
      a!.socket.subscribe(topic);
      b!.socket.subscribe(topic);
    }
    const closedA = once(a!.socket, 'close');
    a!.client.close();
    await closedA;
    const closedB = once(b!.socket, 'close');
    b!.client.terminate();
    await closedB;
    for (const topic of ['t1', 't2', 't3']) assert.equal(wss.subscriberCount(topic), 0);
    assert.deepEqual(a!.socket.topics, []);
    assert.equal(wss.publish('t1', 'x'), 0);
    assert.equal(a!.socket.subscribe('t1'), false, 'a closed socket does not subscribe');
    await shut(wss);
  });

  test('a closing socket is skipped by publish and cannot subscribe', T, async () => {
    const { wss, url } = await listen();
    const [a, b] = await peers(wss, url, 2);
    a!.socket.subscribe('t');
    b!.socket.subscribe('t');
    a!.socket.close(1000);
    assert.equal(a!.socket.subscribe('u'), false);
    assert.equal(wss.publish('t', 'x'), 1);
    assert.equal(await text(b!.client), 'x');
    await shut(wss);
  });

  test('the frame is built once: every subscriber is written the same buffer', T, async () => {
    const { wss, url } = await listen();
    const all = await peers(wss, url, 4);
    for (const peer of all) peer.socket.subscribe('t');
    const written: unknown[] = [];
    const write = Socket.prototype.write;
    Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
      written.push(args[0]);
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof write;
    try {
      wss.publish('t', 'x'.repeat(100));
      wss.publish('t', Buffer.alloc(5000, 1));
      // Writes leave at the end of the turn.
      await new Promise(setImmediate);
    } finally {
      Socket.prototype.write = write;
    }
    // Small: header and payload in one buffer; large: the header, then the payload as given.
    // Each socket is written these three buffers in order; every socket the same three.
    assert.equal(written.length, 4 * 3);
    for (let part = 0; part < 3; part++) {
      const same = new Set(written.filter((_, i) => i % 3 === part));
      assert.equal(same.size, 1, `part ${part} is one buffer shared by every socket`);
    }
    assert.equal(new Set(written).size, 3);
    for (const peer of all) {
      assert.equal((await nextMessage(peer.client)).data.length, 100);
      assert.equal((await nextMessage(peer.client)).data.length, 5000);
    }
    await shut(wss);
  });

  test(
    'a publish waits for the end of a fragmented message being sent (RFC 6455 §5.4)',
    T,
    async () => {
      const { wss, url } = await listen();
      const [a, b] = await peers(wss, url, 2);
      a!.socket.subscribe('t');
      b!.socket.subscribe('t');
      a!.socket.send('frag-1 ', { fin: false });
      assert.equal(wss.publish('t', 'published'), 2);
      assert.ok(a!.socket.bufferedAmount > 0, 'held publishes count as buffered');
      assert.equal(await text(b!.client), 'published');
      a!.socket.send('frag-2', { fin: true });
      assert.equal(await text(a!.client), 'frag-1 frag-2');
      assert.equal(await text(a!.client), 'published');
      await shut(wss);
    },
  );

  test('limits: topic names, topics per socket, message size', T, async () => {
    const { wss, url } = await listen({ maxTopicsPerSocket: 3, maxPayload: 1000 });
    const [a] = await peers(wss, url, 1);
    const s = a!.socket;
    assert.throws(() => s.subscribe(''), TypeError);
    assert.throws(() => s.subscribe(42 as unknown as string), TypeError);
    assert.equal(s.subscribe('x'.repeat(MAX_TOPIC_LENGTH)), true);
    assert.throws(() => s.subscribe('x'.repeat(MAX_TOPIC_LENGTH + 1)), RangeError);
    // 86 euro signs: 258 UTF-8 bytes in 86 characters.
    assert.throws(() => s.subscribe('€'.repeat(86)), /at most 256 UTF-8 bytes/);
    assert.throws(() => wss.publish('x'.repeat(MAX_TOPIC_LENGTH + 1), 'm'), RangeError);
    s.subscribe('b');
    s.subscribe('c');
    assert.throws(() => s.subscribe('d'), /at most 3 topics \(maxTopicsPerSocket\)/);
    assert.equal(s.subscribe('b'), false, 'an existing topic is not one more');
    s.unsubscribe('b');
    assert.equal(s.subscribe('d'), true);
    assert.equal(wss.publish('d', Buffer.alloc(1000)), 1);
    assert.throws(
      () => wss.publish('d', Buffer.alloc(1001)),
      /1001 bytes, over the server's maxPayload of 1000/,
    );
    assert.throws(() => s.publish('d', 'é'.repeat(501)), RangeError, '1002 UTF-8 bytes');
    await assert.rejects(listen({ maxTopicsPerSocket: 0 }), RangeError);
    await shut(wss);
  });
});
