// Topics across processes on a real redis-server: every publish reaches every subscriber once,
// one Redis subscription per topic and process, Redis restarts, presence and dead processes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import type WebSocket from 'ws';
import { createRedisAdapter } from '../../src/index.js';
import { freePort, RedisServer, skipWithoutRedis, WskitNode } from '../helpers/redis.js';
import { connect, nextMessage } from '../helpers/server.js';

const T = { timeout: 20_000 };
/** Presence expiry in these tests: a killed process must drop out within this. */
const TTL = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client of `node`, subscribed to `topics` (confirmed by Redis). */
async function subscriber(node: WskitNode, ...topics: string[]): Promise<WebSocket> {
  const client = await connect(node.url);
  for (const topic of topics) {
    client.send(`sub ${topic}`);
    assert.equal(String((await nextMessage(client)).data), `subscribed ${topic}`);
  }
  return client;
}

/** Everything `client` receives from now on, as text. */
function inbox(client: WebSocket): string[] {
  const seen: string[] = [];
  client.on('message', (data: Buffer) => seen.push(String(data)));
  return seen;
}

/** Waits until `check` holds (polling), or fails with the last value. */
async function until<T>(read: () => T | Promise<T>, check: (v: T) => boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await sleep(20);
    value = await read();
  }
  return value;
}

describe('createRedisAdapter', () => {
  test(
    'an unreachable Redis is a rejected promise within connectTimeout, not a hang',
    T,
    async () => {
      const port = await freePort(); // nothing listens there
      const started = Date.now();
      await assert.rejects(
        createRedisAdapter({ url: `redis://127.0.0.1:${port}`, connectTimeout: 500 }),
        /Could not connect to Redis at 127\.0\.0\.1:\d+/,
      );
      assert.ok(Date.now() - started < 3000, `gave up after ${Date.now() - started} ms`);
    },
  );
});

