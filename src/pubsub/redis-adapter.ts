import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isValidUtf8 } from '../protocol/utf8.js';
import type { AdapterHost, PubSubAdapter } from './adapter.js';
import { decodeEnvelope, encodeEnvelope, isFrom, PROCESS_ID_LENGTH } from './envelope.js';
import {
  closeRedisClient,
  createRedisClient,
  type RedisBufferListener,
  type RedisClientLike,
} from './redis-client.js';
import { RedisPresence } from './redis-presence.js';

export interface RedisAdapterOptions {
  /** The Redis server, e.g. `redis://127.0.0.1:6379`. Default: node-redis's (localhost:6379). */
  url?: string;
  /**
   * A node-redis client of your own (`createClient()`), connected or not, instead of `url`: its
   * options (TLS, auth, reconnection) apply. The adapter uses a duplicate of it to subscribe,
   * and leaves the client itself open on `close()`.
   */
  client?: RedisClientLike;
  /** Prefix of every channel and key the adapter uses. Default `'wskit:'`. */
  prefix?: string;
  /** Milliseconds before an unreachable Redis fails `createRedisAdapter`. Default 5000. */
  connectTimeout?: number;
  /** Longest wait between two reconnection attempts after an outage, in ms. Default 2000. */
  maxReconnectDelay?: number;
  /**
   * Milliseconds after its last heartbeat before a process that died drops out of presence
   * counts. Default 15 000.
   */
  presenceTtl?: number;
  /** Milliseconds between presence heartbeats. Default `presenceTtl / 3`. */
  presenceInterval?: number;
}

/** What the adapter counted since it was created. */
export interface RedisAdapterStats {
  /** Local publishes Redis accepted. */
  published: number;
  /** Local publishes not carried to other processes: Redis was away or the command failed. */
  dropped: number;
  /** Publishes from other processes delivered here. */
  received: number;
  /** Messages on the adapter's channels that were not valid envelopes (or not UTF-8 text). */
  invalid: number;
}

export type PubSubErrorCode =
  /** The connection to Redis was lost; the adapter reconnects by itself. */
  | 'WS_PUBSUB_BROKER_DOWN'
  /** A publish could not be carried to other processes (see `stats.dropped`). */
  | 'WS_PUBSUB_PUBLISH_DROPPED';

