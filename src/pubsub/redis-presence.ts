import type { AdapterHost } from './adapter.js';
import type { RedisClientLike } from './redis-client.js';

/**
 * Presence in Redis: how many sockets are subscribed to a topic across all processes.
 *
 * - `{prefix}presence:{topic}` is a hash of process id → that process's local count. Each
 *   process writes its own field when its count changes (coalesced to once per event-loop
 *   turn) and rewrites all of them on every heartbeat and after a reconnection (Redis may have
 *   restarted empty). The hash expires `ttl` ms after the last write of any process.
 * - `{prefix}process:{id}` exists while the process lives: every heartbeat sets it again with
 *   a `ttl` ms expiry. A reader counts only the fields of processes whose key exists, and
 *   deletes the others: a process that died without cleaning up drops out of every count at
 *   most `ttl` ms after its last heartbeat.
 */
export class RedisPresence {
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly processKey: string;
  private readonly flush = (): void => this.flushDirty();
  private readonly beat = (): void => this.refresh();

  constructor(
    private readonly client: RedisClientLike,
    private readonly host: AdapterHost,
    private readonly prefix: string,
    private readonly id: string,
    private readonly ttl: number,
    private readonly interval: number,
  ) {
    this.processKey = `${prefix}process:${id}`;
  }

  /** Announces this process and its counts, then keeps them alive. */
  async start(): Promise<void> {
    await this.client.pSetEx(this.processKey, this.ttl, '1');
    this.timer = setInterval(this.beat, this.interval);
    // Presence never keeps the process alive by itself.
    this.timer.unref();
    for (const topic of this.host.topics()) this.dirty.add(topic);
    this.flushDirty();
  }

  /** The local count of `topic` changed: written at the end of this turn. */
  changed(topic: string): void {
    this.dirty.add(topic);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** The heartbeat, and what follows a reconnection: the process key and every count again. */
  refresh(): void {
    if (!this.client.isReady) return;
    this.client.pSetEx(this.processKey, this.ttl, '1').catch(ignore);
    for (const topic of this.host.topics()) this.dirty.add(topic);
    this.flushDirty();
  }

  /** Sockets subscribed to `topic` in all live processes; this one's count is the local one. */
  async count(topic: string): Promise<number> {
    const key = this.topicKey(topic);
    const fields = (await this.client.hGetAll(key)) as Record<string, string>;
    const others: Promise<number>[] = [];
    for (const [id, value] of Object.entries(fields)) {
      if (id !== this.id) others.push(this.liveCount(key, id, Number(value)));
    }
    let total = this.host.subscriberCount(topic);
    for (const n of await Promise.all(others)) total += n;
    return total;
  }

  /** Withdraws this process: its fields and its key. Best effort (Redis may be away). */
  async stop(topics: Iterable<string>): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.dirty.clear();
    if (!this.client.isReady) return;
    const pending: Promise<unknown>[] = [this.client.del(this.processKey)];
    for (const topic of topics) pending.push(this.client.hDel(this.topicKey(topic), this.id));
    await Promise.allSettled(pending);
  }

  private async liveCount(key: string, id: string, value: number): Promise<number> {
    if ((await this.client.exists(`${this.prefix}process:${id}`)) > 0) {
      return Number.isFinite(value) ? value : 0;
    }
    // The process died without withdrawing: forget its field.
    this.client.hDel(key, id).catch(ignore);
    return 0;
  }

  /** Writes the counts that changed; kept for later while Redis is away. */
  private flushDirty(): void {
    this.flushScheduled = false;
    if (!this.client.isReady || this.timer === null) return;
    for (const topic of this.dirty) {
      const key = this.topicKey(topic);
      const count = this.host.subscriberCount(topic);
      if (count > 0) {
        this.client.hSet(key, this.id, String(count)).catch(ignore);
        this.client.pExpire(key, this.ttl).catch(ignore);
      } else {
        this.client.hDel(key, this.id).catch(ignore);
      }
    }
    this.dirty.clear();
  }

  private topicKey(topic: string): string {
    return `${this.prefix}presence:${topic}`;
  }
}

/** A presence write that failed (Redis away) is redone by the next heartbeat. */
function ignore(): void {}
