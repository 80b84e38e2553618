import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UsageError } from '../../../src/protocol/errors.js';
import { WebSocket } from '../../../src/whatwg/websocket.js';
import { nextEvent } from '../../helpers/ws-events.js';

/**
 * Constructs a WebSocket and closes it in the same turn: the dial, which starts after the
 * constructor returns, never happens, so nothing touches the network.
 */
async function construct(...args: ConstructorParameters<typeof WebSocket>): Promise<WebSocket> {
  const ws = new WebSocket(...args);
  const closed = nextEvent(ws, 'close');
  ws.close();
  await closed;
  return ws;
}

function assertSyntaxError(fn: () => unknown): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DOMException, `${String(error)} is a DOMException`);
    assert.equal(error.name, 'SyntaxError');
    assert.equal(error.code, DOMException.SYNTAX_ERR);
    return true;
  });
}

describe('WebSocket constructor: URL (WebSockets §3.1 steps 1–7)', { timeout: 5000 }, () => {
  test('steps 1–3: an unparsable URL is a SyntaxError', () => {
    for (const url of [
      '',
      'ws://',
      'ws://exa mple.com/',
      'ws://[::1/',
      'ws://host:99999/',
      'nonsense',
    ]) {
      assertSyntaxError(() => new WebSocket(url));
    }
  });

  test('steps 1–3: a relative URL is a SyntaxError (no API base URL outside a document)', () => {
    for (const url of ['/chat', 'chat', '//example.com/chat', '?x']) {
      assertSyntaxError(() => new WebSocket(url));
    }
  });

  test('steps 4–5: http: and https: become ws: and wss:', async () => {
    assert.equal((await construct('http://127.0.0.1:1/a?b')).url, 'ws://127.0.0.1:1/a?b');
    assert.equal((await construct('HTTPS://Example.COM/')).url, 'wss://example.com/');
  });

  test('step 6: any other scheme is a SyntaxError', () => {
    for (const url of [
      'ftp://example.com/',
      'file:///tmp/x',
      'data:,x',
      'javascript:1',
      'wss+unix://x',
      'about:blank',
    ]) {
      assertSyntaxError(() => new WebSocket(url));
    }
  });

  test('step 7: a fragment, even an empty one, is a SyntaxError', () => {
    assertSyntaxError(() => new WebSocket('ws://example.com/#'));
    assertSyntaxError(() => new WebSocket('ws://example.com/#frag'));
    assertSyntaxError(() => new WebSocket('wss://example.com/path?q#x'));
  });

  test('the url attribute is the serialized URL record', async () => {
    assert.equal((await construct('ws://127.0.0.1:1')).url, 'ws://127.0.0.1:1/');
    assert.equal((await construct('ws://127.0.0.1:80/')).url, 'ws://127.0.0.1/');
    assert.equal((await construct('wss://[::1]:443/x y')).url, 'wss://[::1]/x%20y');
    assert.equal(
      (await construct(new URL('ws://127.0.0.1:1/p?q=1'))).url,
      'ws://127.0.0.1:1/p?q=1',
    );
  });

  test('USVString: a lone surrogate in the URL becomes U+FFFD before parsing', async () => {
    assert.equal((await construct('ws://127.0.0.1:1/\uD800')).url, 'ws://127.0.0.1:1/%EF%BF%BD');
  });

  test('arguments: none is a TypeError; a Symbol URL is a TypeError; no `new` is a TypeError', () => {
    const Ctor = WebSocket as unknown as new (...args: unknown[]) => WebSocket;
    assert.throws(() => new Ctor(), TypeError);
    assert.throws(() => new Ctor(Symbol('x')), TypeError);
    assert.throws(() => (WebSocket as unknown as (url: string) => void)('ws://x/'), TypeError);
  });
});

describe('WebSocket constructor: protocols (WebSockets §3.1 steps 8–9)', { timeout: 5000 }, () => {
  const url = 'ws://127.0.0.1:1/';

  test('a string, a sequence, any iterable, or nothing', async () => {
    await construct(url, 'chat');
    await construct(url, ['chat', 'superchat']);
    await construct(url, new Set(['a', 'b']));
    await construct(url, []);
    await construct(url, undefined);
  });

  test('null is the string "null", a valid token (Web IDL DOMString)', async () => {
    await construct(url, null as unknown as string);
  });

  test('an invalid token is a SyntaxError', () => {
    for (const protocol of ['', 'a b', 'a,b', 'chat\r\n', '\u00e9', '"x"', 'a/b', '{x}', 'a\tb']) {
      assertSyntaxError(() => new WebSocket(url, protocol));
      assertSyntaxError(() => new WebSocket(url, ['ok', protocol]));
    }
  });

  test('a protocol given twice is a SyntaxError, also when it differs only in case', () => {
    assertSyntaxError(() => new WebSocket(url, ['chat', 'chat']));
    assertSyntaxError(() => new WebSocket(url, ['echo', 'eCho']));
    assertSyntaxError(() => new WebSocket(url, { protocols: ['A', 'a'] }));
  });

  test('a URL error is reported before a protocol error', () => {
    assertSyntaxError(() => new WebSocket('ftp://x/', ['a b']));
  });

  test('sequence members are converted with ToString; a Symbol member is a TypeError', async () => {
    await construct(url, [{ toString: () => 'chat' }] as unknown as string[]);
    assert.throws(() => new WebSocket(url, [Symbol('x')] as unknown as string[]), TypeError);
  });
});

