import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HandshakeError, type HandshakeErrorCode } from '../../../src/handshake/errors.js';
import {
  assertFieldLine,
  type ExtensionOffer,
  formatExtensions,
  hasToken,
  isToken,
  parseExtensions,
  parseProtocols,
  parseTokenList,
  trimOWS,
} from '../../../src/handshake/header-grammar.js';

function assertBad(fn: () => unknown, code: HandshakeErrorCode, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof HandshakeError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.status, 400);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

const badExtensions = (value: string | string[], message?: RegExp): void =>
  assertBad(() => parseExtensions(value), 'WS_HANDSHAKE_BAD_EXTENSIONS', message);

describe('RFC 9110 §5.6.2: token', () => {
  test('§5.6.2: every tchar is a token character', () => {
    const tchars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    assert.equal(isToken(tchars), true);
    for (const c of tchars) assert.equal(isToken(c), true, c);
  });

  test('§5.6.2: delimiters, whitespace, controls and non-ASCII are not', () => {
    for (const c of '"(),/:;<=>?@[\\]{} \t\r\n\0\x7f\x80\u00e9\u212a') {
      assert.equal(isToken(`a${c}b`), false, JSON.stringify(c));
    }
  });

  test('§5.6.2: a token has at least one character', () => {
    assert.equal(isToken(''), false);
  });
});

describe('RFC 9110 §5.6.3: OWS', () => {
  test('§5.6.3: only SP and HTAB are optional whitespace', () => {
    assert.equal(trimOWS(' \t a b \t '), 'a b');
    assert.equal(trimOWS('\r\na\n'), '\r\na\n');
    assert.equal(trimOWS('\u00a0a'), '\u00a0a');
    assert.equal(trimOWS('  '), '');
  });
});

describe('RFC 9110 §5.6.1: parseTokenList', () => {
  test('§5.6.1: elements are separated by commas with OWS around them', () => {
    assert.deepEqual(parseTokenList('a,b'), ['a', 'b']);
    assert.deepEqual(parseTokenList(' a \t,\tb , c '), ['a', 'b', 'c']);
  });

  test('§5.6.1.2: empty elements are ignored', () => {
    assert.deepEqual(parseTokenList('a, ,b'), ['a', 'b']);
    assert.deepEqual(parseTokenList(',a,,b,'), ['a', 'b']);
    assert.deepEqual(parseTokenList(' , ,'), []);
    assert.deepEqual(parseTokenList(''), []);
  });

  test('§5.6.1: an element that is not a token is WS_HANDSHAKE_BAD_HEADER (400)', () => {
    assertBad(() => parseTokenList('a b'), 'WS_HANDSHAKE_BAD_HEADER', /"a b" is not a token/);
    assertBad(() => parseTokenList('a, "b"'), 'WS_HANDSHAKE_BAD_HEADER');
    assertBad(() => parseTokenList('a;b'), 'WS_HANDSHAKE_BAD_HEADER');
    assertBad(() => parseTokenList('a\n'), 'WS_HANDSHAKE_BAD_HEADER');
  });
});

describe('§4.2.1 items 3–4: hasToken', () => {
  test('§4.2.1: finds a token among other connection options', () => {
    assert.equal(hasToken('keep-alive, Upgrade', 'upgrade'), true);
    assert.equal(hasToken('Upgrade', 'upgrade'), true);
    assert.equal(hasToken('\tupgrade , close', 'Upgrade'), true);
  });

  test('§2.1: compares ASCII case-insensitively', () => {
    assert.equal(hasToken('WebSocket', 'websocket'), true);
    assert.equal(hasToken('UPGRADE', 'upgrade'), true);
    // U+212A KELVIN SIGN lower-cases to "k" in Unicode, but is not ASCII.
    assert.equal(hasToken('websoc\u212aet', 'websocket'), false);
  });

  test('§4.2.1: matches whole elements, not substrings', () => {
    assert.equal(hasToken('upgrade-insecure-requests', 'upgrade'), false);
    assert.equal(hasToken('xupgrade', 'upgrade'), false);
    assert.equal(hasToken('up grade', 'upgrade'), false);
    assert.equal(hasToken('', 'upgrade'), false);
    assert.equal(hasToken(undefined, 'upgrade'), false);
  });

  test('RFC 9110 §5.3: looks in every field line', () => {
    assert.equal(hasToken(['keep-alive', 'Upgrade'], 'upgrade'), true);
    assert.equal(hasToken(['keep-alive', 'close'], 'upgrade'), false);
    assert.equal(hasToken([], 'upgrade'), false);
  });

  test('§4.2.1: tolerates elements that are not tokens', () => {
    assert.equal(hasToken('"quoted", a b, Upgrade', 'upgrade'), true);
  });
});

