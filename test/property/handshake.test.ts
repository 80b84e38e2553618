import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { computeAcceptKey, GUID } from '../../src/handshake/accept-key.js';
import { hasToken } from '../../src/handshake/header-grammar.js';

test('§4.2.2 item 5.4: the accept key is base64(SHA-1(key + GUID)), as node:crypto computes it', () => {
  const key = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
    return Buffer.from(b).toString('base64');
  });
  fc.assert(
    fc.property(fc.oneof(key, fc.string({ maxLength: 80 })), (k) => {
      const expected = createHash('sha1')
        .update(k + GUID)
        .digest('base64');
      assert.equal(computeAcceptKey(k), expected);
    }),
    { numRuns: 2000 },
  );
});

/** The list semantics spelled out with copies: split on commas, trim OWS, fold A–Z only. */
function referenceHasToken(value: string | string[] | undefined, token: string): boolean {
  if (value === undefined) return false;
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const lines = typeof value === 'string' ? [value] : value;
  return lines.some((line) =>
    line.split(',').some((item) => fold(item.replace(/^[ \t]+|[ \t]+$/g, '')) === fold(token)),
  );
}

test('§4.2.1 items 3–4: hasToken finds exactly the elements a split, trimmed, folded list has', () => {
  // Characters that matter to the scan: separators, OWS and not-OWS white space, letters in both
  // cases, a character that folds to "k" only outside ASCII, and a quote.
  const char = fc.constantFrom(...'upgradeUPGRADEwebsockt, ,\t\r\n"-\u212a\u00a0');
  const line = fc.string({ unit: char, maxLength: 24 });
  const token = fc.constantFrom('upgrade', 'Upgrade', 'websocket', 'k', 'a');
  // Lines built from the token itself, so that matches are frequent.
  const near = fc
    .tuple(line, token, fc.constantFrom('', ' ', '\t', ' \t'), line)
    .map(([before, t, ows, after]) => `${before},${ows}${t.toUpperCase()}${ows},${after}`);
  const value = fc.oneof(
    fc.constant(undefined),
    line,
    near,
    fc.array(fc.oneof(line, near), { maxLength: 3 }),
  );
  fc.assert(
    fc.property(value, token, (v, t) => {
      assert.equal(hasToken(v, t), referenceHasToken(v, t), JSON.stringify([v, t]));
    }),
    { numRuns: 5000 },
  );
});