describe('WebSocket constructor: Node options', { timeout: 5000 }, () => {
  const url = 'ws://127.0.0.1:1/';

  test('an options object is accepted, with protocols inside', async () => {
    const ws = await construct(url, {
      protocols: 'chat',
      headers: { 'X-Test': '1' },
      origin: 'https://example.com',
      maxPayload: 1024,
      handshakeTimeout: 1000,
      closeTimeout: 1000,
      perMessageDeflate: true,
    });
    assert.equal(ws.protocol, '');
  });

  test('options of the wrong type are TypeErrors', () => {
    const bad: unknown[] = [
      { maxPayload: 0 },
      { maxPayload: '1' },
      { handshakeTimeout: -1 },
      { closeTimeout: Number.NaN },
      { origin: 1 },
      { signal: {} },
      { onDiagnostic: 'x' },
      { tls: 'x' },
      { headers: 'x' },
      { headers: { 'X-Number': 1 } },
    ];
    for (const options of bad) {
      assert.throws(
        () => new WebSocket(url, options as object),
        TypeError,
        JSON.stringify(options),
      );
    }
  });

  test('perMessageDeflate: a boolean or options; a bad value throws at construction', () => {
    assert.throws(
      () => new WebSocket(url, { perMessageDeflate: 1 as unknown as boolean }),
      TypeError,
    );
    for (const options of [
      { serverMaxWindowBits: 16 },
      { clientMaxWindowBits: 7 },
      { level: 10 },
    ]) {
      assert.throws(
        () => new WebSocket(url, { perMessageDeflate: options }),
        (error: Error) => (error as UsageError).code === 'WS_USAGE_INVALID_OPTION',
        JSON.stringify(options),
      );
    }
    for (const perMessageDeflate of [false, true, { serverNoContextTakeover: true }]) {
      new WebSocket(url, { perMessageDeflate }).close();
    }
  });

  test('headers the handshake owns, or that cannot be written, are TypeErrors', () => {
    assert.throws(() => new WebSocket(url, { headers: { 'Sec-WebSocket-Key': 'x' } }), TypeError);
    assert.throws(() => new WebSocket(url, { headers: { upgrade: 'h2c' } }), TypeError);
    assert.throws(() => new WebSocket(url, { headers: { 'X-A': 'a\r\nX-B: b' } }), TypeError);
    assert.throws(() => new WebSocket(url, { headers: { 'Bad Name': 'x' } }), TypeError);
  });

  test('headers may be given as an iterable of pairs (a Headers object)', async () => {
    // The DOM lib here lacks DOM.Iterable, so Headers is cast to what it is at run time.
    const headers = new Headers({ 'X-Test': '1' }) as unknown as Iterable<[string, string]>;
    await construct(url, { headers });
    await construct(url, { headers: [['X-Test', '1']] });
  });
});

describe('WebSocket initial state (WebSockets §3.1)', { timeout: 5000 }, () => {
  test('readyState CONNECTING, empty protocol and extensions, binaryType blob, bufferedAmount 0', () => {
    const ws = new WebSocket('ws://127.0.0.1:1/');
    assert.equal(ws.readyState, WebSocket.CONNECTING);
    assert.equal(ws.protocol, '');
    assert.equal(ws.extensions, '');
    assert.equal(ws.binaryType, 'blob');
    assert.equal(ws.bufferedAmount, 0);
    for (const handler of [ws.onopen, ws.onmessage, ws.onerror, ws.onclose])
      assert.equal(handler, null);
    ws.close();
    assert.equal(ws.readyState, WebSocket.CLOSING);
  });

  test('send() while CONNECTING throws an InvalidStateError', async () => {
    const ws = new WebSocket('ws://127.0.0.1:1/');
    assert.throws(() => ws.send('x'), {
      name: 'InvalidStateError',
      code: DOMException.INVALID_STATE_ERR,
    });
    assert.equal(ws.bufferedAmount, 0);
    const closed = nextEvent(ws, 'close');
    ws.close();
    await closed;
  });

  test('close() while CONNECTING: CLOSING at once, then error and close (1006, not clean) as tasks', async () => {
    const ws = new WebSocket('ws://127.0.0.1:1/');
    const log: string[] = [];
    ws.onerror = (event) => log.push(`error ${event.constructor.name} ${ws.readyState}`);
    ws.onclose = (event) =>
      log.push(`close ${event.code} ${event.reason === ''} ${event.wasClean} ${ws.readyState}`);
    const closed = nextEvent(ws, 'close');
    ws.close(1000, 'bye');
    assert.deepEqual(log, [], 'no event inside close()');
    assert.equal(ws.readyState, WebSocket.CLOSING);
    ws.close();
    await closed;
    assert.deepEqual(log, ['error Event 3', 'close 1006 true false 3']);
  });

  test('after CLOSED, send() throws nothing and only grows bufferedAmount', async () => {
    const ws = await construct('ws://127.0.0.1:1/');
    assert.equal(ws.readyState, WebSocket.CLOSED);
    ws.send('héllo');
    ws.send(new Uint8Array(7));
    ws.send(new ArrayBuffer(3));
    ws.send(new Blob(['abcd']));
    assert.equal(ws.bufferedAmount, 6 + 7 + 3 + 4);
  });
});
