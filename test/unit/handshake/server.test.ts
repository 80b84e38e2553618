import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { clientRequestHeaders, validateServerResponse } from '../../../src/handshake/client.js';
import { HandshakeError, type HandshakeErrorCode } from '../../../src/handshake/errors.js';
import {
  buildAcceptResponse,
  buildRejectResponse,
  type ClientRequestLike,
  validateClientRequest,
} from '../../../src/handshake/server.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

// Compile-time: node's request object can be passed as it is.
export const fromNode = (req: IncomingMessage): ClientRequestLike => req;

// The client handshake of RFC 6455 §1.2, as node's IncomingMessage shows it.
function request(
  headers: ClientRequestLike['headers'] = {},
  method = 'GET',
  httpVersion = '1.1',
): ClientRequestLike {
  return {
    method,
    httpVersion,
    headers: {
      host: 'server.example.com',
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': KEY,
      origin: 'http://example.com',
      'sec-websocket-protocol': 'chat, superchat',
      'sec-websocket-version': '13',
      ...headers,
    },
  };
}

function assertRejected(
  req: ClientRequestLike,
  code: HandshakeErrorCode,
  status: number,
  headers?: Record<string, string>,
): HandshakeError {
  const check = validateClientRequest(req);
  assert.equal(check.ok, false, 'expected a rejection');
  if (check.ok) throw new Error('unreachable');
  assert.ok(check.error instanceof HandshakeError);
  assert.equal(check.error.code, code);
  assert.equal(check.error.status, status);
  assert.deepEqual(check.error.headers, headers);
  return check.error;
}

function assertAccepted(req: ClientRequestLike): void {
  const check = validateClientRequest(req);
  assert.equal(check.ok, true, check.ok ? '' : check.error.message);
}

