import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isControlOpcode, isKnownOpcode, Opcode } from '../../../src/protocol/opcodes.js';

test('§5.2: the defined opcodes have their RFC values', () => {
  assert.deepEqual(
    { ...Opcode },
    { Continuation: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa },
  );
});

test('§5.2: 0x3–0x7 and 0xB–0xF are reserved, the six others known', () => {
  const known: number[] = [];
  for (let op = 0; op < 16; op++) if (isKnownOpcode(op)) known.push(op);
  assert.deepEqual(known, [0x0, 0x1, 0x2, 0x8, 0x9, 0xa]);
});

test('§5.5: exactly the opcodes with the high bit set are control opcodes', () => {
  for (let op = 0; op < 16; op++)
    assert.equal(isControlOpcode(op), op >= 8, `0x${op.toString(16)}`);
});
