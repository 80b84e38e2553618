import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { LineSplitter } from '../../../src/cli/lines.js';

const b = (text: string) => Buffer.from(text, 'utf8');

describe('LineSplitter', () => {
  test('lines end with \\n; a \\r before it is dropped; the rest waits for more', () => {
    const lines = new LineSplitter(1024);
    assert.deepEqual(lines.push(b('one\ntwo\r\nthr')), ['one', 'two']);
    assert.deepEqual(lines.push(b('ee')), []);
    assert.deepEqual(lines.push(b('\n\n')), ['three', '']);
    assert.equal(lines.end(), null);
  });

  test('what follows the last newline is the last line', () => {
    const lines = new LineSplitter(1024);
    assert.deepEqual(lines.push(b('a\nlast')), ['a']);
    assert.equal(lines.end(), 'last');
    assert.equal(lines.end(), null);
  });

  test('a line longer than the limit is cut, never inside a character', () => {
    const lines = new LineSplitter(4);
    assert.deepEqual(lines.push(b('abcdefghij\n')), ['abcd', 'efgh', 'ij']);
    // "é" is two bytes: "aé" (3) fits, the next "é" would straddle the limit.
    const utf8 = new LineSplitter(4);
    assert.deepEqual(utf8.push(b('aééé\n')), ['aé', 'éé']);
  });

  test('a UTF-8 character split across chunks is whole in its line', () => {
    const lines = new LineSplitter(1024);
    const bytes = b('€uro\n');
    assert.deepEqual(lines.push(bytes.subarray(0, 1)), []);
    assert.deepEqual(lines.push(bytes.subarray(1)), ['€uro']);
  });

  test('property: any chunking gives the same lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'é', '€', '\n', '\r\n', 'xyz'), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        (pieces, sizes) => {
          const input = b(pieces.join(''));
          const whole = new LineSplitter(1 << 20);
          const expected = [...whole.push(input), whole.end()];
          const split = new LineSplitter(1 << 20);
          const got: (string | null)[] = [];
          for (let at = 0, i = 0; at < input.length; i++) {
            const size = sizes[i % sizes.length]!;
            got.push(...split.push(input.subarray(at, at + size)));
            at += size;
          }
          got.push(split.end());
          assert.deepEqual(got, expected);
        },
      ),
    );
  });

  test('the limit must be at least 1', () => {
    assert.throws(() => new LineSplitter(0), RangeError);
  });
});
