/**
 * Splits a byte stream into lines, for `exec`: a program's stdout becomes one text message per
 * line, its stderr one prefixed line per line. Lines end with "\n" (a "\r" before it is dropped);
 * a line longer than the limit is cut into pieces of at most that many bytes, on character
 * boundaries, so that no amount of output without a newline is held.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private length = 0;
  private readonly maxLine: number;

  /** `maxLine`: the most bytes a line may have before it is cut. */
  constructor(maxLine: number) {
    if (!(maxLine >= 1)) throw new RangeError('maxLine must be at least 1');
    this.maxLine = maxLine;
  }

  /** The lines that `chunk` completes, without their line endings. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      this.append(chunk.subarray(start, newline === -1 ? chunk.length : newline), lines);
      if (newline === -1) return lines;
      lines.push(this.take(true));
      start = newline + 1;
    }
  }

  /** What is left after the last newline, as a last line, or null if nothing is. */
  end(): string | null {
    return this.length === 0 ? null : this.take(true);
  }

  private append(bytes: Buffer, lines: string[]): void {
    let rest = bytes;
    while (this.length + rest.length > this.maxLine) {
      const room = this.maxLine - this.length;
      let cut = room;
      // Back up to the first byte of a UTF-8 sequence (continuation bytes are 10xxxxxx).
      while (cut > 0 && (rest[cut]! & 0xc0) === 0x80) cut--;
      if (cut === 0 && this.length === 0) cut = room; // no whole character fits: cut it anyway
      this.parts.push(rest.subarray(0, cut));
      this.length += cut;
      lines.push(this.take(false));
      rest = rest.subarray(cut);
    }
    if (rest.length > 0) {
      this.parts.push(rest);
      this.length += rest.length;
    }
  }

  private take(stripCR: boolean): string {
    let line = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    this.length = 0;
    if (stripCR && line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, -1);
    return line.toString('utf8');
  }
}
