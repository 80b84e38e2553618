import { isUtf8 } from 'node:buffer';

/** RFC 3629 / RFC 6455 §8.1: is the whole buffer valid UTF-8? Native and fast. */
export function isValidUtf8(data: Uint8Array): boolean {
  return data.length === 0 || isUtf8(data);
}

/**
 * Incremental UTF-8 validation across the fragments of a text message (RFC 6455 §8.1):
 * an invalid sequence is reported by the chunk that contains the byte that proves it, not at
 * the end of the message. Complete sequences are checked natively; only the bytes of a
 * sequence split across chunks go through the byte-wise state machine below (RFC 3629 §4).
 */
export class Utf8Validator {
  /** Continuation bytes still expected by the sequence in progress. */
  private need = 0;
  /** Allowed range of the next continuation byte (narrower after E0, ED, F0, F4). */
  private lo = 0x80;
  private hi = 0xbf;

  reset(): void {
    this.need = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
  }

  /** True when no multi-byte sequence is open: the text so far is complete. */
  get complete(): boolean {
    return this.need === 0;
  }

  /** Feeds `data[start..end)`; returns false as soon as the input cannot be UTF-8. */
  push(data: Uint8Array, start = 0, end = data.length): boolean {
    let i = start;
    // Finish a sequence left open by the previous chunk.
    while (this.need > 0 && i < end) {
      if (!this.step(data[i]!)) return false;
      i++;
    }
    if (i === end) return true;
    // Find where a trailing incomplete sequence starts (at most 3 bytes back).
    let tail = end;
    for (let back = 1; back <= 3 && end - back >= i; back++) {
      const b = data[end - back]!;
      if ((b & 0xc0) !== 0x80) {
        // A lead byte: the sequence is incomplete if it wants more bytes than remain.
        const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        if (len > back) tail = end - back;
        break;
      }
    }
    if (tail > i && !isUtf8(data.subarray(i, tail))) return false;
    for (let j = tail; j < end; j++) if (!this.step(data[j]!)) return false;
    return true;
  }

  /** One byte of the RFC 3629 §4 grammar. */
  private step(b: number): boolean {
    if (this.need > 0) {
      if (b < this.lo || b > this.hi) return false;
      this.need--;
      this.lo = 0x80;
      this.hi = 0xbf;
      return true;
    }
    if (b < 0x80) return true;
    if (b >= 0xc2 && b <= 0xdf) {
      this.need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      this.need = 2;
      if (b === 0xe0) this.lo = 0xa0; // no overlong 3-byte forms
      if (b === 0xed) this.hi = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      this.need = 3;
      if (b === 0xf0) this.lo = 0x90; // no overlong 4-byte forms
      if (b === 0xf4) this.hi = 0x8f; // nothing above U+10FFFF
    } else {
      return false; // 0x80–0xC1 as a lead byte, or 0xF5–0xFF
    }
    return true;
  }
}
