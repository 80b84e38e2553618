// The part of the `redis` package (node-redis 4 and 5) that RedisAdapter uses, declared here so
// that wskit's types never name `redis`: it is an optional peer, loaded only when asked for.

/** `(message, channel)` of a subscription in buffer mode. */
export type RedisBufferListener = (message: Buffer, channel: Buffer) => unknown;

/**
 * A node-redis client (`createClient()` of the `redis` package, 4.x or 5.x), as far as the
 * adapter needs it. Pass your own to `createRedisAdapter({ client })` to choose its options.
 */
export interface RedisClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  duplicate(): RedisClientLike;
  on(event: string, listener: (error: Error) => void): unknown;
  off(event: string, listener: (error: Error) => void): unknown;
  publish(channel: string, message: Buffer): Promise<unknown>;
  subscribe(channel: string, listener: RedisBufferListener, bufferMode: true): Promise<unknown>;
  unsubscribe(channel: string, listener: RedisBufferListener, bufferMode: true): Promise<unknown>;
  hSet(key: string, field: string, value: string): Promise<unknown>;
  hDel(key: string, field: string): Promise<unknown>;
  hGetAll(key: string): Promise<unknown>;
  pExpire(key: string, milliseconds: number): Promise<unknown>;
  pSetEx(key: string, milliseconds: number, value: string): Promise<unknown>;
  exists(key: string): Promise<number>;
  del(key: string): Promise<unknown>;
  /** node-redis 5: waits for pending commands, then closes. */
  close?(): Promise<unknown>;
  /** node-redis 4 (deprecated in 5). */
  quit?(): Promise<unknown>;
  /** node-redis 5: closes at once, rejecting pending commands. */
  destroy?(): void;
  /** node-redis 4 (deprecated in 5). */
  disconnect?(): Promise<unknown>;
}

/** Options of the client RedisAdapter creates. */
export interface RedisConnectOptions {
  readonly url: string | undefined;
  readonly connectTimeout: number;
  /** Longest wait between two reconnection attempts, in ms. */
  readonly maxReconnectDelay: number;
}

/**
 * Loads `redis` (dynamic import: only when an adapter is created without a client) and creates
 * a client that gives up within `connectTimeout` while it has never connected, and reconnects
 * forever, with a backoff, once it has.
 */
export async function createRedisClient(options: RedisConnectOptions): Promise<RedisClientLike> {
  let redis: typeof import('redis');
  try {
    redis = await import('redis');
  } catch (error) {
    throw new Error(
      'createRedisAdapter needs the "redis" package (npm install redis), or a client passed as { client }',
      { cause: error },
    );
  }
  const started = Date.now();
  let connected = false;
  const client = redis.createClient({
    ...(options.url === undefined ? {} : { url: options.url }),
    // A publish while Redis is away fails at once (and is counted) instead of waiting in an
    // unbounded queue.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeout,
      reconnectStrategy: (retries: number, cause: Error) => {
        if (!connected && Date.now() - started >= options.connectTimeout) {
          return new Error(`Redis unreachable: ${cause.message}`, { cause });
        }
        return Math.min(50 * 2 ** Math.min(retries, 10), options.maxReconnectDelay);
      },
    },
  });
  client.on('ready', () => {
    connected = true;
  });
  return client as unknown as RedisClientLike;
}

/** Closes a client: politely when it is connected, at once otherwise. Never rejects. */
export async function closeRedisClient(client: RedisClientLike): Promise<void> {
  try {
    if (client.isReady) {
      if (client.close !== undefined) await client.close();
      else if (client.quit !== undefined) await client.quit();
      return;
    }
    if (!client.isOpen) return;
    if (client.destroy !== undefined) client.destroy();
    else if (client.disconnect !== undefined) await client.disconnect();
  } catch {
    // Already closed, or the connection died meanwhile: nothing is left to close.
  }
}
