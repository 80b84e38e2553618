import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket } from '../../../src/whatwg/websocket.js';

function socket(): WebSocket {
  const ws = new WebSocket('ws://127.0.0.1:1/');
  ws.close();
  return ws;
}

/** Events are dispatched by hand here; `open` is one of the handler types. */
function fire(ws: EventTarget, type = 'open', init: EventInit = {}): Event {
  const event = new Event(type, init);
  ws.dispatchEvent(event);
  return event;
}

describe('event handler IDL attributes (HTML §8.1.8.1)', { timeout: 5000 }, () => {
  test('a function set is returned and called with the socket as this', () => {
    const ws = socket();
    const calls: unknown[] = [];
    const handler = function (this: unknown, event: Event) {
      calls.push(this, event.type);
    };
    ws.onopen = handler;
    assert.equal(ws.onopen, handler);
    fire(ws);
    assert.deepEqual(calls, [ws, 'open']);
  });

  test('replacing a handler keeps its place among the listeners', () => {
    const ws = socket();
    const order: string[] = [];
    ws.addEventListener('open', () => order.push('first'));
    ws.onopen = () => order.push('handler 1');
    ws.addEventListener('open', () => order.push('last'));
    ws.onopen = () => order.push('handler 2');
    fire(ws);
    assert.deepEqual(order, ['first', 'handler 2', 'last']);
  });

  test('null removes the handler; a later one is added at the end', () => {
    const ws = socket();
    const order: string[] = [];
    ws.onopen = () => order.push('handler 1');
    ws.addEventListener('open', () => order.push('listener'));
    ws.onopen = null;
    assert.equal(ws.onopen, null);
    fire(ws);
    ws.onopen = () => order.push('handler 2');
    fire(ws);
    assert.deepEqual(order, ['listener', 'listener', 'handler 2']);
  });

  test('a value that is not an object is null (Web IDL [LegacyTreatNonObjectAsNull])', () => {
    const ws = socket();
    for (const value of ['alert(1)', 1, true, Symbol('x'), undefined]) {
      ws.onmessage = () => {};
      ws.onmessage = value as unknown as null;
      assert.equal(ws.onmessage, null, String(value));
    }
  });

  test('an object that is not callable is kept and never called', () => {
    const ws = socket();
    const object = { handleEvent: () => assert.fail('not called') };
    ws.onerror = object as unknown as null;
    assert.equal(ws.onerror, object);
    fire(ws, 'error');
  });

  test('the four handlers are independent, each for its own event type', () => {
    const ws = socket();
    const seen: string[] = [];
    ws.onopen = () => seen.push('open');
    ws.onmessage = () => seen.push('message');
    ws.onerror = () => seen.push('error');
    ws.onclose = () => seen.push('close');
    for (const type of ['close', 'error', 'message', 'open', 'other']) fire(ws, type);
    assert.deepEqual(seen, ['close', 'error', 'message', 'open']);
  });

  test('a handler returning false cancels a cancelable event', () => {
    const ws = socket();
    ws.onopen = () => false;
    assert.equal(fire(ws, 'open', { cancelable: true }).defaultPrevented, true);
    ws.onopen = () => undefined;
    assert.equal(fire(ws, 'open', { cancelable: true }).defaultPrevented, false);
  });

  test('removeEventListener with the handler function does not remove the handler', () => {
    const ws = socket();
    let calls = 0;
    const handler = () => calls++;
    ws.onopen = handler;
    ws.removeEventListener('open', handler);
    fire(ws);
    assert.equal(calls, 1);
  });
});
