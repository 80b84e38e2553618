import { byteLength, type SendData, toPayload } from '../server/payload.js';
import type { AdapterHost, PubSubAdapter } from './adapter.js';
import { PublishedMessage } from './message.js';

/** The longest topic, in UTF-8 bytes. */
export const MAX_TOPIC_LENGTH = 256;

export interface PublishOptions {
  /** Send a binary message. Default: true unless `data` is a string (or a number). */
  binary?: boolean;
  /**
   * false publishes the message uncompressed to every subscriber. Default true: subscribers
   * with permessage-deflate and no context takeover get one shared compressed frame when the
   * message reaches their `threshold` (see docs/pubsub.md).
   */
  compress?: boolean;
}

/** @internal What the hub needs from a socket. */
export interface Subscriber {
  /** The socket's topics, kept by the hub; null until its first subscription. */
  subscriptions: Set<string> | null;
  readonly readyState: number;
  /** Writes the shared frame, or applies the backpressure policy. False if not written. */
  deliver(message: PublishedMessage): boolean;
}

/**
 * @internal A server's topics: which sockets want which topic, publishing to them, and the
 * adapter that carries publishes to other processes. One per server.
 */
export class TopicHub implements AdapterHost {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly maxTopicsPerSocket: number;
  private readonly maxPayload: number;
  private adapterInUse: PubSubAdapter | null = null;

  constructor(maxTopicsPerSocket: number, maxPayload: number) {
    this.maxTopicsPerSocket = maxTopicsPerSocket;
    this.maxPayload = maxPayload;
  }

  get adapter(): PubSubAdapter | null {
    return this.adapterInUse;
  }

  /** Adds `socket` to `topic`; false if it was already there or is not open. */
  subscribe(socket: Subscriber, topic: string): boolean {
    checkTopic(topic);
    if (socket.readyState !== 1) return false;
    let mine = socket.subscriptions;
    if (mine?.has(topic)) return false;
    if (mine !== null && mine.size >= this.maxTopicsPerSocket) {
      throw new RangeError(
        `A socket may subscribe to at most ${this.maxTopicsPerSocket} topics (maxTopicsPerSocket)`,
      );
    }
    if (mine === null) mine = socket.subscriptions = new Set();
    mine.add(topic);
    let sockets = this.subscribers.get(topic);
    if (sockets === undefined) {
      sockets = new Set();
      this.subscribers.set(topic, sockets);
      this.adapterInUse?.subscribe(topic);
    }
    sockets.add(socket);
    this.adapterInUse?.countChanged(topic);
    return true;
  }

  /** Removes `socket` from `topic`; false if it was not there. */
  unsubscribe(socket: Subscriber, topic: string): boolean {
    checkTopic(topic);
    if (socket.subscriptions?.delete(topic) !== true) return false;
    this.leave(socket, topic);
    return true;
  }

  /** A socket is gone: it leaves all its topics. */
  removeSocket(socket: Subscriber): void {
    const mine = socket.subscriptions;
    if (mine === null) return;
    socket.subscriptions = null;
    for (const topic of mine) this.leave(socket, topic);
  }

  subscriberCount(topic: string): number {
    return this.subscribers.get(topic)?.size ?? 0;
  }

  topics(): IterableIterator<string> {
    return this.subscribers.keys();
  }

  /**
   * Frames `data` once and writes it to every local subscriber of `topic` but `except`, then
   * hands it to the adapter. Returns the number of local sockets it was written to.
   */
  publish(
    topic: string,
    data: SendData,
    options: PublishOptions | undefined,
    except: Subscriber | null,
  ): number {
    checkTopic(topic);
    const payload = toPayload(data);
    const length = byteLength(payload);
    if (length > this.maxPayload) {
      throw new RangeError(
        `The message is ${length} bytes, over the server's maxPayload of ${this.maxPayload}`,
      );
    }
    const binary = options?.binary ?? typeof payload !== 'string';
    const sockets = this.subscribers.get(topic);
    const adapter = this.adapterInUse;
    if (sockets === undefined && adapter === null) return 0;
    const compress = options?.compress ?? true;
    const message = new PublishedMessage(data, payload, length, binary, compress);
    const delivered = sockets === undefined ? 0 : this.deliverTo(sockets, message, except);
    adapter?.publish(topic, message.payloadBytes(), binary);
    return delivered;
  }

  /** AdapterHost: a publish from another process. */
  deliver(topic: string, payload: Buffer, binary: boolean): void {
    const sockets = this.subscribers.get(topic);
    if (sockets === undefined) return;
    const message = new PublishedMessage(payload, payload, payload.length, binary, true);
    this.deliverTo(sockets, message, null);
  }

  /** Binds an adapter (once); resolves when it carries messages. */
  async useAdapter(adapter: PubSubAdapter): Promise<void> {
    if (this.adapterInUse !== null) throw new Error('This server already uses an adapter');
    this.adapterInUse = adapter;
    try {
      await adapter.attach(this);
    } catch (error) {
      this.adapterInUse = null;
      throw error;
    }
  }

  /** Subscribers across all processes (the adapter's presence), or the local count without one. */
  presence(topic: string): Promise<number> {
    checkTopic(topic);
    const adapter = this.adapterInUse;
    return adapter === null
      ? Promise.resolve(this.subscriberCount(topic))
      : adapter.presence(topic);
  }

  /** The server closed: the adapter leaves the broker. */
  async close(): Promise<void> {
    const adapter = this.adapterInUse;
    this.adapterInUse = null;
    if (adapter !== null) await adapter.close();
  }

  private deliverTo(
    sockets: Set<Subscriber>,
    message: PublishedMessage,
    except: Subscriber | null,
  ): number {
    let delivered = 0;
    for (const socket of sockets) {
      if (socket !== except && socket.deliver(message)) delivered++;
    }
    return delivered;
  }

  private leave(socket: Subscriber, topic: string): void {
    const sockets = this.subscribers.get(topic);
    if (sockets === undefined || !sockets.delete(socket)) return;
    if (sockets.size === 0) {
      this.subscribers.delete(topic);
      this.adapterInUse?.unsubscribe(topic);
    }
    this.adapterInUse?.countChanged(topic);
  }
}

/** A topic is a non-empty string of at most MAX_TOPIC_LENGTH UTF-8 bytes. */
function checkTopic(topic: string): void {
  if (typeof topic !== 'string' || topic.length === 0) {
    throw new TypeError('A topic must be a non-empty string');
  }
  // A UTF-16 code unit takes at most 3 UTF-8 bytes: most topics need no count.
  if (topic.length * 3 > MAX_TOPIC_LENGTH && Buffer.byteLength(topic) > MAX_TOPIC_LENGTH) {
    throw new RangeError(`A topic may be at most ${MAX_TOPIC_LENGTH} UTF-8 bytes`);
  }
}
