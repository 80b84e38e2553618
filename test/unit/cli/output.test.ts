import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closeStatus } from '../../../src/cli/connect.js';
import {
  closeCodeName,
  createLog,
  createStyle,
  describeClose,
  errorMessage,
  hex,
  hostPort,
  jsonLine,
  timestamp,
  useColor,
} from '../../../src/cli/output.js';

describe('output', () => {
  test('timestamp: local HH:MM:SS.mmm, zero-padded', () => {
    assert.equal(timestamp(new Date(2024, 0, 2, 3, 4, 5, 6)), '03:04:05.006');
    assert.equal(timestamp(new Date(2024, 0, 2, 23, 59, 59, 999)), '23:59:59.999');
  });

  test('hex: pairs separated by spaces; past the limit the rest is counted', () => {
    assert.equal(hex(new Uint8Array([])), '');
    assert.equal(hex(new Uint8Array([0, 1, 0xab, 0xff])), '00 01 ab ff');
    assert.equal(hex(Buffer.from([1, 2, 3, 4, 5]), 2), '01 02 … (+3 bytes)');
    const view = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
    assert.equal(hex(view), '08 07');
  });

  test('close codes by name; ranges for the registered and private ones', () => {
    assert.equal(closeCodeName(1000), 'normal');
    assert.equal(closeCodeName(1001), 'going away');
    assert.equal(closeCodeName(1006), 'abnormal');
    assert.equal(closeCodeName(1011), 'internal error');
    assert.equal(closeCodeName(3001), 'registered');
    assert.equal(closeCodeName(4000), 'private use');
    assert.equal(closeCodeName(2000), 'unknown');
    assert.equal(describeClose(1000, ''), '1000 (normal)');
    assert.equal(describeClose(4000, 'bye "you"'), '4000 (private use) "bye \\"you\\""');
  });

  test('colours only on a terminal, and never with NO_COLOR set and non-empty', () => {
    assert.equal(useColor({ isTTY: true, write() {} }, {}), true);
    assert.equal(useColor({ isTTY: true, write() {} }, { NO_COLOR: '' }), true);
    assert.equal(useColor({ isTTY: true, write() {} }, { NO_COLOR: '1' }), false);
    assert.equal(useColor({ isTTY: false, write() {} }, {}), false);
    assert.equal(useColor({ write() {} }, {}), false);
    assert.equal(createStyle(false).red('x'), 'x');
    assert.equal(createStyle(true).red('x'), '\x1b[31mx\x1b[39m');
    assert.equal(createStyle(true).dim('x'), '\x1b[2mx\x1b[22m');
  });

  test('a log line starts with the time', () => {
    const lines: string[] = [];
    createLog({ write: (text: string) => lines.push(text) }, createStyle(false))('started');
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} started\n$/);
  });

  test('jsonLine, hostPort, errorMessage', () => {
    assert.equal(jsonLine({ a: 1, b: 'x\ny' }), '{"a":1,"b":"x\\ny"}\n');
    assert.equal(hostPort('127.0.0.1', 80), '127.0.0.1:80');
    assert.equal(hostPort('::1', 80), '[::1]:80');
    assert.equal(errorMessage(new Error('first\nsecond')), 'first');
    assert.equal(errorMessage('plain'), 'plain');
  });

  test('connect: the exit status for how the connection ended', () => {
    assert.equal(closeStatus(1000, true), 0);
    assert.equal(closeStatus(1001, true), 0);
    assert.equal(closeStatus(1005, true), 0);
    assert.equal(closeStatus(1006, true), 3);
    assert.equal(closeStatus(1011, true), 3);
    assert.equal(closeStatus(4000, true), 3);
    assert.equal(closeStatus(1006, false), 1);
  });
});
