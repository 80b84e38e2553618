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

/** `bytes` cut at `points` (taken modulo its length) into consecutive chunks. */
export function cuts(bytes: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...sorted, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}
