import fc from 'fast-check';

/**
 * `n` random bytes. Short payloads come from fast-check byte by byte (and shrink); long ones
 * are filled from a generated seed, since drawing 65,536 separate bytes is slow.
 */
export function bytesOfLength(n: number): fc.Arbitrary<Buffer> {
  if (n <= 256) return fc.uint8Array({ minLength: n, maxLength: n }).map((a) => Buffer.from(a));
  return fc.integer({ min: 1, max: 0x7fffffff }).map((seed) => {
    const out = Buffer.allocUnsafe(n);
    let x = seed;
    for (let i = 0; i < n; i++) {
      // xorshift32
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  });
}
