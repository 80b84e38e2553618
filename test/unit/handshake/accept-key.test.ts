import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  computeAcceptKey,
  GUID,
  generateKey,
  isValidKey,
} from '../../../src/handshake/accept-key.js';

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

describe('§4.2.2 item 5.4: Sec-WebSocket-Accept', () => {
  test('§1.3: the GUID is 258EAFA5-E914-47DA-95CA-C5AB0DC85B11', () => {
    assert.equal(GUID, '258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
  });

  test('§4.2.2: the accept key of the RFC example is s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', () => {
    assert.equal(computeAcceptKey(RFC_KEY), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  test('§4.2.2: another key gives its own accept value', () => {
    assert.equal(computeAcceptKey('x3JJHMbDL1EzLkh9GBhXDw=='), 'HSmrc0sMlYUkAGmm5OPpG2HaGWk=');
  });

  test('§4.2.2: the key is hashed as sent, not base64-decoded', () => {
    // Same 16 bytes, different (non-canonical) text: a different accept value.
    assert.notEqual(computeAcceptKey('dGhlIHNhbXBsZSBub25jZR=='), computeAcceptKey(RFC_KEY));
  });
});

describe('§4.1 item 7: generateKey', () => {
  test('§4.1: the key is 16 bytes, base64-encoded', () => {
    const key = generateKey();
    assert.ok(isValidKey(key), key);
    assert.equal(Buffer.from(key, 'base64').length, 16);
  });

  test('§10.7: each key is a fresh random nonce', () => {
    const keys = new Set(Array.from({ length: 1000 }, generateKey));
    assert.equal(keys.size, 1000);
  });
});

describe('§4.2.1 item 5, §11.3.1: isValidKey', () => {
  test('§4.2.1: accepts the RFC example key', () => {
    assert.equal(isValidKey(RFC_KEY), true);
    assert.equal(isValidKey('AAAAAAAAAAAAAAAAAAAAAA=='), true);
    assert.equal(isValidKey('++++//////++++////+/+w=='), true);
  });

  test('§4.2.1: rejects a value that does not decode to exactly 16 bytes', () => {
    assert.equal(isValidKey(''), false);
    assert.equal(isValidKey('dGhlIHNhbXBsZSBub25jZQ='), false, '23 characters');
    assert.equal(isValidKey('dGhlIHNhbXBsZSBub25jZQ'), false, 'no padding');
    assert.equal(isValidKey('dGhlIHNhbXBsZSBub25jZQAA'), false, '18 bytes, no padding');
    assert.equal(isValidKey('dGhlIHNhbXBsZSBub25jZQA='), false, '17 bytes');
    assert.equal(isValidKey('dGhlIHNhbXBsZSBub25jZQ==AAAA'), false, '28 characters');
    assert.equal(isValidKey('dGhlIHNhbXBsZSBub25j===='), false, '4 padding characters');
  });

  test('§4.2.1: rejects characters outside the base64 alphabet', () => {
    assert.equal(isValidKey('dGhlIHNhbXBsZSBub25jZ-=='), false, 'base64url "-"');
    assert.equal(isValidKey('dGhlIHNhbXBsZSBub25jZ_=='), false, 'base64url "_"');
    assert.equal(isValidKey('dGhlIHNhbXBsZS Bub25jZ=='), false, 'space');
    assert.equal(isValidKey(' dGhlIHNhbXBsZSBub25jZQ=='), false, 'leading space');
    assert.equal(isValidKey('dGhlIHNhbXBsZSBub25jZQ==\n'), false, 'trailing newline');
    assert.equal(isValidKey('dGhlIHNhbXBsZSBub25jZé=='), false, 'non-ASCII');
  });

  test('§4.2.2 /key/: a non-canonical last character is accepted, as the key is never decoded', () => {
    assert.equal(isValidKey('dGhlIHNhbXBsZSBub25jZR=='), true);
  });
});
