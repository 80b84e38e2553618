import { createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';
import { zlibLimiter } from './zlib-limiter.js';

/**
 * zlib's output granularity. Inflated size is checked per chunk, so a bomb is stopped within
 * 16 KiB of the limit; each live stream also holds one chunk as its output buffer.
 */
const CHUNK_SIZE = 16 * 1024;

/** Whoever uses a pooled stream now: it gets the stream's output and its error. */
export interface StreamUser {
  onData(chunk: Buffer): void;
  onError(error: Error): void;
}

/** A zlib stream whose listeners are bound once; `user` says where its output goes. */
export interface PooledStream<S extends DeflateRaw | InflateRaw> {
  readonly stream: S;
  /** The configuration it was made with: only a stream of the same one may take its place. */
  readonly key: string;
  user: StreamUser | null;
  /** zlib failed, which closes the stream: it is never reused. */
  broken: boolean;
}

/** How a compressor is configured (`deflateInit2`). */
export interface DeflateSettings {
  readonly windowBits: number;
  readonly level: number;
  readonly memLevel: number;
  readonly strategy: number;
}

type AnyStream = PooledStream<DeflateRaw | InflateRaw>;

/**
 * Idle zlib streams, reset, for connections to take instead of creating new ones.
 *
 * Why: without context takeover (RFC 7692 §7.1.1) a connection needs a context for the length of
 * one message only. Creating a zlib stream costs far more than compressing a small message
 * (deflateInit2 allocates about 256 KiB; Node builds a stream object and a handle around it), and
 * keeping one per connection, as ws does, costs that memory on every connection, idle or not.
 * Here a connection takes a stream from the pool for a message and gives it back, reset
 * (`deflateReset`, `inflateReset`: cheap), when the message is done. At most `concurrencyLimit`
 * streams work at once (the limiter), so at most that many of each configuration wait here; a
 * stream given back when that many wait is closed.
 */
export class ZlibPool {
  private readonly idle = new Map<string, AnyStream[]>();
  private readonly maxIdle: () => number;

  constructor(maxIdle: () => number) {
    this.maxIdle = maxIdle;
  }

  /** Streams waiting, over all configurations. */
  get size(): number {
    let size = 0;
    for (const list of this.idle.values()) size += list.length;
    return size;
  }

  deflater(settings: DeflateSettings, user: StreamUser): PooledStream<DeflateRaw> {
    const { windowBits, level, memLevel, strategy } = settings;
    const key = `deflate ${windowBits} ${level} ${memLevel} ${strategy}`;
    const pooled = this.take(key, user) as PooledStream<DeflateRaw> | undefined;
    if (pooled !== undefined) return pooled;
    const stream = createDeflateRaw({
      windowBits,
      level,
      memLevel,
      strategy,
      chunkSize: CHUNK_SIZE,
    });
    return bind({ stream, key, user, broken: false });
  }

  inflater(windowBits: number, user: StreamUser): PooledStream<InflateRaw> {
    const key = `inflate ${windowBits}`;
    const pooled = this.take(key, user) as PooledStream<InflateRaw> | undefined;
    if (pooled !== undefined) return pooled;
    return bind({
      stream: createInflateRaw({ windowBits, chunkSize: CHUNK_SIZE }),
      key,
      user,
      broken: false,
    });
  }

  /**
   * Takes back a stream whose last operation has completed: it is reset and waits for the next
   * user, or is closed when enough wait. A stream with work in flight must be `discard`ed instead:
   * its output would reach the next user.
   */
  release(pooled: AnyStream): void {
    pooled.user = null;
    if (pooled.broken || pooled.stream.destroyed) return;
    let list = this.idle.get(pooled.key);
    if (list === undefined) {
      list = [];
      this.idle.set(pooled.key, list);
    }
    if (list.length >= this.maxIdle()) {
      pooled.stream.close();
      return;
    }
    pooled.stream.reset();
    list.push(pooled);
  }

  /** Closes a stream that cannot be reused: work in flight, a failure, an ended DEFLATE stream. */
  discard(pooled: AnyStream): void {
    pooled.user = null;
    pooled.broken = true;
    pooled.stream.close();
  }

  /** Closes every waiting stream. */
  clear(): void {
    for (const list of this.idle.values()) for (const pooled of list) pooled.stream.close();
    this.idle.clear();
  }

  private take(key: string, user: StreamUser): AnyStream | undefined {
    const pooled = this.idle.get(key)?.pop();
    if (pooled !== undefined) pooled.user = user;
    return pooled;
  }
}

function bind<S extends DeflateRaw | InflateRaw>(pooled: PooledStream<S>): PooledStream<S> {
  pooled.stream.on('data', (chunk: Buffer) => pooled.user?.onData(chunk));
  pooled.stream.on('error', (error: Error) => {
    pooled.broken = true; // zlib closes a stream that failed
    pooled.user?.onError(error);
  });
  return pooled;
}

/** The one pool of the process, as large as the limiter lets zlib work at once. */
export const zlibPool = new ZlibPool(() => zlibLimiter.limit);
