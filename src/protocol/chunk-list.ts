/**
 * The pieces of one message as they arrive. A message that arrived in one piece is handed out
 * as that very view (no copy); several pieces are joined once at the end. Many small pieces
 * (a peer sending one-byte fragments) are compacted into a doubling buffer so that the list
 * never holds millions of views: the list stays under 32 + total / 4 KiB entries, and memory
 * within about twice the message limit. A message whose length is known (`expect`) is copied
 * into one buffer of that length once half of it has arrived, and the rest as it arrives.
 */
const MAX_PARTS = 32;
/** Pieces smaller than this on average are compacted rather than listed. */
const SMALL_PIECE = 4096;
const EMPTY = Buffer.alloc(0);

export class ChunkList {
  /**
   * A message's only piece so far, kept out of `parts`: most messages arrive in one piece, and
   * filling then replacing the array cost an allocation per message.
   */
  private first: Buffer | null = null;
  /** Made when a message arrives in more than one piece. */
  private parts: Buffer[] | null = null;
  private acc: Buffer | null = null;
  private total = 0;
  /** The length the message will have, when known; 0 if not. */
  private expected = 0;

  get length(): number {
    return this.total;
  }

  /**
   * The message will be `length` bytes. Joining it at its end copies it while all but the last
   * reads have left the CPU's caches; copying the second half as it arrives, while the read is
   * still in them, halves that. Not before half has arrived: the buffer never exceeds twice
   * what the peer has sent, so a header alone reserves nothing.
   */
  expect(length: number): void {
    this.expected = length;
  }

  push(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.acc !== null) {
      this.append(piece);
      return;
    }
    if (this.first === null) {
      this.first = piece;
      this.total = piece.length;
      return;
    }
    const parts = (this.parts ??= [this.first]);
    parts.push(piece);
    this.total += piece.length;
    if (this.expected > 0 && this.total * 2 >= this.expected) {
      this.gatherInto(parts, Buffer.allocUnsafe(this.expected));
      return;
    }
    // Compact only when the pieces are small on average: a large message read in 64 KiB
    // chunks is joined once at the end, while a flood of tiny fragments cannot grow the list.
    if (parts.length > MAX_PARTS && parts.length * SMALL_PIECE > this.total) this.compact(parts);
  }

  /** The whole message, and an empty list for the next one. */
  take(): Buffer {
    let out: Buffer;
    if (this.acc !== null) out = this.acc.subarray(0, this.total);
    else if (this.parts === null) out = this.first ?? EMPTY;
    else out = Buffer.concat(this.parts, this.total);
    this.reset();
    return out;
  }

  reset(): void {
    this.first = null;
    this.parts = null;
    this.acc = null;
    this.total = 0;
    this.expected = 0;
  }

  /** Copies the pieces so far into `acc`, where the rest will be appended. */
  private gatherInto(parts: Buffer[], acc: Buffer): void {
    let at = 0;
    for (const part of parts) {
      acc.set(part, at);
      at += part.length;
    }
    this.acc = acc;
    this.parts = null;
    this.first = null;
  }

  private compact(parts: Buffer[]): void {
    this.acc = Buffer.concat(parts, Math.max(this.total * 2, 4096));
    this.parts = null;
  }

  private append(piece: Buffer): void {
    const acc = this.acc!;
    const need = this.total + piece.length;
    if (need > acc.length) {
      const grown = Buffer.allocUnsafe(Math.max(acc.length * 2, need));
      acc.copy(grown, 0, 0, this.total);
      this.acc = grown;
    }
    piece.copy(this.acc!, this.total);
    this.total = need;
  }
}
