import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloseCode, isValidWireCloseCode } from '../../../src/protocol/close-codes.js';
import { INVALID_WIRE_CODES, VALID_WIRE_CODES } from '../../helpers/wire.js';

test('§7.4.1: 1004, 1005, 1006 and 1015 may never appear on the wire', () => {
  for (const code of [1004, 1005, 1006, 1015]) assert.equal(isValidWireCloseCode(code), false);
});

test('§7.4.2: every listed invalid code is rejected', () => {
  for (const code of INVALID_WIRE_CODES) assert.equal(isValidWireCloseCode(code), false, `${code}`);
});

test('§7.4.1/§7.4.2: every listed valid code is accepted', () => {
  for (const code of VALID_WIRE_CODES) assert.equal(isValidWireCloseCode(code), true, `${code}`);
});

test('§7.4.2: across 0–65535 exactly the registered codes and 3000–4999 are legal', () => {
  const registered = new Set([
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
  ]);
  for (let code = 0; code <= 0xffff; code++) {
    const expected = registered.has(code) || (code >= 3000 && code <= 4999);
    assert.equal(isValidWireCloseCode(code), expected, `${code}`);
  }
});

test('§7.4: a code that is not an integer is never legal', () => {
  for (const code of [1000.5, Number.NaN, Number.POSITIVE_INFINITY, -1000, 3000.1]) {
    assert.equal(isValidWireCloseCode(code), false, `${code}`);
  }
});

test('§7.4.1: the CloseCode table has the RFC and IANA values', () => {
  assert.deepEqual(
    { ...CloseCode },
    {
      Normal: 1000,
      GoingAway: 1001,
      ProtocolError: 1002,
      UnsupportedData: 1003,
      Reserved: 1004,
      NoStatus: 1005,
      Abnormal: 1006,
      InvalidPayload: 1007,
      PolicyViolation: 1008,
      MessageTooBig: 1009,
      MandatoryExtension: 1010,
      InternalError: 1011,
      ServiceRestart: 1012,
      TryAgainLater: 1013,
      BadGateway: 1014,
      TlsHandshake: 1015,
    },
  );
});