describe('§4.3, §11.3.4: parseProtocols', () => {
  test('§11.3.4: absent means no subprotocol', () => {
    assert.deepEqual(parseProtocols(undefined), []);
  });

  test('§4.1 item 10: a list of tokens, in order of preference', () => {
    assert.deepEqual(parseProtocols('chat, superchat'), ['chat', 'superchat']);
    assert.deepEqual(parseProtocols(' v2.bookings.example.net,\tv1.bookings '), [
      'v2.bookings.example.net',
      'v1.bookings',
    ]);
  });

  test('§11.3.4: several field lines are one list', () => {
    assert.deepEqual(parseProtocols(['chat', 'superchat, mqtt']), ['chat', 'superchat', 'mqtt']);
  });

  test('§4.1 item 10: a subprotocol listed twice is WS_HANDSHAKE_BAD_PROTOCOL', () => {
    assertBad(() => parseProtocols('chat, chat'), 'WS_HANDSHAKE_BAD_PROTOCOL', /duplicate/);
    assertBad(() => parseProtocols(['chat', 'chat']), 'WS_HANDSHAKE_BAD_PROTOCOL', /duplicate/);
  });

  test('§11.3.4: subprotocol names are case-sensitive, so case variants are not duplicates', () => {
    assert.deepEqual(parseProtocols('chat, Chat'), ['chat', 'Chat']);
  });

  test('§4.3: 1#token: an empty value is WS_HANDSHAKE_BAD_PROTOCOL', () => {
    assertBad(() => parseProtocols(''), 'WS_HANDSHAKE_BAD_PROTOCOL', /empty/);
    assertBad(() => parseProtocols(' , '), 'WS_HANDSHAKE_BAD_PROTOCOL', /empty/);
  });

  test('RFC 9110 §5.6.1.2: empty elements beside real ones are ignored', () => {
    assert.deepEqual(parseProtocols('chat, ,superchat,'), ['chat', 'superchat']);
  });

  test('§4.3: an element that is not a token is WS_HANDSHAKE_BAD_PROTOCOL', () => {
    assertBad(() => parseProtocols('chat, super chat'), 'WS_HANDSHAKE_BAD_PROTOCOL');
    assertBad(() => parseProtocols('"chat"'), 'WS_HANDSHAKE_BAD_PROTOCOL');
    assertBad(() => parseProtocols('chat/1'), 'WS_HANDSHAKE_BAD_PROTOCOL');
  });
});

