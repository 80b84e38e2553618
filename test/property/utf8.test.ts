import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { test } from 'node:test';
import fc from 'fast-check';
import { Utf8Validator } from '../../src/protocol/utf8.js';

/**
 * Bytes that are often nearly UTF-8: random bytes, valid text, and valid text with a byte
 * replaced by one from the interesting lead and continuation ranges.
 */
const interestingByte = fc.constantFrom(
  0x00,
  0x7f,
  0x80,
  0x8f,
  0x90,
  0x9f,
  0xa0,
  0xbf,
  0xc0,
  0xc1,
  0xc2,
  0xdf,
  0xe0,
  0xed,
  0xef,
  0xf0,
  0xf4,
  0xf5,
  0xff,
);

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.array(interestingByte, { maxLength: 32 }).map((a) => Uint8Array.from(a)),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => new Uint8Array(Buffer.from(s))),
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.nat(), interestingByte)
    .map(([s, at, b]) => {
      const out = new Uint8Array(Buffer.from(s));
      out[at % out.length] = b;
      return out;
    }),
);

/** Validates `data` cut at `points`: false at the first failing piece, else whether complete. */
function validateSplit(data: Uint8Array, points: number[]): boolean {
  const sorted = [...new Set(points.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
  const v = new Utf8Validator();
  let prev = 0;
  for (const p of [...sorted, data.length]) {
    if (!v.push(data, prev, p)) return false;
    prev = p;
  }
  return v.complete;
}

test('§8.1: Utf8Validator agrees with isUtf8 for any bytes split at any points', () => {
  fc.assert(
    fc.property(bytes, fc.array(fc.nat(), { maxLength: 12 }), (data, points) => {
      assert.equal(validateSplit(data, points), data.length === 0 || isUtf8(data));
    }),
    { numRuns: 300 },
  );
});

test('§8.1: Utf8Validator agrees with isUtf8 when fed one byte at a time', () => {
  fc.assert(
    fc.property(bytes, (data) => {
      const points = Array.from({ length: data.length }, (_, i) => i);
      assert.equal(validateSplit(data, points), data.length === 0 || isUtf8(data));
    }),
    { numRuns: 300 },
  );
});

test('§8.1: pieces given as separate buffers agree with isUtf8 on the whole', () => {
  fc.assert(
    fc.property(fc.array(bytes, { maxLength: 6 }), (pieces) => {
      const v = new Utf8Validator();
      let ok = true;
      for (const piece of pieces) {
        if (!v.push(piece)) {
          ok = false;
          break;
        }
      }
      const whole = Buffer.concat(pieces);
      assert.equal(ok && v.complete, whole.length === 0 || isUtf8(whole));
    }),
    { numRuns: 300 },
  );
});

test('§8.1: a push fails exactly when its prefix can no longer become valid UTF-8', () => {
  // Every open sequence can be completed by one of these: E0 wants A0–BF, ED 80–9F,
  // F0 90–BF, F4 80–8F, the rest 80–BF.
  const completions: Buffer[] = [Buffer.alloc(0)];
  for (const first of [0x80, 0x90, 0xa0]) {
    for (let k = 1; k <= 3; k++) completions.push(Buffer.from([first, 0x80, 0x80].slice(0, k)));
  }
  fc.assert(
    fc.property(bytes, fc.nat(), (data, cut) => {
      const prefix = Buffer.from(data.subarray(0, cut % (data.length + 1)));
      const accepted = new Utf8Validator().push(prefix);
      const completable = completions.some((c) => isUtf8(Buffer.concat([prefix, c])));
      assert.equal(accepted, completable, `prefix ${prefix.toString('hex')}`);
    }),
    { numRuns: 300 },
  );
});