export class PubSubError extends Error {
  override readonly name = 'PubSubError';
  constructor(
    readonly code: PubSubErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface RedisAdapterEventMap {
  /**
   * The first failure of an outage: the connection was lost, or a publish was dropped. Emitted
   * only when listened to, so that an outage never crashes the process; `stats` counts all.
   */
  error: [error: PubSubError];
  /** A connection to Redis was lost: publishes are delivered locally only until `'up'`. */
  down: [];
  /** Both connections are back and every topic is subscribed again. */
  up: [];
}

const DEFAULTS = {
  prefix: 'wskit:',
  connectTimeout: 5000,
  maxReconnectDelay: 2000,
  presenceTtl: 15_000,
} as const;

/**
 * Carries publishes between wskit processes through Redis Pub/Sub (one channel per topic,
 * `{prefix}{topic}`), and keeps presence counts in Redis hashes. Made by `createRedisAdapter`.
 *
 * While Redis is away, publishes are delivered to local subscribers only: they are not queued
 * for later (a burst of stale messages after an outage is worse than a gap for live data); each
 * is counted in `stats.dropped` and the first of an outage is reported as an `'error'`. Redis
 * Pub/Sub stores nothing: a process that is disconnected also misses what others publish
 * meanwhile.
 */
export class RedisAdapter extends EventEmitter<RedisAdapterEventMap> implements PubSubAdapter {
  /** This process's id (hex) in envelopes and presence. */
  readonly processId: string;
  readonly stats: RedisAdapterStats = { published: 0, dropped: 0, received: 0, invalid: 0 };
  private readonly origin: Buffer;
  private readonly prefix: string;
  private readonly prefixLength: number;
  private readonly pub: RedisClientLike;
  private readonly sub: RedisClientLike;
  private readonly ownsPub: boolean;
  private readonly presenceTtl: number;
  private readonly presenceInterval: number;
  private host: AdapterHost | null = null;
  private presenceStore: RedisPresence | null = null;
  private down = false;
  private downReported = false;
  private dropReported = false;
  private closed = false;
  /** Subscribe and unsubscribe commands not yet answered. */
  private readonly inFlight = new Set<Promise<unknown>>();

  private readonly onMessage: RedisBufferListener = (message, channel) =>
    this.receive(message, channel);
  private readonly onPublished = (): void => {
    this.stats.published++;
  };
  private readonly onPublishFailed = (error: unknown): void => this.dropped(error);
  private readonly onClientError = (error: Error): void => this.connectionLost(error);
  private readonly onReconnecting = (): void => this.connectionLost(null);
  private readonly onReady = (): void => this.connectionBack();

  /** @internal Use `createRedisAdapter`. */
  constructor(
    pub: RedisClientLike,
    sub: RedisClientLike,
    ownsPub: boolean,
    options: RedisAdapterOptions,
  ) {
    super();
    this.origin = randomBytes(PROCESS_ID_LENGTH);
    this.processId = this.origin.toString('hex');
    this.prefix = options.prefix ?? DEFAULTS.prefix;
    this.prefixLength = Buffer.byteLength(this.prefix);
    this.pub = pub;
    this.sub = sub;
    this.ownsPub = ownsPub;
    this.presenceTtl = positive('presenceTtl', options.presenceTtl, DEFAULTS.presenceTtl);
    this.presenceInterval = positive(
      'presenceInterval',
      options.presenceInterval,
      Math.max(1, Math.floor(this.presenceTtl / 3)),
    );
    for (const client of [pub, sub]) {
      client.on('error', this.onClientError);
      client.on('reconnecting', this.onReconnecting);
      client.on('ready', this.onReady);
    }
  }

  // ---- PubSubAdapter ----

  async attach(host: AdapterHost): Promise<void> {
    if (this.host !== null) throw new Error('A RedisAdapter serves one server');
    if (this.closed) throw new Error('This RedisAdapter is closed');
    this.host = host;
    for (const topic of host.topics()) this.subscribe(topic);
    this.presenceStore = new RedisPresence(
      this.pub,
      host,
      this.prefix,
      this.processId,
      this.presenceTtl,
      this.presenceInterval,
    );
    await Promise.all([this.settled(), this.presenceStore.start()]);
  }

  subscribe(topic: string): void {
    this.track(this.sub.subscribe(this.prefix + topic, this.onMessage, true));
  }

  unsubscribe(topic: string): void {
    this.track(this.sub.unsubscribe(this.prefix + topic, this.onMessage, true));
  }

  countChanged(topic: string): void {
    this.presenceStore?.changed(topic);
  }

  publish(topic: string, payload: Uint8Array, binary: boolean): void {
    if (!this.pub.isReady) {
      this.dropped(null);
      return;
    }
    const envelope = encodeEnvelope(this.origin, binary, payload);
    this.pub.publish(this.prefix + topic, envelope).then(this.onPublished, this.onPublishFailed);
  }

  presence(topic: string): Promise<number> {
    if (this.presenceStore === null)
      return Promise.reject(new Error('The adapter is not attached'));
    return this.presenceStore.count(topic);
  }

  /** Withdraws this process's presence and closes the connections (not a client you passed). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const host = this.host;
    await this.presenceStore?.stop(host === null ? [] : host.topics());
    this.host = null;
    for (const client of [this.pub, this.sub]) {
      client.off('reconnecting', this.onReconnecting);
      client.off('ready', this.onReady);
    }
    await closeRedisClient(this.sub);
    if (this.ownsPub) await closeRedisClient(this.pub);
    // Errors of a closing connection are expected: the listeners go last.
    this.sub.off('error', this.onClientError);
    if (this.ownsPub) this.pub.off('error', this.onClientError);
  }

  /** Resolves once every subscribe and unsubscribe sent so far is answered (or failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  // ---- internals ----

  private receive(message: Buffer, channel: Buffer): void {
    const host = this.host;
    // Our own publish came back: its local subscribers already have it.
    if (host === null || isFrom(message, this.origin)) return;
    const envelope = decodeEnvelope(message);
    // Text goes out as a text frame: it must be UTF-8 (RFC 6455 §8.1), whoever published it.
    if (envelope === null || (!envelope.binary && !isValidUtf8(envelope.payload))) {
      this.stats.invalid++;
      return;
    }
    this.stats.received++;
    host.deliver(channel.toString('utf8', this.prefixLength), envelope.payload, envelope.binary);
  }

  private track(command: Promise<unknown>): void {
    const tracked = command.then(undefined, (error: unknown) => {
      // Not subscribed now: `connectionBack` subscribes again to every topic wanted.
      this.connectionLost(error instanceof Error ? error : new Error(String(error)));
    });
    this.inFlight.add(tracked);
    tracked.then(() => this.inFlight.delete(tracked));
  }

  private dropped(error: unknown): void {
    this.stats.dropped++;
    if (this.dropReported) return;
    this.dropReported = true;
    this.report(
      new PubSubError(
        'WS_PUBSUB_PUBLISH_DROPPED',
        'Redis is unreachable: publishes reach this process only until it is back (stats.dropped counts them)',
        error instanceof Error ? { cause: error } : undefined,
      ),
    );
  }

  private connectionLost(error: Error | null): void {
    if (this.closed) return;
    if (!this.down) {
      this.down = true;
      this.emit('down');
    }
    if (error !== null && !this.downReported) {
      this.downReported = true;
      this.report(
        new PubSubError('WS_PUBSUB_BROKER_DOWN', `Redis connection lost: ${error.message}`, {
          cause: error,
        }),
      );
    }
  }

  /** A connection is ready again: once both are, every topic is subscribed and presence rewritten. */
  private connectionBack(): void {
    if (!this.down || this.closed || !this.pub.isReady || !this.sub.isReady) return;
    const host = this.host;
    // node-redis re-subscribes the channels it had confirmed; a subscribe that failed during the
    // outage is sent again here (a channel already subscribed costs no command).
    if (host !== null) for (const topic of host.topics()) this.subscribe(topic);
    this.presenceStore?.refresh();
    this.settled().then(() => {
      if (this.closed || !this.pub.isReady || !this.sub.isReady) return;
      this.down = false;
      this.downReported = false;
      this.dropReported = false;
      this.emit('up');
    });
  }

  private report(error: PubSubError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

/**
 * Connects to Redis and returns an adapter for `server.useAdapter(adapter)`. Rejects within
 * `connectTimeout` (default 5 s) when Redis cannot be reached. Loads the `redis` package (an
 * optional peer dependency) only when no `client` is given.
 */
export async function createRedisAdapter(options: RedisAdapterOptions = {}): Promise<RedisAdapter> {
  const connectTimeout = positive(
    'connectTimeout',
    options.connectTimeout,
    DEFAULTS.connectTimeout,
  );
  const ownsPub = options.client === undefined;
  const pub =
    options.client ??
    (await createRedisClient({
      url: options.url,
      connectTimeout,
      maxReconnectDelay: positive(
        'maxReconnectDelay',
        options.maxReconnectDelay,
        DEFAULTS.maxReconnectDelay,
      ),
    }));
  // Until the adapter listens, a connection error must not be an unhandled 'error' event.
  const swallow = (): void => {};
  pub.on('error', swallow);
  let sub: RedisClientLike | null = null;
  try {
    await withTimeout(connectClient(pub), connectTimeout);
    sub = pub.duplicate();
    sub.on('error', swallow);
    await withTimeout(connectClient(sub), connectTimeout);
  } catch (error) {
    if (sub !== null) await closeRedisClient(sub);
    if (ownsPub) await closeRedisClient(pub);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Could not connect to Redis${at(options.url)}: ${reason}`, { cause: error });
  } finally {
    pub.off('error', swallow);
    sub?.off('error', swallow);
  }
  return new RedisAdapter(pub, sub, ownsPub, options);
}

function connectClient(client: RedisClientLike): Promise<unknown> {
  return client.isOpen ? Promise.resolve() : client.connect();
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function at(url: string | undefined): string {
  if (url === undefined) return '';
  try {
    const parsed = new URL(url);
    return ` at ${parsed.host}`; // never the password
  } catch {
    return '';
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new RangeError(`The "${name}" option must be a positive number`);
  }
  return value;
}
