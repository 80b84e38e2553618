import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  toClampedUnsignedShort,
  toDictionary,
  toDOMString,
  toUnsignedShort,
  toUSVString,
} from '../../../src/whatwg/webidl.js';

describe('Web IDL conversions (§3.2)', { timeout: 5000 }, () => {
  test('DOMString: ToString, a Symbol is a TypeError', () => {
    assert.equal(toDOMString(null), 'null');
    assert.equal(toDOMString(undefined), 'undefined');
    assert.equal(toDOMString(12), '12');
    assert.equal(toDOMString({ toString: () => 'x' }), 'x');
    assert.throws(() => toDOMString(Symbol('s')), TypeError);
  });

  test('USVString: lone surrogates become U+FFFD, pairs are kept', () => {
    assert.equal(toUSVString('a\uD800b'), 'a\uFFFDb');
    assert.equal(toUSVString('a\uDC00b'), 'a\uFFFDb');
    assert.equal(toUSVString('\uDC00\uD800'), '\uFFFD\uFFFD');
    assert.equal(toUSVString('\uD83D\uDE00'), '😀');
    assert.equal(toUSVString('\uD800'), '\uFFFD');
  });

  test('[Clamp] unsigned short', () => {
    const cases: Array<[unknown, number]> = [
      [1000, 1000],
      [1000.4, 1000],
      [1000.5, 1000],
      [1001.5, 1002],
      [1000.6, 1001],
      [-5, 0],
      [70000, 65535],
      [Infinity, 65535],
      [-Infinity, 0],
      [Number.NaN, 0],
      ['3000', 3000],
      [null, 0],
      [true, 1],
    ];
    for (const [input, expected] of cases)
      assert.equal(toClampedUnsignedShort(input), expected, String(input));
    assert.throws(() => toClampedUnsignedShort(Symbol('s')), TypeError);
    assert.throws(() => toClampedUnsignedShort(1n), TypeError);
  });

  test('unsigned short: truncation and modulo 2^16', () => {
    const cases: Array<[unknown, number]> = [
      [1000.9, 1000],
      [-1, 65535],
      [65536, 0],
      [65537.5, 1],
      [Infinity, 0],
      [Number.NaN, 0],
      [-0.5, 0],
    ];
    for (const [input, expected] of cases)
      assert.equal(toUnsignedShort(input), expected, String(input));
  });

  test('dictionaries: undefined and null are empty, other primitives are TypeErrors', () => {
    assert.deepEqual(toDictionary(undefined, 'X'), {});
    assert.deepEqual(toDictionary(null, 'X'), {});
    assert.throws(() => toDictionary(1, 'X'), TypeError);
    const fn = () => {};
    assert.equal(toDictionary(fn, 'X'), fn);
  });
});
