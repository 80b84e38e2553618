// The built-in heartbeat (ping quiet peers, terminate silent ones) and the idle timeout.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import {
  clientFrame,
  closed,
  connect,
  listen,
  nextConnection,
  nextEvent,
  Opcode,
  parseFrames,
  rawPair,
  shut,
} from '../helpers/server.js';

const T = { timeout: 10_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('heartbeat', () => {
  test('a peer that answers pings stays connected and is pinged', T, async () => {
    const { wss, url } = await listen({ heartbeat: { interval: 40, timeout: 200 } });
    const client = await connect(url);
    let pings = 0;
    client.on('ping', () => pings++);
    while (pings < 3) await once(client, 'ping');
    assert.equal(client.readyState, client.OPEN);
    client.terminate();
    await shut(wss);
  });

  test('a peer that answers nothing is terminated (1006)', T, async () => {
    const { wss, port } = await listen({ heartbeat: { interval: 40, timeout: 40 } });
    const { raw, socket } = await rawPair(wss, port);
    const serverClosed = nextEvent(socket, 'close');
    await raw.closed;
    const frames = parseFrames(raw.received());
    assert.ok(frames.length >= 1);
    assert.ok(
      frames.every((f) => f.opcode === Opcode.Ping),
      'only pings, no Close frame',
    );
    assert.equal((await serverClosed)[0], 1006);
    assert.equal(wss.clients.size, 0);
    await shut(wss);
  });

  test('any frame from the peer counts as alive, not only pongs', T, async () => {
    const { wss, port } = await listen({ heartbeat: { interval: 40, timeout: 60 } });
    const { raw, socket } = await rawPair(wss, port);
    let messages = 0;
    socket.on('message', () => messages++);
    for (let i = 0; i < 20; i++) {
      raw.socket.write(clientFrame(Opcode.Text, `tick ${i}`));
      await sleep(15);
    }
    while (messages < 20) await once(socket, 'message');
    assert.equal(socket.readyState, socket.OPEN);
    raw.socket.destroy();
    await shut(wss);
  });
});

describe('idleTimeout', () => {
  test('a connection without messages is closed with 1001 "Idle timeout"', T, async () => {
    const { wss, url } = await listen({ idleTimeout: 80 });
    const client = await connect(url);
    assert.deepEqual(await closed(client), { code: 1001, reason: 'Idle timeout' });
    await shut(wss);
  });

  test('heartbeat pings and pongs do not count as activity', T, async () => {
    const { wss, url } = await listen({
      idleTimeout: 150,
      heartbeat: { interval: 20, timeout: 200 },
    });
    const client = await connect(url);
    let pings = 0;
    client.on('ping', () => pings++);
    assert.equal((await closed(client)).code, 1001);
    assert.ok(pings > 0);
    await shut(wss);
  });

  test('messages either way keep the connection', T, async () => {
    const { wss, url } = await listen({ idleTimeout: 100 });
    const accepted = nextConnection(wss);
    const client = await connect(url);
    const socket = await accepted;
    for (let i = 0; i < 10; i++) {
      if (i % 2 === 0) client.send('in');
      else socket.send('out');
      await sleep(30);
    }
    assert.equal(client.readyState, client.OPEN);
    client.terminate();
    await shut(wss);
  });
});
