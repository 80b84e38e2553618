/**
 * The contract between a server's topics and a message broker that carries publishes between
 * processes (Redis, NATS, Postgres LISTEN/NOTIFY…). A server calls these methods; the adapter
 * calls back the `AdapterHost` it was attached to. `RedisAdapter` is the one implementation.
 *
 * What an adapter MUST do:
 * - `publish` sends the message to every other process attached to the same broker; each of them
 *   delivers it to its own subscribers exactly once. The publishing process has already
 *   delivered it to its own subscribers, so the adapter MUST NOT hand its own publish back to
 *   `host.deliver` (tag it with a process id and skip it on receipt).
 * - Payloads are bytes and MUST arrive unchanged, with their text/binary flag.
 * - `subscribe` is called once per topic when its first local socket subscribes and
 *   `unsubscribe` when its last one leaves: the adapter holds one broker subscription per
 *   topic, however many sockets want it. After a broker outage the adapter re-subscribes by
 *   itself (`host.topics()` lists what is wanted).
 * - A publish it cannot carry (broker unreachable) is never lost silently: it is counted and
 *   reported (an `'error'` event), and never blocks or throws into `server.publish`.
 * - `attach` rejects, within a bounded time, when the broker is unreachable.
 */
export interface PubSubAdapter {
  /**
   * Binds the adapter to a server's topics (once), subscribes to the topics the host already
   * has, and starts presence reporting. Resolves when messages can flow.
   */
  attach(host: AdapterHost): Promise<void>;
  /** The first local socket subscribed to `topic`: receive the other processes' publishes. */
  subscribe(topic: string): void;
  /** The last local socket left `topic`. */
  unsubscribe(topic: string): void;
  /** The number of local subscribers to `topic` changed (`host.subscriberCount`): for presence. */
  countChanged(topic: string): void;
  /** Sends a local publish to the other processes. `payload` is only read during the call. */
  publish(topic: string, payload: Uint8Array, binary: boolean): void;
  /** Sockets subscribed to `topic` across all live processes. */
  presence(topic: string): Promise<number>;
  /** Leaves the broker: unsubscribes, withdraws this process's presence, closes connections. */
  close(): Promise<void>;
}

/** What an adapter calls back: the server's topics. */
export interface AdapterHost {
  /** A publish from another process: deliver it to the local subscribers of `topic`. */
  deliver(topic: string, payload: Buffer, binary: boolean): void;
  /** Local sockets subscribed to `topic`. */
  subscriberCount(topic: string): number;
  /** The topics with at least one local subscriber. */
  topics(): IterableIterator<string>;
}
