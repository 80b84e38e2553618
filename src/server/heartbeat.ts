import { performance } from 'node:perf_hooks';
import type { HeartbeatOptions } from './options.js';

/**
 * Liveness and idleness, checked by one timer per server that sweeps every socket, rather than a
 * timer per socket: a socket carries a few numbers, and nothing is done per message beyond
 * setting a flag. The sweep reads `socket.bytesRead`, so any frame counts as a sign of life —
 * including part of a large message still arriving — without a per-chunk hook.
 */

/** Per-socket bookkeeping; a socket has one only when a heartbeat or idle timeout is set. */
export class Liveness {
  /** `bytesRead` of the socket at the last sweep. */
  lastRead: number;
  /** When bytes last arrived (sweep resolution). */
  lastSeen: number;
  /** When a data message was last sent or received (sweep resolution). */
  lastActive: number;
  /** When our heartbeat ping went out; -1 while none is awaited. */
  pingSentAt = -1;
  /** A data message was sent or received since the last sweep. */
  active = false;
  /** A ping or pong arrived since the last sweep: its bytes are not data. */
  control = false;

  constructor(bytesRead: number, now: number) {
    this.lastRead = bytesRead;
    this.lastSeen = now;
    this.lastActive = now;
  }
}

/** What the sweep needs from a socket. */
export interface Watched {
  readonly liveness: Liveness | null;
  readonly readyState: number;
  readonly bytesReceived: number;
  /** Sends the heartbeat's ping. */
  heartbeatPing(): void;
  terminate(): void;
  close(code: number, reason: string): void;
}

export function now(): number {
  return performance.now();
}

/** The sweep: one interval timer per server, running only while there are sockets to watch. */
export class Sweeper {
  private readonly sockets: ReadonlySet<Watched>;
  private readonly heartbeat: HeartbeatOptions | null;
  private readonly idleTimeout: number;
  /** Half the shortest period: a deadline is acted on at most this late. */
  readonly period: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly tick = (): void => this.sweep();

  constructor(
    sockets: ReadonlySet<Watched>,
    heartbeat: HeartbeatOptions | null,
    idleTimeout: number,
  ) {
    this.sockets = sockets;
    this.heartbeat = heartbeat;
    this.idleTimeout = idleTimeout;
    const periods = [idleTimeout];
    if (heartbeat !== null) periods.push(heartbeat.interval, heartbeat.timeout);
    this.period = Math.max(5, Math.min(...periods.filter((p) => p > 0)) / 2);
  }

  /** True when sockets need a Liveness record. */
  get enabled(): boolean {
    return this.heartbeat !== null || this.idleTimeout > 0;
  }

  start(): void {
    if (this.timer !== null || !this.enabled) return;
    this.timer = setInterval(this.tick, this.period);
    // The sweep never keeps the process alive on its own: the sockets it watches do.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private sweep(): void {
    if (this.sockets.size === 0) {
      this.stop();
      return;
    }
    const t = now();
    const heartbeat = this.heartbeat;
    const idle = this.idleTimeout;
    for (const socket of this.sockets) {
      const l = socket.liveness;
      if (l === null || socket.readyState !== 1) continue;
      const read = socket.bytesReceived;
      if (read !== l.lastRead) {
        // Bytes in a period without a complete ping or pong are (part of) a data message.
        if (!l.control) l.active = true;
        l.lastRead = read;
        l.lastSeen = t;
        l.pingSentAt = -1;
      }
      l.control = false;
      if (l.active) {
        l.active = false;
        l.lastActive = t;
      }
      if (idle > 0 && t - l.lastActive >= idle) {
        // 1001 "going away" (RFC 6455 §7.4.1); the close timeout ends a peer that does not answer.
        socket.close(1001, 'Idle timeout');
        continue;
      }
      if (heartbeat === null) continue;
      if (l.pingSentAt >= 0) {
        if (t - l.pingSentAt >= heartbeat.timeout) socket.terminate();
      } else if (t - l.lastSeen >= heartbeat.interval) {
        l.pingSentAt = t;
        socket.heartbeatPing();
      }
    }
  }
}
