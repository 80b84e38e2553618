import { frameRegion } from '../protocol/mask-simd.js';

/**
 * Buffers for masked client frames of 4 KiB to 1 MiB, inside the masking module's memory
 * (`frameRegion`): a frame is masked where it lies, with one copy of the payload and no buffer
 * to allocate, and written from there. A fresh Buffer of 64 KiB costs more than masking it (it
 * is new memory to the allocator and to V8's external-memory accounting); ws's client pays it
 * for every frame.
 *
 * The transport takes a block for a frame (`take`) and gives it back once the socket is done
 * with its bytes: in the write's callback, which Node runs after the kernel has copied them, or
 * with an error once the write can no longer happen. Blocks are whole 4 KiB pages, reused by
 * frames of the same page count (or, once the region is carved out, by smaller ones), all carved
 * anew once none is out. When the region is full, or
 * WebAssembly is unavailable, `take` returns null and the frame is allocated as any other.
 */

/** Frames from this size up come from the pool: below it, Node's own pooled Buffers are cheap. */
export const POOLED_MIN = 4096;
/** And up to this size (a 1 MiB payload and the longest client header). */
export const POOLED_MAX = 1024 * 1024 + 14;

const PAGE = 4096;
/**
 * Blocks start half a page into a page: a frame's payload then sits far, modulo the page size,
 * from where an allocator puts a Buffer's bytes, and memcpy between addresses a few bytes apart
 * modulo 4 KiB runs at a tenth of its speed on some x86 CPUs.
 */
const PHASE = PAGE / 2;

export class FramePool {
  private readonly buffer: ArrayBuffer;
  private readonly base: number;
  private readonly limit: number;
  /** Where the next block is carved. */
  private next: number;
  /** Free blocks by their page count. */
  private readonly free = new Map<number, number[]>();
  /** Every carved block's page count, by its start. */
  private readonly carved = new Map<number, number>();
  /** Starts of the blocks handed out and not yet given back. */
  private readonly out = new Set<number>();

  private constructor(region: { buffer: ArrayBuffer; start: number; end: number }) {
    this.buffer = region.buffer;
    this.base = region.start + PHASE;
    this.limit = region.end;
    this.next = this.base;
  }

  /** The process's pool, or null where WebAssembly SIMD is unavailable. */
  static shared(): FramePool | null {
    if (shared === undefined) {
      const region = frameRegion();
      shared = region === null ? null : new FramePool(region);
    }
    return shared;
  }

  /** A buffer of `size` bytes from the pool, or null (out of range, or the pool is full). */
  take(size: number): Buffer | null {
    if (size < POOLED_MIN || size > POOLED_MAX) return null;
    const pages = Math.ceil(size / PAGE);
    const start = this.free.get(pages)?.pop() ?? this.carve(pages) ?? this.larger(pages);
    if (start === undefined) return null;
    this.out.add(start);
    return Buffer.from(this.buffer, start, size);
  }

  /** A new block of `pages` pages, while the region lasts. */
  private carve(pages: number): number | undefined {
    if (this.next + pages * PAGE > this.limit) return undefined;
    const start = this.next;
    this.next += pages * PAGE;
    this.carved.set(start, pages);
    return start;
  }

  /** The smallest free block of more than `pages` pages, once the region is carved out. */
  private larger(pages: number): number | undefined {
    let best = 0;
    for (const [size, list] of this.free) {
      if (size > pages && list.length > 0 && (best === 0 || size < best)) best = size;
    }
    return best === 0 ? undefined : this.free.get(best)!.pop();
  }

  /** True when `frame` is a block of this pool. */
  owns(frame: Buffer): boolean {
    return frame.buffer === this.buffer;
  }

  /** Gives a block back. A block given back twice, or not from here, is ignored. */
  release(frame: Buffer): void {
    const start = frame.byteOffset;
    if (!this.out.delete(start)) return;
    if (this.out.size === 0) {
      // Nothing is out: carve anew, so that a change of frame sizes does not strand pages.
      this.next = this.base;
      this.free.clear();
      this.carved.clear();
      return;
    }
    const pages = this.carved.get(start)!;
    const list = this.free.get(pages);
    if (list === undefined) this.free.set(pages, [start]);
    else list.push(start);
  }

  /** Blocks handed out and not given back (for tests). */
  get outstanding(): number {
    return this.out.size;
  }
}

let shared: FramePool | null | undefined;
