import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidUtf8, Utf8Validator } from '../../../src/protocol/utf8.js';

/** Feeds `pieces` to a fresh validator: whether every push passed, and whether the text ended complete. */
function validate(...pieces: number[][]): { ok: boolean; complete: boolean; failedAt: number } {
  const v = new Utf8Validator();
  for (let i = 0; i < pieces.length; i++) {
    if (!v.push(Uint8Array.from(pieces[i]!))) return { ok: false, complete: false, failedAt: i };
  }
  return { ok: true, complete: v.complete, failedAt: -1 };
}

const VALID: [string, number[]][] = [
  ['ASCII', [0x48, 0x69]],
  ['U+0000', [0x00]],
  ['U+007F', [0x7f]],
  ['U+0080', [0xc2, 0x80]],
  ['U+07FF', [0xdf, 0xbf]],
  ['U+0800', [0xe0, 0xa0, 0x80]],
  ['U+D7FF (last before the surrogates)', [0xed, 0x9f, 0xbf]],
  ['U+E000 (first after the surrogates)', [0xee, 0x80, 0x80]],
  ['U+FFFF', [0xef, 0xbf, 0xbf]],
  ['U+10000', [0xf0, 0x90, 0x80, 0x80]],
  ['U+10FFFF', [0xf4, 0x8f, 0xbf, 0xbf]],
  ['κόσμε', [...Buffer.from('κόσμε')]],
];

const INVALID: [string, number[]][] = [
  ['a lone continuation byte', [0x80]],
  ['C0 80: overlong U+0000', [0xc0, 0x80]],
  ['C1 BF: overlong U+007F', [0xc1, 0xbf]],
  ['E0 80 80: overlong 3-byte form', [0xe0, 0x80, 0x80]],
  ['E0 9F BF: overlong U+07FF', [0xe0, 0x9f, 0xbf]],
  ['F0 80 80 80: overlong 4-byte form', [0xf0, 0x80, 0x80, 0x80]],
  ['F0 8F BF BF: overlong U+FFFF', [0xf0, 0x8f, 0xbf, 0xbf]],
  ['ED A0 80: surrogate U+D800', [0xed, 0xa0, 0x80]],
  ['ED BF BF: surrogate U+DFFF', [0xed, 0xbf, 0xbf]],
  ['F4 90 80 80: above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['F5 80 80 80: lead byte beyond F4', [0xf5, 0x80, 0x80, 0x80]],
  ['FE', [0xfe]],
  ['FF', [0xff]],
  ['a 2-byte lead followed by ASCII', [0xc2, 0x41]],
  ['a 3-byte sequence cut by ASCII', [0xe2, 0x82, 0x41]],
  ['too many continuation bytes', [0xc2, 0x80, 0x80]],
];

for (const [name, bytes] of VALID) {
  test(`§8.1: ${name} is valid UTF-8, whole and split at every point`, () => {
    assert.ok(isValidUtf8(Uint8Array.from(bytes)));
    assert.deepEqual(validate(bytes), { ok: true, complete: true, failedAt: -1 });
    for (let cut = 1; cut < bytes.length; cut++) {
      const r = validate(bytes.slice(0, cut), bytes.slice(cut));
      assert.deepEqual(r, { ok: true, complete: true, failedAt: -1 }, `cut at ${cut}`);
    }
    assert.deepEqual(validate(...bytes.map((b) => [b])).ok, true);
  });
}

for (const [name, bytes] of INVALID) {
  test(`§8.1: ${name} is invalid UTF-8, whole and split at every point`, () => {
    assert.equal(isValidUtf8(Uint8Array.from(bytes)), false);
    assert.equal(validate(bytes).ok, false);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.equal(validate(bytes.slice(0, cut), bytes.slice(cut)).ok, false, `cut at ${cut}`);
    }
    assert.equal(validate(...bytes.map((b) => [b])).ok, false);
  });
}

test('§8.1: an invalid byte fails the push that carries it, not a later one', () => {
  // E0 then 80: 80 is below the A0 that E0 requires, so the second piece proves it.
  assert.equal(validate([0x41, 0xe0], [0x80, 0x80], [0x41]).failedAt, 1);
  // ED then A0: a surrogate is proved by its second byte.
  assert.equal(validate([0xed], [0xa0], [0x80]).failedAt, 1);
  // F4 then 90: above U+10FFFF is proved by the second byte.
  assert.equal(validate([0xf4], [0x90], [0x80, 0x80]).failedAt, 1);
  // F5 is never a lead byte: the first piece fails even when it ends there.
  assert.equal(validate([0x41, 0xf5]).failedAt, 0);
  // C0 is never a lead byte either.
  assert.equal(validate([0xc0]).failedAt, 0);
});

test('§8.1: a sequence cut at the end of the input is incomplete, not invalid yet', () => {
  assert.deepEqual(validate([0xe2, 0x82]), { ok: true, complete: false, failedAt: -1 });
  assert.deepEqual(validate([0xf0, 0x9f], [0x98]), { ok: true, complete: false, failedAt: -1 });
  assert.deepEqual(validate([0xf0, 0x9f], [0x98], [0x80]), {
    ok: true,
    complete: true,
    failedAt: -1,
  });
  assert.equal(isValidUtf8(Uint8Array.from([0xe2, 0x82])), false);
});

test('§8.1: a code point split over three pieces with ASCII around it is valid', () => {
  assert.deepEqual(validate([0x61, 0xf0], [0x9f, 0x98], [0x80, 0x62]), {
    ok: true,
    complete: true,
    failedAt: -1,
  });
});

test('§8.1: push honours start and end and ignores bytes outside them', () => {
  const v = new Utf8Validator();
  const data = Uint8Array.from([0xff, 0x41, 0xe2, 0x82, 0xac, 0xff]);
  assert.ok(v.push(data, 1, 5));
  assert.ok(v.complete);
  assert.ok(v.push(data, 2, 4));
  assert.equal(v.complete, false);
  assert.ok(v.push(data, 4, 5));
  assert.ok(v.complete);
  assert.ok(v.push(data, 3, 3));
});

test('§8.1: reset() forgets an open sequence', () => {
  const v = new Utf8Validator();
  assert.ok(v.push(Uint8Array.from([0xe0])));
  assert.equal(v.complete, false);
  v.reset();
  assert.ok(v.complete);
  // Without the reset, 0x41 would break the E0 sequence.
  assert.ok(v.push(Uint8Array.from([0x41])));
});

test('§8.1: the empty input is valid', () => {
  assert.ok(isValidUtf8(new Uint8Array(0)));
  assert.deepEqual(validate([]), { ok: true, complete: true, failedAt: -1 });
});
