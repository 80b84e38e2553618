import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import {
  type ClientRequestOptions,
  clientRequestHeaders,
  type ResponseExpectations,
  type ServerResponseLike,
  validateServerResponse,
} from '../../../src/handshake/client.js';
import { HandshakeError, type HandshakeErrorCode } from '../../../src/handshake/errors.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

// Compile-time: node's response object can be passed as it is.
export const fromNode = (res: IncomingMessage): ServerResponseLike => res;

describe('§4.1: clientRequestHeaders', () => {
  test('§4.1 items 5–9: Upgrade, Connection, Sec-WebSocket-Key and Sec-WebSocket-Version 13', () => {
    assert.deepEqual(clientRequestHeaders({ key: KEY }), {
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': KEY,
      'Sec-WebSocket-Version': '13',
    });
  });

  test('§4.1 item 10: subprotocols are joined with ", " in order', () => {
    const headers = clientRequestHeaders({ key: KEY, protocols: ['chat', 'superchat'] });
    assert.equal(headers['Sec-WebSocket-Protocol'], 'chat, superchat');
  });

  test('§4.1 item 10: no subprotocol, no Sec-WebSocket-Protocol', () => {
    assert.equal(
      'Sec-WebSocket-Protocol' in clientRequestHeaders({ key: KEY, protocols: [] }),
      false,
    );
  });

  test('§4.1 item 10: a subprotocol must be a token, listed once (TypeError)', () => {
    assert.throws(() => clientRequestHeaders({ key: KEY, protocols: ['a b'] }), {
      name: 'TypeError',
      message: /"a b" is not a token/,
    });
    assert.throws(() => clientRequestHeaders({ key: KEY, protocols: [''] }), TypeError);
    assert.throws(() => clientRequestHeaders({ key: KEY, protocols: ['chat\r\nX: 1'] }), TypeError);
    assert.throws(() => clientRequestHeaders({ key: KEY, protocols: ['chat', 'chat'] }), {
      name: 'TypeError',
      message: /twice/,
    });
  });

  test('§4.1 item 11: Sec-WebSocket-Extensions is sent as given', () => {
    const extensions = 'permessage-deflate; client_max_window_bits';
    const headers = clientRequestHeaders({ key: KEY, extensions });
    assert.equal(headers['Sec-WebSocket-Extensions'], extensions);
    assert.equal('Sec-WebSocket-Extensions' in clientRequestHeaders({ key: KEY }), false);
    assert.equal(
      'Sec-WebSocket-Extensions' in clientRequestHeaders({ key: KEY, extensions: '' }),
      false,
    );
  });

  test('§9.1: a malformed Sec-WebSocket-Extensions value is a TypeError', () => {
    for (const extensions of ['permessage-deflate;', 'a b', 'x\r\nEvil: 1', 'x; a="b c"']) {
      assert.throws(() => clientRequestHeaders({ key: KEY, extensions }), TypeError, extensions);
    }
  });

  test('§4.1 item 8: Origin is sent only when given', () => {
    assert.equal('Origin' in clientRequestHeaders({ key: KEY }), false);
    const headers = clientRequestHeaders({ key: KEY, origin: 'http://example.com' });
    assert.equal(headers.Origin, 'http://example.com');
  });

  test('§4.1 item 12: other header fields are added', () => {
    const headers = clientRequestHeaders({
      key: KEY,
      headers: { Authorization: 'Bearer x', 'X-Trace': '1' },
    });
    assert.equal(headers.Authorization, 'Bearer x');
    assert.equal(headers['X-Trace'], '1');
    assert.equal(headers.Upgrade, 'websocket');
  });

  test('§4.1: user headers cannot replace the handshake fields, in any case (TypeError)', () => {
    for (const name of [
      'Upgrade',
      'connection',
      'CONNECTION',
      'Sec-WebSocket-Key',
      'sec-websocket-key',
      'Sec-WebSocket-Version',
      'sec-websocket-protocol',
      'SEC-WEBSOCKET-EXTENSIONS',
    ]) {
      assert.throws(() => clientRequestHeaders({ key: KEY, headers: { [name]: 'x' } }), {
        name: 'TypeError',
        message: new RegExp(`"${name}" is set by the WebSocket handshake`),
      });
    }
  });

  test('§4.1 item 8: Origin given both as an option and as a header is a TypeError', () => {
    const opts: ClientRequestOptions = {
      key: KEY,
      origin: 'http://a.example',
      headers: { origin: 'http://b.example' },
    };
    assert.throws(() => clientRequestHeaders(opts), { name: 'TypeError', message: /twice/ });
    const fromHeaders = clientRequestHeaders({ key: KEY, headers: { Origin: 'http://b.example' } });
    assert.equal(fromHeaders.Origin, 'http://b.example');
  });

  test('a user header given twice in different cases is a TypeError', () => {
    assert.throws(
      () => clientRequestHeaders({ key: KEY, headers: { 'X-A': '1', 'x-a': '2' } }),
      TypeError,
    );
  });

  test('header injection: CR/LF in a user header name or value, or in Origin, is a TypeError', () => {
    for (const headers of [
      { 'X-A': 'a\r\nX-Evil: 1' },
      { 'X-A': 'a\nb' },
      { 'X-A\r\nX-Evil': '1' },
      { 'X A': '1' },
      { '': '1' },
    ]) {
      assert.throws(() => clientRequestHeaders({ key: KEY, headers }), TypeError);
    }
    assert.throws(() => clientRequestHeaders({ key: KEY, origin: 'http://a\r\nX: 1' }), TypeError);
  });

  test('§4.1 item 7: a key that is not 16 bytes in base64 is a TypeError', () => {
    assert.throws(() => clientRequestHeaders({ key: 'short' }), TypeError);
    assert.throws(() => clientRequestHeaders({ key: `${KEY}\r\nX: 1` }), TypeError);
  });
});

