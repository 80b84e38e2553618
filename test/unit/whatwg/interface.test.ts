import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { WebSocket } from '../../../src/whatwg/websocket.js';

// One socket for the whole file, closed before it dials: no network.
const ws = new WebSocket('ws://127.0.0.1:1/');
ws.close();
after(() => new Promise((resolve) => setImmediate(resolve)));

const ATTRIBUTES = ['url', 'readyState', 'bufferedAmount', 'extensions', 'protocol', 'binaryType'];
const HANDLERS = ['onopen', 'onerror', 'onclose', 'onmessage'];
const OPERATIONS = ['close', 'send'];
const CONSTANTS = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

describe('WebSocket interface object (Web IDL §3.7)', { timeout: 5000 }, () => {
  test('inherits from EventTarget; name and length', () => {
    assert.equal(Object.getPrototypeOf(WebSocket), EventTarget);
    assert.equal(Object.getPrototypeOf(WebSocket.prototype), EventTarget.prototype);
    assert.equal(WebSocket.name, 'WebSocket');
    assert.equal(WebSocket.length, 1);
    assert.ok(ws instanceof EventTarget);
  });

  test('constants: on the constructor and the prototype, read-only, enumerable, not configurable', () => {
    for (const [name, value] of Object.entries(CONSTANTS)) {
      for (const holder of [WebSocket, WebSocket.prototype]) {
        assert.deepEqual(Object.getOwnPropertyDescriptor(holder, name), {
          value,
          writable: false,
          enumerable: true,
          configurable: false,
        });
      }
      assert.equal((ws as unknown as Record<string, number>)[name], value);
    }
    assert.throws(() => {
      (WebSocket as unknown as Record<string, number>).OPEN = 5;
    }, TypeError);
  });

  test('attributes are accessors on the prototype, enumerable and configurable', () => {
    for (const name of [...ATTRIBUTES, ...HANDLERS]) {
      const descriptor = Object.getOwnPropertyDescriptor(WebSocket.prototype, name);
      assert.ok(descriptor, name);
      assert.equal(typeof descriptor.get, 'function', name);
      assert.equal(descriptor.get!.name, `get ${name}`);
      assert.equal(descriptor.enumerable, true, name);
      assert.equal(descriptor.configurable, true, name);
      const writable = name === 'binaryType' || HANDLERS.includes(name);
      assert.equal(typeof descriptor.set, writable ? 'function' : 'undefined', name);
      assert.equal(Object.hasOwn(ws, name), false, `${name} is not an own property`);
    }
  });

  test('operations are enumerable, writable, configurable methods of the right length', () => {
    for (const name of OPERATIONS) {
      const descriptor = Object.getOwnPropertyDescriptor(WebSocket.prototype, name);
      assert.ok(descriptor);
      assert.equal(typeof descriptor.value, 'function');
      assert.equal(descriptor.enumerable, true);
      assert.equal(descriptor.writable, true);
      assert.equal(descriptor.configurable, true);
    }
    assert.equal(WebSocket.prototype.send.length, 1);
    assert.equal(WebSocket.prototype.close.length, 0);
  });

  test('Symbol.toStringTag is "WebSocket"', () => {
    assert.equal(Object.prototype.toString.call(ws), '[object WebSocket]');
    assert.deepEqual(Object.getOwnPropertyDescriptor(WebSocket.prototype, Symbol.toStringTag), {
      value: 'WebSocket',
      writable: false,
      enumerable: false,
      configurable: true,
    });
  });

  test('brand checks: every getter, setter and operation throws a TypeError on another object', () => {
    const impostors = [{}, Object.create(WebSocket.prototype), new EventTarget()];
    for (const impostor of impostors) {
      for (const name of [...ATTRIBUTES, ...HANDLERS]) {
        const { get, set } = Object.getOwnPropertyDescriptor(WebSocket.prototype, name)!;
        assert.throws(() => get!.call(impostor), TypeError, `get ${name}`);
        if (set) assert.throws(() => set.call(impostor, null), TypeError, `set ${name}`);
      }
      assert.throws(() => WebSocket.prototype.send.call(impostor, 'x'), TypeError);
      assert.throws(() => WebSocket.prototype.close.call(impostor), TypeError);
    }
  });

  test('the prototype itself fails the brand check', () => {
    assert.throws(() => WebSocket.prototype.readyState, TypeError);
  });
});

describe('binaryType (WebSockets §3.1, Web IDL enumeration)', { timeout: 5000 }, () => {
  test('accepts "blob" and "arraybuffer", ignores other values', () => {
    const socket = new WebSocket('ws://127.0.0.1:1/');
    socket.close();
    assert.equal(socket.binaryType, 'blob');
    socket.binaryType = 'arraybuffer';
    assert.equal(socket.binaryType, 'arraybuffer');
    for (const value of ['Blob', 'ARRAYBUFFER', '', 'text', null, undefined, 1]) {
      socket.binaryType = value as 'blob';
      assert.equal(socket.binaryType, 'arraybuffer', String(value));
    }
    socket.binaryType = { toString: () => 'blob' } as unknown as 'blob';
    assert.equal(socket.binaryType, 'blob');
  });

  test('a Symbol is a TypeError (ToString)', () => {
    assert.throws(() => {
      ws.binaryType = Symbol('x') as unknown as 'blob';
    }, TypeError);
  });
});

describe('send() arguments (Web IDL union (BufferSource or Blob or USVString))', {
  timeout: 5000,
}, () => {
  test('no argument is a TypeError; undefined is the string "undefined"', () => {
    assert.throws(() => (ws.send as () => void)(), TypeError);
    const before = ws.bufferedAmount;
    ws.send(undefined as unknown as string);
    assert.equal(ws.bufferedAmount, before + 'undefined'.length);
  });

  test('bufferedAmount counts UTF-8 bytes; a lone surrogate counts as U+FFFD (3 bytes)', () => {
    const before = ws.bufferedAmount;
    ws.send('\uD800é€😀');
    assert.equal(ws.bufferedAmount, before + 3 + 2 + 3 + 4);
  });

  test('views count their own bytes, not their buffer', () => {
    const before = ws.bufferedAmount;
    ws.send(new Uint16Array(new ArrayBuffer(64), 8, 4));
    ws.send(new DataView(new ArrayBuffer(64), 1, 5));
    assert.equal(ws.bufferedAmount, before + 8 + 5);
  });

  test('views on a SharedArrayBuffer are TypeErrors; a SharedArrayBuffer itself is stringified', () => {
    assert.throws(() => ws.send(new Uint8Array(new SharedArrayBuffer(4))), TypeError);
    const before = ws.bufferedAmount;
    ws.send(new SharedArrayBuffer(4) as unknown as ArrayBuffer);
    assert.equal(ws.bufferedAmount, before + '[object SharedArrayBuffer]'.length);
  });

  test('a resizable ArrayBuffer is a TypeError', () => {
    const Resizable = ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer;
    assert.throws(() => ws.send(new Resizable(4, { maxByteLength: 8 })), TypeError);
  });
});