describe('§9.1: parseExtensions', () => {
  test('§9.1: absent means no extension', () => {
    assert.deepEqual(parseExtensions(undefined), []);
  });

  test('§9.1: an extension without parameters', () => {
    assert.deepEqual(parseExtensions('permessage-deflate'), [
      { name: 'permessage-deflate', params: [] },
    ]);
  });

  test('§9.1: a parameter without a value is true; a token value is kept as a string', () => {
    assert.deepEqual(
      parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits=10'),
      [
        {
          name: 'permessage-deflate',
          params: [
            ['client_max_window_bits', true],
            ['server_max_window_bits', '10'],
          ],
        },
      ],
    );
  });

  test('§9.1: "foo" and "bar; baz=2" on two lines equal "foo, bar; baz=2"', () => {
    const expected = [
      { name: 'foo', params: [] },
      { name: 'bar', params: [['baz', '2']] },
    ];
    assert.deepEqual(parseExtensions('foo, bar; baz=2'), expected);
    assert.deepEqual(parseExtensions(['foo', 'bar; baz=2']), expected);
  });

  test('§9.1: the order of extensions is kept', () => {
    const names = parseExtensions('c, a, b').map((offer) => offer.name);
    assert.deepEqual(names, ['c', 'a', 'b']);
  });

  test('§9.1 implied LWS: OWS around ";", "," and "=" is allowed', () => {
    assert.deepEqual(parseExtensions(' foo \t;  a = 1\t; b ;c=2 ,\tbar ; d '), [
      {
        name: 'foo',
        params: [
          ['a', '1'],
          ['b', true],
          ['c', '2'],
        ],
      },
      { name: 'bar', params: [['d', true]] },
    ]);
  });

  test('§9.1: names are lower-cased, values keep their case', () => {
    assert.deepEqual(parseExtensions('PerMessage-Deflate; Client_Max_Window_Bits=AbC'), [
      { name: 'permessage-deflate', params: [['client_max_window_bits', 'AbC']] },
    ]);
  });

  test('§9.1: repeated parameters are all kept, in order', () => {
    assert.deepEqual(parseExtensions('x; a=1; b; A=2; a'), [
      {
        name: 'x',
        params: [
          ['a', '1'],
          ['b', true],
          ['a', '2'],
          ['a', true],
        ],
      },
    ]);
  });

  test('§9.1: the same extension may be offered twice, with other parameters', () => {
    assert.deepEqual(parseExtensions('x; a=1, x'), [
      { name: 'x', params: [['a', '1']] },
      { name: 'x', params: [] },
    ]);
  });

  test('§9.1: a quoted-string value is unescaped', () => {
    assert.deepEqual(parseExtensions('x; a="10"; b="1\\0"; c="\\a\\b\\c"'), [
      {
        name: 'x',
        params: [
          ['a', '10'],
          ['b', '10'],
          ['c', 'abc'],
        ],
      },
    ]);
  });

  test('§9.1: a quoted value that is not a token after unescaping is rejected', () => {
    badExtensions('x; a="1 0"', /quoted parameter value is not a token at index 5/);
    badExtensions('x; a=""', /not a token/);
    badExtensions('x; a="\\""', /not a token/);
    badExtensions('x; a="é"', /not a token/);
  });

  test('§9.1: a comma or semicolon inside a quoted string does not split the list', () => {
    // A split on "," or ";" would report a broken quoted-string or see extension "b"; the
    // tokenizer reads the whole quoted-string, then applies the token rule to "1,b" and "1;b".
    badExtensions('x; a="1,b", y', /quoted parameter value is not a token at index 5/);
    badExtensions('x; a="1;b"; c', /quoted parameter value is not a token at index 5/);
    badExtensions('x; a="1\\",b", y', /quoted parameter value is not a token at index 5/);
  });

  test('RFC 9110 §5.6.1.2: empty list elements are ignored', () => {
    assert.deepEqual(parseExtensions(', foo, , bar ,'), [
      { name: 'foo', params: [] },
      { name: 'bar', params: [] },
    ]);
  });

  test('§9.1: 1#extension: an empty value is rejected', () => {
    badExtensions('', /empty list/);
    badExtensions(' , ,', /empty list/);
    badExtensions([], /empty list/);
  });

  test('§9.1: an empty parameter (";" with no name) is rejected', () => {
    badExtensions('foo;', /expected a parameter name at index 4/);
    badExtensions('foo; ', /expected a parameter name at index 5/);
    badExtensions('foo;;a', /expected a parameter name, found ";" at index 4/);
    badExtensions('foo; =1', /expected a parameter name, found "="/);
    badExtensions('foo;, bar', /expected a parameter name, found ","/);
  });

  test('§9.1: a parameter with "=" and no value is rejected', () => {
    badExtensions('foo; a=', /expected a parameter value at index 7/);
    badExtensions('foo; a= ; b', /expected a parameter value, found ";"/);
    badExtensions('foo; a=, bar', /expected a parameter value, found ","/);
  });

  test('§9.1: a missing extension name is rejected', () => {
    badExtensions(';a', /expected an extension name, found ";" at index 0/);
    badExtensions('foo, ;a', /expected an extension name/);
    badExtensions('"foo"', /expected an extension name/);
    badExtensions('=1', /expected an extension name/);
  });

  test('§9.1: stray characters are rejected', () => {
    badExtensions('foo bar', /unexpected "b" at index 4/);
    badExtensions('foo; a=1 2', /unexpected "2"/);
    badExtensions('foo; a=b=c', /unexpected "="/);
    badExtensions('foo; a b', /unexpected "b"/);
    badExtensions('fo"o"', /unexpected "\\""/);
    badExtensions('foo; a=1"', /unexpected/);
    badExtensions('foo/1', /unexpected "\/"/);
  });

  test('§9.1: CR, LF and other controls are rejected, even quoted', () => {
    badExtensions('foo\r\nbar', /unexpected "\\r"/);
    badExtensions('foo; a="1\r\n"', /invalid character in quoted-string/);
    badExtensions('foo; a="\\\n"', /invalid character after/);
    badExtensions('foo; a="\0"', /invalid character in quoted-string/);
  });

  test('RFC 9110 §5.6.4: an unterminated quoted-string is rejected', () => {
    badExtensions('foo; a="10', /unterminated quoted-string at index 7/);
    badExtensions('foo; a="10\\"', /unterminated quoted-string/);
    badExtensions('foo; a="10\\', /unterminated quoted-string/);
    badExtensions('foo; a="', /unterminated quoted-string/);
  });
});

describe('§9.1: formatExtensions', () => {
  test('§9.1: writes names, parameters and values', () => {
    const offers: ExtensionOffer[] = [
      {
        name: 'permessage-deflate',
        params: [
          ['client_max_window_bits', true],
          ['server_max_window_bits', '10'],
        ],
      },
      { name: 'x-foo', params: [] },
    ];
    assert.equal(
      formatExtensions(offers),
      'permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-foo',
    );
  });

  test('§9.1: an empty list is the empty string', () => {
    assert.equal(formatExtensions([]), '');
  });

  test('RFC 9110 §5.6.4: a value that is not a token is quoted, with DQUOTE and "\\" escaped', () => {
    const text = formatExtensions([
      {
        name: 'x',
        params: [
          ['a', 'b c'],
          ['d', 'e"f\\g'],
          ['h', ''],
        ],
      },
    ]);
    assert.equal(text, 'x; a="b c"; d="e\\"f\\\\g"; h=""');
  });

  test('§9.1: what it writes parses back to the same offers', () => {
    const offers: ExtensionOffer[] = [
      {
        name: 'permessage-deflate',
        params: [
          ['a', '1'],
          ['b', true],
          ['a', "!#$%&'*+-.^_`|~"],
        ],
      },
      { name: 'x', params: [] },
    ];
    assert.deepEqual(parseExtensions(formatExtensions(offers)), offers);
  });

  test('header injection: a name that is not a token or a value with CR/LF is a TypeError', () => {
    assert.throws(() => formatExtensions([{ name: 'a b', params: [] }]), TypeError);
    assert.throws(() => formatExtensions([{ name: 'x\r\nEvil: 1', params: [] }]), TypeError);
    assert.throws(() => formatExtensions([{ name: 'x', params: [['a;b', true]] }]), TypeError);
    assert.throws(() => formatExtensions([{ name: 'x', params: [['a', '1\r\nEvil: 1']] }]), {
      name: 'TypeError',
      message: /cannot be quoted/,
    });
  });
});

describe('RFC 9110 §5.5: assertFieldLine', () => {
  test('§5.5: accepts a token name and a value of VCHAR, SP and HTAB', () => {
    assert.doesNotThrow(() => assertFieldLine('X-Custom', 'a b\t~!'));
    assert.doesNotThrow(() => assertFieldLine('X-Empty', ''));
  });

  test('§5.5: rejects CR, LF, NUL and other controls in the value', () => {
    for (const bad of ['a\r\nX-Evil: 1', 'a\nb', 'a\rb', 'a\0b', 'a\x7fb', 'a\x01b', 'é']) {
      assert.throws(() => assertFieldLine('X-Custom', bad), TypeError, JSON.stringify(bad));
    }
  });

  test('§5.1: rejects a name that is not a token', () => {
    for (const bad of ['', 'X Custom', 'X-Custom:', 'X\r\nEvil', 'X-Custom\n']) {
      assert.throws(() => assertFieldLine(bad, 'v'), TypeError, JSON.stringify(bad));
    }
  });
});
