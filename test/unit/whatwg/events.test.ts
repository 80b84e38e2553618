import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloseEvent, MessageEvent } from '../../../src/whatwg/events.js';

describe('CloseEvent (WebSockets §6)', { timeout: 5000 }, () => {
  test('defaults: wasClean false, code 0, reason ""', () => {
    const event = new CloseEvent('close');
    assert.equal(event.type, 'close');
    assert.equal(event.wasClean, false);
    assert.equal(event.code, 0);
    assert.equal(event.reason, '');
    assert.equal(event.bubbles, false);
    assert.equal(event.cancelable, false);
    assert.ok(event instanceof Event);
  });

  test('the init dictionary, EventInit members included', () => {
    const event = new CloseEvent('x', {
      wasClean: true,
      code: 4000,
      reason: 'done',
      bubbles: true,
      cancelable: true,
      composed: true,
    });
    assert.equal(event.wasClean, true);
    assert.equal(event.code, 4000);
    assert.equal(event.reason, 'done');
    assert.equal(event.bubbles, true);
    assert.equal(event.cancelable, true);
    assert.equal(event.composed, true);
  });

  test('conversions: boolean, unsigned short (modulo 2^16), USVString', () => {
    const init = { wasClean: 'yes', code: 65536 + 1000.9, reason: 'a\uDC00b' };
    const event = new CloseEvent('close', init as unknown as CloseEventInit);
    assert.equal(event.wasClean, true);
    assert.equal(event.code, 1000);
    assert.equal(event.reason, 'a\uFFFDb');
    assert.equal(new CloseEvent('close', { code: -1 }).code, 65535);
    assert.equal(new CloseEvent('close', { code: Number.NaN }).code, 0);
    assert.equal(new CloseEvent('close', null as unknown as CloseEventInit).code, 0);
  });

  test('a type is required; a non-object init dictionary is a TypeError', () => {
    const Ctor = CloseEvent as unknown as new (...args: unknown[]) => Event;
    assert.throws(() => new Ctor(), TypeError);
    assert.throws(() => new Ctor('close', 5), TypeError);
    assert.throws(() => new Ctor('close', 'x'), TypeError);
  });

  test('attributes are brand-checked accessors on the prototype; @@toStringTag', () => {
    for (const name of ['wasClean', 'code', 'reason']) {
      const descriptor = Object.getOwnPropertyDescriptor(CloseEvent.prototype, name);
      assert.ok(descriptor?.get, name);
      assert.equal(descriptor.enumerable, true);
      assert.equal(descriptor.configurable, true);
      assert.equal(descriptor.set, undefined);
      assert.throws(() => descriptor.get!.call(new Event('close')), TypeError);
      assert.throws(() => descriptor.get!.call(Object.create(CloseEvent.prototype)), TypeError);
    }
    assert.equal(Object.prototype.toString.call(new CloseEvent('close')), '[object CloseEvent]');
    assert.equal(CloseEvent.name, 'CloseEvent');
    assert.equal(CloseEvent.length, 1);
  });

  test('is dispatchable on an EventTarget', () => {
    const target = new EventTarget();
    let received: Event | undefined;
    target.addEventListener('close', (event) => {
      received = event;
    });
    const event = new CloseEvent('close', { code: 1000 });
    target.dispatchEvent(event);
    assert.equal(received, event);
  });
});

describe('MessageEvent (HTML §9.2.3, Node global)', { timeout: 5000 }, () => {
  test('is the global MessageEvent', () => {
    assert.equal(MessageEvent, globalThis.MessageEvent);
  });

  test('defaults and the init dictionary', () => {
    const empty = new MessageEvent('message');
    assert.equal(empty.data, null);
    assert.equal(empty.origin, '');
    assert.equal(empty.lastEventId, '');
    assert.equal(empty.source, null);
    assert.deepEqual([...empty.ports], []);
    const buffer = new ArrayBuffer(2);
    const event = new MessageEvent('message', { data: buffer, origin: 'ws://127.0.0.1:8080' });
    assert.equal(event.data, buffer);
    assert.equal(event.origin, 'ws://127.0.0.1:8080');
    assert.ok(event instanceof Event);
  });

  test('data is brand-checked', () => {
    const get = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'data')?.get;
    assert.ok(get);
    assert.throws(() => get.call(new Event('message')), TypeError);
  });
});

type CloseEventInit = ConstructorParameters<typeof CloseEvent>[1];
