/** The default process-wide limit on zlib operations in flight, as ws has it. */
export const DEFAULT_ZLIB_CONCURRENCY = 10;

/** A job holds a slot until it calls `release` (extra calls are ignored). */
export type ZlibJob = (release: () => void) => void;

/**
 * A FIFO queue that runs at most `limit` zlib operations at once, for the whole process.
 *
 * Why: every compress or decompress runs in libuv's thread pool and allocates zlib's window
 * and output buffers while it runs. With thousands of connections each starting one operation
 * per message, an unbounded burst keeps thousands of those allocations alive at the same time
 * and fragments the heap badly, so RSS grows far beyond the live data (nodejs/node#8871,
 * websockets/ws#1202). A small limit keeps the burst, and the peak memory, bounded; the queue
 * keeps each connection's operations in the order they were asked for.
 */
export class ZlibLimiter {
  private max: number;
  private running = 0;
  private readonly queue: ZlibJob[] = [];
  private head = 0;

  constructor(limit: number) {
    this.max = checkLimit(limit);
  }

  get limit(): number {
    return this.max;
  }

  set limit(limit: number) {
    this.max = checkLimit(limit);
    this.next();
  }

  /** Operations holding a slot now. */
  get active(): number {
    return this.running;
  }

  /** Operations waiting for a slot. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Runs `job` now if a slot is free, or later in FIFO order. */
  run(job: ZlibJob): void {
    this.queue.push(job);
    this.next();
  }

  private next(): void {
    while (this.running < this.max && this.head < this.queue.length) {
      const job = this.queue[this.head]!;
      this.queue[this.head++] = noop;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
        // Under steady load the queue never empties: drop the slots already run, or the array
        // would grow by one slot per operation for as long as the load lasts.
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.running++;
      let released = false;
      job(() => {
        if (released) return;
        released = true;
        this.running--;
        this.next();
      });
    }
  }
}

function noop(): void {}

/** Slots already run that are dropped at once, in one splice (amortized over as many runs). */
const COMPACT_AFTER = 1024;

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`The zlib concurrency limit must be a positive integer, got ${limit}`);
  }
  return limit;
}

/** The one limiter every connection's permessage-deflate work goes through. */
export const zlibLimiter = new ZlibLimiter(DEFAULT_ZLIB_CONCURRENCY);
