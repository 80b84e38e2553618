import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket } from '../../../src/whatwg/websocket.js';

function connecting(): WebSocket {
  return new WebSocket('ws://127.0.0.1:1/');
}

function assertDOMException(fn: () => unknown, name: string): void {
  assert.throws(fn, (error: unknown) => error instanceof DOMException && error.name === name);
}

describe('close() arguments (WebSockets §3.1 close steps 1–2)', { timeout: 5000 }, () => {
  test('step 1: codes other than 1000 and 3000–4999 are InvalidAccessErrors', () => {
    const ws = connecting();
    for (const code of [0, 999, 1001, 1002, 1005, 1006, 1011, 1015, 2999, 5000, 65535]) {
      assertDOMException(() => ws.close(code), 'InvalidAccessError');
    }
    assert.equal(ws.readyState, WebSocket.CONNECTING, 'a throwing close() changes nothing');
    ws.close();
  });

  test('step 1: [Clamp] unsigned short: NaN is 0, values clamp to 0–65535, halves round to even', () => {
    const ws = connecting();
    for (const code of [Number.NaN, -1, -Infinity, 70000, Infinity, '', 'abc', null, false]) {
      assertDOMException(() => ws.close(code as number), 'InvalidAccessError');
    }
    // 1000.5 rounds to 1000 and 2999.5 to 3000 (both even): accepted.
    ws.close(1000.5);
    const other = connecting();
    other.close(2999.5);
    const third = connecting();
    third.close('4000' as unknown as number);
    const fourth = connecting();
    assertDOMException(() => fourth.close(999.4), 'InvalidAccessError');
    fourth.close(999.5);
  });

  test('step 1: a Symbol or a BigInt code is a TypeError', () => {
    const ws = connecting();
    assert.throws(() => ws.close(Symbol('x') as unknown as number), TypeError);
    assert.throws(() => ws.close(1000n as unknown as number), TypeError);
    ws.close();
  });

  test('step 2: a reason over 123 bytes of UTF-8 is a SyntaxError', () => {
    const ws = connecting();
    assertDOMException(() => ws.close(1000, 'x'.repeat(124)), 'SyntaxError');
    assertDOMException(() => ws.close(1000, 'é'.repeat(62)), 'SyntaxError');
    // A lone surrogate becomes U+FFFD, 3 bytes: 41 of them are 123 bytes, 42 are too many.
    assertDOMException(() => ws.close(1000, '\uD800'.repeat(42)), 'SyntaxError');
    ws.close(1000, '\uD800'.repeat(41));
  });

  test('step 2: exactly 123 bytes is accepted', () => {
    connecting().close(1000, 'x'.repeat(123));
    connecting().close(3000, `${'é'.repeat(61)}x`);
  });

  test('the code is checked before the reason', () => {
    assertDOMException(() => connecting().close(1001, 'x'.repeat(200)), 'InvalidAccessError');
  });

  test('arguments are checked even when the socket is already CLOSING', () => {
    const ws = connecting();
    ws.close();
    assert.equal(ws.readyState, WebSocket.CLOSING);
    assertDOMException(() => ws.close(1001), 'InvalidAccessError');
    assertDOMException(() => ws.close(1000, 'x'.repeat(124)), 'SyntaxError');
    ws.close(1000, 'again');
    assert.equal(ws.readyState, WebSocket.CLOSING);
  });

  test('undefined arguments are missing (close(undefined, undefined) is close())', () => {
    const ws = connecting();
    ws.close(undefined, undefined);
    assert.equal(ws.readyState, WebSocket.CLOSING);
  });
});
