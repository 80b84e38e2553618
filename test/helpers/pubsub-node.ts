// One wskit server process on Redis, for the cross-process tests (run from build/ by
// test/helpers/redis.ts): `node pubsub-node.js REDIS_URL PRESENCE_TTL_MS`.
//
// Its clients speak a small text protocol: "sub TOPIC" subscribes (answered "subscribed TOPIC"
// once Redis confirmed), "unsub TOPIC" (answered "unsubscribed TOPIC"), "pub TOPIC TEXT"
// publishes to the others (`socket.publish`). The parent drives the process over IPC.
import { once } from 'node:events';
import { createRedisAdapter, WebSocketServer } from '../../src/index.js';

const [redisUrl, ttlText] = process.argv.slice(2);
const presenceTtl = Number(ttlText);
const send = (message: unknown): void => {
  process.send?.(message);
};

const adapter = await createRedisAdapter({
  url: redisUrl!,
  presenceTtl,
  presenceInterval: Math.max(50, Math.floor(presenceTtl / 4)),
  maxReconnectDelay: 100,
  connectTimeout: 3000,
});
adapter.on('down', () => send({ type: 'event', name: 'down' }));
adapter.on('up', () => send({ type: 'event', name: 'up' }));
adapter.on('error', (error) => send({ type: 'event', name: 'error', code: error.code }));

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
const listening = once(wss, 'listening');
await wss.useAdapter(adapter);
wss.on('connection', (socket) => {
  socket.on('message', async (data) => {
    const text = String(data);
    const [verb, topic] = text.split(' ', 2) as [string, string];
    if (verb === 'sub') {
      socket.subscribe(topic);
      await adapter.settled();
      socket.send(`subscribed ${topic}`);
    } else if (verb === 'unsub') {
      socket.unsubscribe(topic);
      await adapter.settled();
      socket.send(`unsubscribed ${topic}`);
    } else if (verb === 'pub') {
      socket.publish(topic, text.slice(verb.length + topic.length + 2));
    }
  });
});
await listening;

interface Command {
  id: number;
  cmd: string;
  args: unknown[];
}

process.on('message', async ({ id, cmd, args }: Command) => {
  try {
    send({ type: 'reply', id, value: await run(cmd, args) });
  } catch (error) {
    send({ type: 'reply', id, value: { error: String(error) } });
  }
});

async function run(cmd: string, args: unknown[]): Promise<unknown> {
  let value: unknown = null;
  if (cmd === 'publish') {
    const [topic, data, binary] = args as [string, string, boolean];
    value = wss.publish(topic, binary ? Buffer.from(data, 'base64') : data, { binary });
  } else if (cmd === 'presence') {
    value = await wss.presence(args[0] as string);
  } else if (cmd === 'count') {
    value = wss.subscriberCount(args[0] as string);
  } else if (cmd === 'stats') {
    value = { ...adapter.stats };
  } else if (cmd === 'exit') {
    await wss.close({ timeout: 500 });
    process.exit(0);
  }
  return value;
}

const address = wss.address();
send({
  type: 'ready',
  port: typeof address === 'object' && address !== null ? address.port : 0,
  processId: adapter.processId,
});
