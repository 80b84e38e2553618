// The contract between a server's topics and a PubSubAdapter, with a recording adapter: one
// broker subscription per topic, publishes forwarded once, remote messages delivered locally
// and never sent back. And the envelope that carries a publish between processes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AdapterHost, PubSubAdapter } from '../../../src/pubsub/adapter.js';
import { decodeEnvelope, encodeEnvelope, isFrom } from '../../../src/pubsub/envelope.js';
import { type Subscriber, TopicHub } from '../../../src/pubsub/hub.js';
import type { PublishedMessage } from '../../../src/pubsub/message.js';

class FakeSocket implements Subscriber {
  subscriptions: Set<string> | null = null;
  readyState = 1;
  readonly got: string[] = [];
  deliver(message: PublishedMessage): boolean {
    this.got.push(`${message.binary ? 'b' : 't'}:${Buffer.from(message.payloadBytes())}`);
    return true;
  }
}

class RecordingAdapter implements PubSubAdapter {
  readonly calls: string[] = [];
  host: AdapterHost | null = null;
  fail = false;
  async attach(host: AdapterHost): Promise<void> {
    if (this.fail) throw new Error('unreachable');
    this.host = host;
    this.calls.push(`attach ${[...host.topics()].join(',')}`);
  }
  subscribe(topic: string): void {
    this.calls.push(`subscribe ${topic}`);
  }
  unsubscribe(topic: string): void {
    this.calls.push(`unsubscribe ${topic}`);
  }
  countChanged(topic: string): void {
    this.calls.push(`count ${topic} ${this.host?.subscriberCount(topic)}`);
  }
  publish(topic: string, payload: Uint8Array, binary: boolean): void {
    this.calls.push(`publish ${topic} ${binary ? 'b' : 't'}:${Buffer.from(payload)}`);
  }
  async presence(topic: string): Promise<number> {
    return 100 + (this.host?.subscriberCount(topic) ?? 0);
  }
  async close(): Promise<void> {
    this.calls.push('close');
  }
}

describe('TopicHub with an adapter', () => {
  test('one broker subscription per topic, however many local sockets', async () => {
    const hub = new TopicHub(10, 1000);
    const early = new FakeSocket();
    hub.subscribe(early, 'a');
    const adapter = new RecordingAdapter();
    await hub.useAdapter(adapter);
    const [s1, s2] = [new FakeSocket(), new FakeSocket()];
    hub.subscribe(s1, 'b');
    hub.subscribe(s2, 'b');
    hub.unsubscribe(s1, 'b');
    hub.removeSocket(s2);
    hub.removeSocket(early);
    assert.deepEqual(adapter.calls, [
      'attach a',
      'subscribe b',
      'count b 1',
      'count b 2',
      'count b 1',
      'unsubscribe b',
      'count b 0',
      'unsubscribe a',
      'count a 0',
    ]);
  });

  test('a local publish is delivered here and forwarded once; a remote one only here', async () => {
    const hub = new TopicHub(10, 1000);
    const adapter = new RecordingAdapter();
    await hub.useAdapter(adapter);
    const [s1, s2] = [new FakeSocket(), new FakeSocket()];
    hub.subscribe(s1, 't');
    hub.subscribe(s2, 't');
    adapter.calls.length = 0;
    assert.equal(hub.publish('t', 'hi', undefined, s1), 1);
    assert.equal(hub.publish('nobody here', Buffer.from('x'), undefined, null), 0);
    assert.equal(hub.publish('t', 'x'.repeat(2000 / 2), { binary: true }, null), 2);
    adapter.host!.deliver('t', Buffer.from('remote'), false);
    assert.deepEqual(s1.got, [`b:${'x'.repeat(1000)}`, 't:remote']);
    assert.deepEqual(s2.got, ['t:hi', `b:${'x'.repeat(1000)}`, 't:remote']);
    assert.deepEqual(adapter.calls, [
      'publish t t:hi',
      'publish nobody here b:x',
      `publish t b:${'x'.repeat(1000)}`,
    ]);
    assert.equal(await hub.presence('t'), 102);
    await hub.close();
    assert.equal(adapter.calls.at(-1), 'close');
    assert.equal(hub.adapter, null);
  });

  test('one adapter per server; a failed attach leaves none', async () => {
    const hub = new TopicHub(10, 1000);
    const failing = new RecordingAdapter();
    failing.fail = true;
    await assert.rejects(hub.useAdapter(failing), /unreachable/);
    assert.equal(hub.adapter, null);
    await hub.useAdapter(new RecordingAdapter());
    await assert.rejects(hub.useAdapter(new RecordingAdapter()), /already uses an adapter/);
  });
});

describe('envelope', () => {
  const origin = Buffer.alloc(16, 7);

  test('carries the payload, its text/binary flag and its origin, byte for byte', () => {
    for (const [payload, binary] of [
      [Buffer.from([0, 255, 0x80, 10]), true],
      [Buffer.from('héllo'), false],
      [Buffer.alloc(0), true],
    ] as const) {
      const bytes = encodeEnvelope(origin, binary, payload);
      const envelope = decodeEnvelope(bytes);
      assert.ok(envelope !== null);
      assert.deepEqual(envelope.payload, payload);
      assert.equal(envelope.binary, binary);
      assert.deepEqual(envelope.origin, origin);
      assert.equal(isFrom(bytes, origin), true);
      assert.equal(isFrom(bytes, Buffer.alloc(16, 8)), false);
    }
  });

  test('anything else is not an envelope', () => {
    assert.equal(decodeEnvelope(Buffer.from('hello')), null);
    const bytes = encodeEnvelope(origin, true, Buffer.from('x'));
    bytes[0] = 2;
    assert.equal(decodeEnvelope(bytes), null);
  });
});
