import { now } from './heartbeat.js';

/** What a pending handshake must offer to be timed out. */
export interface Abortable {
  abort(status: number, body: string): void;
}

/**
 * @internal The upgrades whose hooks are running, each with `handshakeTimeout` to decide, under
 * one timer per server instead of a timer (a Timeout object and a closure, ~400 bytes) per
 * handshake. Every handshake gets the same timeout and a Map keeps insertion order, so the first
 * entry always has the earliest deadline: the timer is armed for it alone, and when it fires it
 * aborts what has expired and is armed again for the oldest one left.
 *
 * An upgrade that settles only leaves the Map: the timer stays armed (unref'd: the sockets keep
 * the process alive, not it) and finds nothing to do, so that handshakes settling one after the
 * other do not each start and clear a timer.
 */
export class PendingUpgrades<U extends Abortable> {
  private readonly timeout: number;
  private readonly clock: () => number;
  /** Upgrade → its deadline (`clock()` milliseconds), oldest first. */
  private readonly deadlines = new Map<U, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly expire = (): void => this.abortExpired();

  /** `clock` is for tests; milliseconds, monotonic. */
  constructor(timeout: number, clock: () => number = now) {
    this.timeout = timeout;
    this.clock = clock;
  }

  get size(): number {
    return this.deadlines.size;
  }

  add(upgrade: U): void {
    this.deadlines.set(upgrade, this.clock() + this.timeout);
    if (this.timer === null) this.arm(this.timeout);
  }

  delete(upgrade: U): void {
    this.deadlines.delete(upgrade);
  }

  /** Aborts every pending upgrade (server shutdown) and stops the timer. */
  abortAll(status: number, body: string): void {
    for (const upgrade of [...this.deadlines.keys()]) upgrade.abort(status, body);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private abortExpired(): void {
    this.timer = null;
    const time = this.clock();
    // `abort` deletes the entry being visited, which a Map's iteration allows.
    for (const [upgrade, deadline] of this.deadlines) {
      if (deadline > time) {
        this.arm(deadline - time);
        return;
      }
      upgrade.abort(503, 'Handshake timed out');
    }
  }

  private arm(ms: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(this.expire, Math.ceil(ms));
    this.timer.unref();
  }
}
