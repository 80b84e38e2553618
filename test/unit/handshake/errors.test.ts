import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HandshakeError, quoteForMessage } from '../../../src/handshake/errors.js';

describe('HandshakeError', () => {
  test('carries a stable code, a status and the headers to answer with', () => {
    const error = new HandshakeError('WS_HANDSHAKE_BAD_VERSION', 'bad version', {
      status: 426,
      headers: { 'Sec-WebSocket-Version': '13' },
    });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'HandshakeError');
    assert.equal(error.message, 'bad version');
    assert.equal(error.code, 'WS_HANDSHAKE_BAD_VERSION');
    assert.equal(error.status, 426);
    assert.deepEqual(error.headers, { 'Sec-WebSocket-Version': '13' });
    assert.match(String(error.stack), /^HandshakeError: bad version/);
  });

  test('a client-side error has no status and no headers', () => {
    const error = new HandshakeError('WS_HANDSHAKE_BAD_ACCEPT', 'mismatch');
    assert.equal('status' in error, false);
    assert.equal('headers' in error, false);
    assert.equal('cause' in error, false);
  });

  test('keeps the cause', () => {
    const cause = new Error('inner');
    assert.equal(new HandshakeError('WS_HANDSHAKE_BAD_HEADER', 'x', { cause }).cause, cause);
  });
});

describe('quoteForMessage', () => {
  test('quotes and escapes control characters', () => {
    assert.equal(quoteForMessage('a\r\nb"'), '"a\\r\\nb\\""');
  });

  test('cuts peer text longer than 64 characters', () => {
    assert.equal(quoteForMessage('x'.repeat(64)), `"${'x'.repeat(64)}"`);
    assert.equal(quoteForMessage('x'.repeat(1000)), `"${'x'.repeat(64)}…"`);
  });
});