function response(headers: ServerResponseLike['headers'], statusCode = 101): ServerResponseLike {
  return {
    statusCode,
    headers: {
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-accept': ACCEPT,
      ...headers,
    },
  };
}

const EXPECT: ResponseExpectations = { key: KEY, offeredExtensions: [] };

function assertFails(
  res: ServerResponseLike,
  code: HandshakeErrorCode,
  message: RegExp,
  expected: ResponseExpectations = EXPECT,
): void {
  assert.throws(
    () => validateServerResponse(res, expected),
    (error: unknown) => {
      assert.ok(error instanceof HandshakeError, String(error));
      assert.equal(error.code, code);
      assert.match(error.message, message);
      // A client has no HTTP status to answer with.
      assert.equal(error.status, undefined);
      return true;
    },
  );
}

describe('§4.1: validateServerResponse', () => {
  test('§4.1: a valid response gives no subprotocol and no extensions', () => {
    assert.deepEqual(validateServerResponse(response({}), EXPECT), {
      protocol: '',
      extensions: [],
    });
  });

  test('§4.1 item 1: a status other than 101 is WS_HANDSHAKE_UNEXPECTED_STATUS', () => {
    assertFails(response({}, 200), 'WS_HANDSHAKE_UNEXPECTED_STATUS', /status 200/);
    assertFails(response({}, 426), 'WS_HANDSHAKE_UNEXPECTED_STATUS', /status 426/);
    assertFails(response({}, 302), 'WS_HANDSHAKE_UNEXPECTED_STATUS', /status 302/);
    assertFails(
      { headers: response({}).headers },
      'WS_HANDSHAKE_UNEXPECTED_STATUS',
      /status \(none\)/,
    );
  });

  test('§4.1 item 2: Upgrade must name websocket, case-insensitively', () => {
    const missing = response({ upgrade: undefined });
    assertFails(missing, 'WS_HANDSHAKE_BAD_UPGRADE', /Missing Upgrade/);
    assertFails(response({ upgrade: 'h2c' }), 'WS_HANDSHAKE_BAD_UPGRADE', /"h2c"/);
    assertFails(response({ upgrade: 'websockets' }), 'WS_HANDSHAKE_BAD_UPGRADE', /websocket/);
    assert.doesNotThrow(() => validateServerResponse(response({ upgrade: 'WebSocket' }), EXPECT));
    assert.doesNotThrow(() => validateServerResponse(response({ upgrade: ['WEBSOCKET'] }), EXPECT));
  });

  test('§4.1 item 3: Connection must contain the token Upgrade, case-insensitively', () => {
    assertFails(
      response({ connection: undefined }),
      'WS_HANDSHAKE_BAD_CONNECTION',
      /Missing Connection/,
    );
    assertFails(response({ connection: 'keep-alive' }), 'WS_HANDSHAKE_BAD_CONNECTION', /Upgrade/);
    assertFails(response({ connection: 'upgraded' }), 'WS_HANDSHAKE_BAD_CONNECTION', /Upgrade/);
    for (const connection of ['upgrade', 'UPGRADE', 'keep-alive, Upgrade']) {
      assert.doesNotThrow(() => validateServerResponse(response({ connection }), EXPECT));
    }
  });

  test('§4.1 item 4: Sec-WebSocket-Accept must be base64(SHA-1(key + GUID)) exactly', () => {
    assertFails(
      response({ 'sec-websocket-accept': undefined }),
      'WS_HANDSHAKE_BAD_ACCEPT',
      /Missing Sec-WebSocket-Accept/,
    );
    assertFails(
      response({ 'sec-websocket-accept': 'HSmrc0sMlYUkAGmm5OPpG2HaGWk=' }),
      'WS_HANDSHAKE_BAD_ACCEPT',
      /does not match/,
    );
    // base64 is case-sensitive.
    assertFails(
      response({ 'sec-websocket-accept': ACCEPT.toLowerCase() }),
      'WS_HANDSHAKE_BAD_ACCEPT',
      /does not match/,
    );
    assertFails(
      response({ 'sec-websocket-accept': [ACCEPT, ACCEPT] }),
      'WS_HANDSHAKE_BAD_ACCEPT',
      /does not match/,
    );
    // The accept value belongs to the key that was sent, not to another valid key.
    assertFails(response({}), 'WS_HANDSHAKE_BAD_ACCEPT', /does not match/, {
      key: 'x3JJHMbDL1EzLkh9GBhXDw==',
      offeredExtensions: [],
    });
  });

  test('§4.1 item 4: OWS around Sec-WebSocket-Accept is ignored', () => {
    const res = response({ 'sec-websocket-accept': ` \t${ACCEPT} ` });
    assert.doesNotThrow(() => validateServerResponse(res, EXPECT));
  });

  test('§4.1 item 6: a subprotocol the client offered is returned', () => {
    const res = response({ 'sec-websocket-protocol': 'superchat' });
    const expected = { ...EXPECT, protocols: ['chat', 'superchat'] };
    assert.equal(validateServerResponse(res, expected).protocol, 'superchat');
  });

  test('§4.1 item 6: the server may select no subprotocol', () => {
    const expected = { ...EXPECT, protocols: ['chat'] };
    assert.equal(validateServerResponse(response({}), expected).protocol, '');
  });

  test('§4.1 item 6: a subprotocol the client did not offer is WS_HANDSHAKE_UNEXPECTED_PROTOCOL', () => {
    const res = response({ 'sec-websocket-protocol': 'mqtt' });
    assertFails(res, 'WS_HANDSHAKE_UNEXPECTED_PROTOCOL', /"mqtt"/, {
      ...EXPECT,
      protocols: ['chat'],
    });
    // Subprotocols compare case-sensitively.
    const upper = response({ 'sec-websocket-protocol': 'Chat' });
    assertFails(upper, 'WS_HANDSHAKE_UNEXPECTED_PROTOCOL', /"Chat"/, {
      ...EXPECT,
      protocols: ['chat'],
    });
  });

  test('§4.1 item 6: any subprotocol is WS_HANDSHAKE_UNEXPECTED_PROTOCOL when none was offered', () => {
    const res = response({ 'sec-websocket-protocol': 'chat' });
    assertFails(res, 'WS_HANDSHAKE_UNEXPECTED_PROTOCOL', /"chat"/);
    assertFails(res, 'WS_HANDSHAKE_UNEXPECTED_PROTOCOL', /"chat"/, { ...EXPECT, protocols: [] });
  });

  test('§11.3.4: more than one subprotocol value is WS_HANDSHAKE_BAD_PROTOCOL', () => {
    const expected = { ...EXPECT, protocols: ['chat', 'superchat'] };
    for (const value of ['chat, superchat', ['chat', 'superchat'], ['chat', 'chat'], 'chat,']) {
      const res = response({ 'sec-websocket-protocol': value });
      assertFails(res, 'WS_HANDSHAKE_BAD_PROTOCOL', /not a single subprotocol/, expected);
    }
  });

  test('§4.2.2 /subprotocol/: an empty Sec-WebSocket-Protocol is WS_HANDSHAKE_BAD_PROTOCOL', () => {
    const res = response({ 'sec-websocket-protocol': '' });
    assertFails(res, 'WS_HANDSHAKE_BAD_PROTOCOL', /""/, { ...EXPECT, protocols: ['chat'] });
  });

  test('§4.1 item 5: extensions in use are returned, in the server order', () => {
    const res = response({
      'sec-websocket-extensions': 'x-b, PerMessage-Deflate; server_no_context_takeover',
    });
    const result = validateServerResponse(res, {
      key: KEY,
      offeredExtensions: ['permessage-deflate', 'X-B'],
    });
    assert.deepEqual(result.extensions, [
      { name: 'x-b', params: [] },
      { name: 'permessage-deflate', params: [['server_no_context_takeover', true]] },
    ]);
  });

  test('§4.1 item 5: an extension the client did not offer is WS_HANDSHAKE_UNEXPECTED_EXTENSION', () => {
    const res = response({ 'sec-websocket-extensions': 'permessage-deflate, x-foo' });
    assertFails(res, 'WS_HANDSHAKE_UNEXPECTED_EXTENSION', /"x-foo"/, {
      key: KEY,
      offeredExtensions: ['permessage-deflate'],
    });
    assertFails(res, 'WS_HANDSHAKE_UNEXPECTED_EXTENSION', /"permessage-deflate"/);
  });

  test('§9.1: a malformed Sec-WebSocket-Extensions is WS_HANDSHAKE_BAD_EXTENSIONS', () => {
    const expected = { key: KEY, offeredExtensions: ['permessage-deflate'] };
    for (const value of ['permessage-deflate;', '', 'permessage-deflate; a="b c"']) {
      const res = response({ 'sec-websocket-extensions': value });
      assertFails(res, 'WS_HANDSHAKE_BAD_EXTENSIONS', /Sec-WebSocket-Extensions/, expected);
    }
  });

  test('§4.1: checks run in the RFC order, so the first broken rule is reported', () => {
    const res = response({ upgrade: 'h2c', 'sec-websocket-accept': 'wrong' }, 200);
    assertFails(res, 'WS_HANDSHAKE_UNEXPECTED_STATUS', /200/);
    assertFails(
      response({ upgrade: 'h2c', connection: 'close' }),
      'WS_HANDSHAKE_BAD_UPGRADE',
      /h2c/,
    );
    const both = response({ connection: 'close', 'sec-websocket-accept': 'wrong' });
    assertFails(both, 'WS_HANDSHAKE_BAD_CONNECTION', /Upgrade/);
  });
});
