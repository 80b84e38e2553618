/**
 * The pieces of one message as they arrive. A message that arrived in one piece is handed out
 * as that very view (no copy); several pieces are joined once at the end. Many small pieces
 * (a peer sending one-byte fragments) are compacted into a doubling buffer so that the list
 * never holds millions of views: memory stays within about twice the message limit.
 */
const MAX_PARTS = 32;
const EMPTY = Buffer.alloc(0);

export class ChunkList {
  private parts: Buffer[] = [];
  private acc: Buffer | null = null;
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.acc !== null) {
      this.append(piece);
      return;
    }
    this.parts.push(piece);
    this.total += piece.length;
    if (this.parts.length > MAX_PARTS) this.compact();
  }

  /** The whole message, and an empty list for the next one. */
  take(): Buffer {
    let out: Buffer;
    if (this.acc !== null) out = this.acc.subarray(0, this.total);
    else if (this.parts.length === 1) out = this.parts[0]!;
    else if (this.parts.length === 0) out = EMPTY;
    else out = Buffer.concat(this.parts, this.total);
    this.reset();
    return out;
  }

  reset(): void {
    if (this.parts.length > 0) this.parts = [];
    this.acc = null;
    this.total = 0;
  }

  private compact(): void {
    this.acc = Buffer.concat(this.parts, Math.max(this.total * 2, 4096));
    this.parts = [];
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