describe('topics across processes on Redis', { skip: skipWithoutRedis }, () => {
  let redis: RedisServer;
  const nodes: WskitNode[] = [];
  const clients: WebSocket[] = [];

  async function start(n: number): Promise<WskitNode[]> {
    const started = await Promise.all(
      Array.from({ length: n }, () => WskitNode.start(redis.url, TTL)),
    );
    nodes.push(...started);
    return started;
  }

  async function sub(node: WskitNode, ...topics: string[]): Promise<WebSocket> {
    const client = await subscriber(node, ...topics);
    clients.push(client);
    return client;
  }

  before(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
  });

  after(async () => {
    for (const client of clients) client.terminate();
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.kill('SIGTERM');
  });

  test('two processes: every publish reaches every subscriber exactly once', T, async () => {
    const [a, b] = await start(2);
    const a1 = await sub(a!, 'two');
    const a2 = await sub(a!, 'two');
    const b1 = await sub(b!, 'two');
    const b2 = await sub(b!, 'two');
    const seen = [a1, a2, b1, b2].map(inbox);
    assert.equal(await a!.call('publish', 'two', 'from a', false), 2);
    assert.equal(
      await b!.call('publish', 'two', Buffer.from([0, 1, 255]).toString('base64'), true),
      2,
    );
    // socket.publish from b1: everyone but b1, in both processes.
    b1.send('pub two from b1');
    const expected = [
      ['from a', '\0\x01\ufffd', 'from b1'],
      ['from a', '\0\x01\ufffd', 'from b1'],
      ['from a', '\0\x01\ufffd'],
      ['from a', '\0\x01\ufffd', 'from b1'],
    ];
    await until(
      () => seen.map((s) => s.length),
      (n) => n.join() === '3,3,2,3',
    );
    await sleep(100); // nothing more comes: no duplicates
    // Each publisher's messages keep their order; two publishers' may interleave.
    assert.deepEqual(
      seen.map((s) => [...s].sort()),
      expected.map((s) => [...s].sort()),
    );
    const stats = await a!.call<{ published: number; received: number }>('stats');
    assert.deepEqual([stats.published, stats.received], [1, 2]);
  });

  test('three processes, one Redis subscription per topic and process', T, async () => {
    const three = await start(3);
    const inboxes: string[][] = [];
    for (const node of three) {
      inboxes.push(inbox(await sub(node, 'three')));
      inboxes.push(inbox(await sub(node, 'three')));
    }
    const probe = createClient({ url: redis.url });
    await probe.connect();
    const counts = await probe.pubSubNumSub('wskit:three');
    await probe.close();
    assert.equal(counts['wskit:three'], 3, 'one subscription per process, not per socket');
    for (const [i, node] of three.entries()) await node.call('publish', 'three', `m${i}`, false);
    await until(
      () => inboxes.map((s) => s.length),
      (n) => n.every((x) => x === 3),
    );
    await sleep(100);
    for (const seen of inboxes) assert.deepEqual([...seen].sort(), ['m0', 'm1', 'm2']);
    // The last local socket leaves: the process unsubscribes from Redis.
    const leaver = await sub(three[0]!, 'solo');
    leaver.send('unsub solo');
    assert.equal(String((await nextMessage(leaver)).data), 'unsubscribed solo');
    const probe2 = createClient({ url: redis.url });
    await probe2.connect();
    assert.equal((await probe2.pubSubNumSub('wskit:solo'))['wskit:solo'], 0);
    await probe2.close();
  });

  test('presence across processes; a killed process drops out within the expiry', T, async () => {
    const [a, b, c] = await start(3);
    for (let i = 0; i < 2; i++) await sub(a!, 'room');
    await sub(b!, 'room');
    for (let i = 0; i < 3; i++) await sub(c!, 'room');
    for (const node of [a!, b!, c!]) {
      assert.equal(
        await until(
          () => node.call<number>('presence', 'room'),
          (n) => n === 6,
        ),
        6,
      );
    }
    await c!.kill();
    const killed = Date.now();
    const after = await until(
      () => a!.call<number>('presence', 'room'),
      (n) => n === 3,
      TTL * 3,
    );
    const elapsed = Date.now() - killed;
    assert.equal(after, 3);
    assert.ok(elapsed <= TTL + 500, `dropped out after ${elapsed} ms (expiry ${TTL} ms)`);
  });

  test(
    'Redis restarts: publishes meanwhile are dropped and counted, then delivery resumes',
    T,
    async () => {
      const [a, b] = await start(2);
      const seenA = inbox(await sub(a!, 'live'));
      const seenB = inbox(await sub(b!, 'live'));
      await a!.call('publish', 'live', 'before', false);
      await until(
        () => seenB.length,
        (n) => n === 1,
      );
      await redis.kill();
      await a!.waitFor((e) => e.type === 'event' && e.name === 'down');
      await b!.waitFor((e) => e.type === 'event' && e.name === 'down');
      // While Redis is away: local subscribers get it, the other process does not; it is counted.
      assert.equal(await a!.call('publish', 'live', 'while down', false), 1);
      await a!.call('publish', 'live', 'while down 2', false);
      const stats = await a!.call<{ dropped: number }>('stats');
      assert.equal(stats.dropped, 2);
      await a!.waitFor((e) => e.type === 'event' && e.code === 'WS_PUBSUB_PUBLISH_DROPPED');
      assert.equal(
        a!.events.filter((e) => e.type === 'event' && e.code === 'WS_PUBSUB_PUBLISH_DROPPED')
          .length,
        1,
        'one error per outage; the counter has them all',
      );
      assert.equal(await a!.call('count', 'live'), 1, 'local subscriptions survive');
      await redis.start();
      await a!.waitFor((e) => e.type === 'event' && e.name === 'up');
      await b!.waitFor((e) => e.type === 'event' && e.name === 'up');
      await a!.call('publish', 'live', 'after', false);
      await b!.call('publish', 'live', 'from b after', false);
      await until(
        () => seenB.length + seenA.length,
        (n) => n === 8,
      );
      assert.deepEqual(seenA, ['before', 'while down', 'while down 2', 'after', 'from b after']);
      assert.deepEqual([...seenB].sort(), ['after', 'before', 'from b after']);
      // Presence is written again into the empty Redis.
      assert.equal(
        await until(
          () => b!.call<number>('presence', 'live'),
          (n) => n === 2,
        ),
        2,
      );
    },
  );
});
