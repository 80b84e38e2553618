import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CloseEvent, type MessageEvent, WebSocket } from '../../../src/index.js';

// Compile-time: listeners typed by event name, handler attributes typed by event.
export function typedListeners(ws: WebSocket): void {
  ws.addEventListener('message', (event: MessageEvent) => event.data);
  ws.addEventListener('close', (event: CloseEvent) => event.code + event.reason.length);
  ws.addEventListener('open', (event: Event) => event.type);
  ws.addEventListener('custom', () => {});
  ws.onclose = (event: CloseEvent) => event.wasClean;
  ws.onmessage = (event: MessageEvent) => event.origin;
  ws.onopen = null;
}

test('the public barrel exports the WHATWG classes', { timeout: 5000 }, () => {
  assert.equal(typeof WebSocket, 'function');
  assert.equal(WebSocket.OPEN, 1);
});