describe('§4.2.1: validateClientRequest', () => {
  test('§4.2.1: the RFC example handshake is accepted', () => {
    assert.deepEqual(validateClientRequest(request()), {
      ok: true,
      key: KEY,
      protocols: ['chat', 'superchat'],
      extensions: [],
    });
  });

  test('§4.2.1 items 8–9: no subprotocol and the offered extensions', () => {
    const check = validateClientRequest(
      request({
        'sec-websocket-protocol': undefined,
        'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits, x-foo',
      }),
    );
    assert.deepEqual(check, {
      ok: true,
      key: KEY,
      protocols: [],
      extensions: [
        { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
        { name: 'x-foo', params: [] },
      ],
    });
  });

  test('§4.2.1 item 1: another method is WS_HANDSHAKE_BAD_METHOD, 405 with Allow: GET', () => {
    for (const method of ['POST', 'HEAD', 'get', 'CONNECT', undefined]) {
      const req = { ...request(), method };
      assertRejected(req, 'WS_HANDSHAKE_BAD_METHOD', 405, { Allow: 'GET' });
    }
  });

  test('§4.2.1 item 1: HTTP below 1.1 is WS_HANDSHAKE_BAD_HTTP_VERSION, 400', () => {
    for (const version of ['1.0', '0.9', '', 'x', '1', '1.1.1', '01.1x']) {
      const error = assertRejected(
        request({}, 'GET', version),
        'WS_HANDSHAKE_BAD_HTTP_VERSION',
        400,
      );
      assert.match(error.message, /below 1\.1/);
    }
    for (const version of ['1.1', '1.2', '2.0', '3.0']) assertAccepted(request({}, 'GET', version));
  });

  test('§4.2.1 item 2: a missing, empty or repeated Host is WS_HANDSHAKE_BAD_HOST, 400', () => {
    for (const host of [undefined, '', '  ', ['a.example', 'b.example'], []]) {
      assertRejected(request({ host }), 'WS_HANDSHAKE_BAD_HOST', 400);
    }
    assertAccepted(request({ host: ['server.example.com'] }));
  });

  test('§4.2.1 item 3: no Upgrade at all is WS_HANDSHAKE_UPGRADE_REQUIRED, 426 with Upgrade', () => {
    for (const upgrade of [undefined, '', ' ']) {
      assertRejected(request({ upgrade }), 'WS_HANDSHAKE_UPGRADE_REQUIRED', 426, {
        Upgrade: 'websocket',
      });
    }
  });

  test('§4.2.1 item 3: an Upgrade without websocket is WS_HANDSHAKE_BAD_UPGRADE, 400', () => {
    for (const upgrade of ['h2c', 'websockets', 'web socket', ',']) {
      assertRejected(request({ upgrade }), 'WS_HANDSHAKE_BAD_UPGRADE', 400);
    }
  });

  test('§4.2.1 item 3: websocket is matched case-insensitively, among other protocols', () => {
    for (const upgrade of ['WebSocket', 'WEBSOCKET', 'h2c, websocket', ['h2c', 'websocket']]) {
      assertAccepted(request({ upgrade }));
    }
  });

  test('§4.2.1 item 4: Connection without Upgrade is WS_HANDSHAKE_BAD_CONNECTION, 400', () => {
    for (const connection of [undefined, '', 'keep-alive', 'close', 'upgrades']) {
      assertRejected(request({ connection }), 'WS_HANDSHAKE_BAD_CONNECTION', 400);
    }
    for (const connection of ['upgrade', 'keep-alive, Upgrade', ['keep-alive', 'UPGRADE']]) {
      assertAccepted(request({ connection }));
    }
  });

  test('§4.2.2 item 4, §4.4: another version is WS_HANDSHAKE_BAD_VERSION, 426 with version 13', () => {
    for (const version of [undefined, '', '8', '7', '25', '013', '13, 8', ['13', '13'], '13.0']) {
      assertRejected(
        request({ 'sec-websocket-version': version }),
        'WS_HANDSHAKE_BAD_VERSION',
        426,
        {
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
        },
      );
    }
    assertAccepted(request({ 'sec-websocket-version': ' 13\t' }));
    assertAccepted(request({ 'sec-websocket-version': ['13'] }));
  });

  test('§4.4: the version is checked before the key, so any client learns our version', () => {
    const req = request({ 'sec-websocket-version': '8', 'sec-websocket-key': 'other-format' });
    assertRejected(req, 'WS_HANDSHAKE_BAD_VERSION', 426, {
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
    });
  });

  test('§4.2.1 item 5: a missing or invalid key is WS_HANDSHAKE_BAD_KEY, 400', () => {
    for (const key of [
      undefined,
      '',
      'dGhlIHNhbXBsZSBub25jZQ',
      'dGhlIHNhbXBsZSBub25jZQA=',
      [KEY, KEY],
      `${KEY}, ${KEY}`,
    ]) {
      assertRejected(request({ 'sec-websocket-key': key }), 'WS_HANDSHAKE_BAD_KEY', 400);
    }
  });

  test('§4.2.1 item 5: OWS around the key is ignored and the key is returned trimmed', () => {
    const check = validateClientRequest(request({ 'sec-websocket-key': ` ${KEY}\t` }));
    assert.ok(check.ok);
    assert.equal(check.key, KEY);
  });

  test('§4.2.1 item 8: a malformed Sec-WebSocket-Protocol is WS_HANDSHAKE_BAD_PROTOCOL, 400', () => {
    for (const protocol of ['', 'chat, chat', 'super chat', '"chat"']) {
      const req = request({ 'sec-websocket-protocol': protocol });
      assertRejected(req, 'WS_HANDSHAKE_BAD_PROTOCOL', 400);
    }
  });

  test('§4.2.1 item 9: a malformed Sec-WebSocket-Extensions is WS_HANDSHAKE_BAD_EXTENSIONS, 400', () => {
    for (const extensions of ['', 'permessage-deflate;', 'x; a="b,c"', 'a b']) {
      const req = request({ 'sec-websocket-extensions': extensions });
      assertRejected(req, 'WS_HANDSHAKE_BAD_EXTENSIONS', 400);
    }
  });

  test('§4.2.1: checks run in the RFC order, so the first broken rule is reported', () => {
    const req = request({ host: undefined, upgrade: 'h2c' }, 'GET', '1.0');
    assertRejected(req, 'WS_HANDSHAKE_BAD_HTTP_VERSION', 400);
    assertRejected(request({ host: undefined, upgrade: 'h2c' }), 'WS_HANDSHAKE_BAD_HOST', 400);
    const noConnection = request({ upgrade: 'h2c', connection: undefined });
    assertRejected(noConnection, 'WS_HANDSHAKE_BAD_UPGRADE', 400);
  });

  test('§4.2.1: never throws, and every rejection has a status', () => {
    const field = fc.option(
      fc.oneof(
        fc.string({ unit: 'binary-ascii', maxLength: 40 }),
        fc.array(fc.string({ unit: 'binary-ascii', maxLength: 20 }), { maxLength: 3 }),
        fc.constantFrom('websocket', 'Upgrade', '13', KEY, 'chat, superchat', 'a; b="c"'),
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(
        fc.option(fc.constantFrom('GET', 'POST', 'get'), { nil: undefined }),
        fc.constantFrom('1.1', '1.0', '2.0', 'x'),
        fc.record({
          host: field,
          upgrade: field,
          connection: field,
          'sec-websocket-key': field,
          'sec-websocket-version': field,
          'sec-websocket-protocol': field,
          'sec-websocket-extensions': field,
        }),
        (method, httpVersion, headers) => {
          const check = validateClientRequest({ method, httpVersion, headers });
          if (!check.ok) {
            assert.ok(check.error instanceof HandshakeError);
            assert.ok([400, 405, 426].includes(check.error.status), String(check.error.status));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('§4.2.2 item 5: buildAcceptResponse', () => {
  test('§4.2.2: the response to the RFC example', () => {
    assert.equal(
      buildAcceptResponse({ key: KEY }),
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${ACCEPT}\r\n` +
        '\r\n',
    );
  });

  test('§4.2.2 items 5.5–5.6: the selected subprotocol and extensions, then extra headers', () => {
    const text = buildAcceptResponse({
      key: KEY,
      protocol: 'chat',
      extensions: [
        { name: 'permessage-deflate', params: [['server_no_context_takeover', true]] },
        { name: 'x-foo', params: [['a', '1']] },
      ],
      headers: { 'X-Server': 'wskit', 'Set-Cookie': ['a=1', 'b=2'] },
    });
    assert.equal(
      text,
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${ACCEPT}\r\n` +
        'Sec-WebSocket-Protocol: chat\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover, x-foo; a=1\r\n' +
        'X-Server: wskit\r\n' +
        'Set-Cookie: a=1\r\n' +
        'Set-Cookie: b=2\r\n' +
        '\r\n',
    );
  });

  test('§4.2.2 /extensions/: an empty list sends no Sec-WebSocket-Extensions', () => {
    assert.doesNotMatch(buildAcceptResponse({ key: KEY, extensions: [] }), /Extensions/);
  });

  test('§4.2.2 /subprotocol/: the empty string or a non-token is a TypeError', () => {
    for (const protocol of ['', 'a b', 'chat\r\nX-Evil: 1']) {
      assert.throws(() => buildAcceptResponse({ key: KEY, protocol }), TypeError);
    }
  });

  test('§4.2.2 /key/: an invalid key is a TypeError', () => {
    assert.throws(() => buildAcceptResponse({ key: 'nope' }), TypeError);
  });

  test('§4.2.2: headers cannot replace the handshake fields or give a 1xx a body (TypeError)', () => {
    for (const name of [
      'Upgrade',
      'connection',
      'Sec-WebSocket-Accept',
      'sec-websocket-protocol',
      'SEC-WEBSOCKET-EXTENSIONS',
      'Content-Length',
      'transfer-encoding',
    ]) {
      assert.throws(() => buildAcceptResponse({ key: KEY, headers: { [name]: 'x' } }), {
        name: 'TypeError',
        message: new RegExp(`"${name}"`),
      });
    }
  });

  test('header injection: CR/LF in a header name or value is a TypeError', () => {
    for (const headers of [
      { 'X-A': 'a\r\nSet-Cookie: evil=1' },
      { 'X-A': ['ok', 'b\nc'] },
      { 'X-A\r\nSet-Cookie': 'evil=1' },
      { 'X-A:': '1' },
    ]) {
      assert.throws(() => buildAcceptResponse({ key: KEY, headers }), TypeError);
    }
  });
});

describe('§4.2.1, §4.2.2: buildRejectResponse', () => {
  test('§4.2.1: a 400 with the reason phrase as a body, closing the connection', () => {
    assert.equal(
      buildRejectResponse(400),
      'HTTP/1.1 400 Bad Request\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 11\r\n' +
        '\r\n' +
        'Bad Request',
    );
  });

  test('RFC 9112 §6.3: Content-Length counts UTF-8 bytes, not characters', () => {
    const text = buildRejectResponse(403, { body: 'é€' });
    assert.match(text, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(text, /\r\nContent-Length: 5\r\n\r\né€$/);
    assert.match(buildRejectResponse(404, { body: '' }), /\r\nContent-Length: 0\r\n\r\n$/);
  });

  test('§4.4: the 426 of a version mismatch carries Sec-WebSocket-Version and Upgrade', () => {
    const check = validateClientRequest(request({ 'sec-websocket-version': '8' }));
    assert.ok(!check.ok);
    const text = buildRejectResponse(check.error.status, { headers: check.error.headers });
    assert.equal(
      text,
      'HTTP/1.1 426 Upgrade Required\r\n' +
        // RFC 9110 §7.8: a sender of Upgrade also lists "upgrade" in Connection.
        'Connection: Upgrade, close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 16\r\n' +
        'Upgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\n' +
        '\r\n' +
        'Upgrade Required',
    );
  });

  test('RFC 9110 §15.5.6: the 405 of another method carries Allow: GET', () => {
    const check = validateClientRequest(request({}, 'POST'));
    assert.ok(!check.ok);
    const text = buildRejectResponse(check.error.status, { headers: check.error.headers });
    assert.match(text, /^HTTP\/1\.1 405 Method Not Allowed\r\nConnection: close\r\n/);
    assert.match(text, /\r\nAllow: GET\r\n/);
  });

  test('a Content-Type header replaces the default one', () => {
    const text = buildRejectResponse(401, {
      headers: { 'content-type': 'application/json', 'WWW-Authenticate': 'Bearer' },
      body: '{}',
    });
    assert.doesNotMatch(text, /text\/plain/);
    assert.match(text, /\r\ncontent-type: application\/json\r\n/);
    assert.match(text, /\r\nWWW-Authenticate: Bearer\r\n/);
  });

  test('§4.2.2 item 3: a redirect is allowed', () => {
    const text = buildRejectResponse(302, { headers: { Location: 'wss://example.com/' } });
    assert.match(text, /^HTTP\/1\.1 302 Found\r\n/);
    assert.match(text, /\r\nLocation: wss:\/\/example\.com\/\r\n/);
  });

  test('RFC 9112 §4: an unknown status has an empty reason phrase', () => {
    assert.match(buildRejectResponse(599), /^HTTP\/1\.1 599 \r\n.*Content-Length: 0\r\n\r\n$/s);
  });

  test('a status outside 300–599 is a RangeError', () => {
    for (const status of [101, 200, 204, 299, 600, 400.5, Number.NaN]) {
      assert.throws(() => buildRejectResponse(status), RangeError, String(status));
    }
  });

  test('the framing fields are ours: Connection, Content-Length, Transfer-Encoding (TypeError)', () => {
    for (const name of ['Connection', 'content-length', 'Transfer-Encoding']) {
      assert.throws(() => buildRejectResponse(400, { headers: { [name]: 'x' } }), {
        name: 'TypeError',
        message: new RegExp(`"${name}"`),
      });
    }
  });

  test('header injection: CR/LF in a header name or value is a TypeError', () => {
    for (const headers of [
      { 'X-A': 'a\r\n\r\n<html>' },
      { 'X-A': ['b\rc'] },
      { 'X-A\nB': '1' },
      { 'X A': '1' },
    ]) {
      assert.throws(() => buildRejectResponse(400, { headers }), TypeError);
    }
  });
});

// Reads the head of a raw response the way node does: lower-case names, repeated lines joined.
function parseHead(text: string): { statusCode: number; headers: Record<string, string> } {
  const lines = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
  const statusCode = Number(/^HTTP\/1\.1 (\d{3}) /.exec(lines[0] ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { statusCode, headers };
}

describe('§4: client and server handshakes agree', () => {
  test('§4.1, §4.2: a request the client builds is accepted, and the response validates', () => {
    const key = 'x3JJHMbDL1EzLkh9GBhXDw==';
    const sent = clientRequestHeaders({
      key,
      protocols: ['chat', 'superchat'],
      extensions: 'permessage-deflate; client_max_window_bits',
      origin: 'http://example.com',
    });
    const headers: Record<string, string> = { host: 'server.example.com' };
    for (const [name, value] of Object.entries(sent)) headers[name.toLowerCase()] = value;
    const check = validateClientRequest({ method: 'GET', httpVersion: '1.1', headers });
    assert.ok(check.ok);
    assert.equal(check.key, key);

    const reply = buildAcceptResponse({
      key: check.key,
      protocol: check.protocols[1]!,
      extensions: [{ name: check.extensions[0]!.name, params: [['client_max_window_bits', '10']] }],
    });
    const accepted = validateServerResponse(parseHead(reply), {
      key,
      protocols: ['chat', 'superchat'],
      offeredExtensions: ['permessage-deflate'],
    });
    assert.deepEqual(accepted, {
      protocol: 'superchat',
      extensions: [{ name: 'permessage-deflate', params: [['client_max_window_bits', '10']] }],
    });
  });
});
