import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  acceptDeflateOffer,
  acceptDeflateResponse,
  deflateOffer,
  type NegotiatedDeflate,
  type PerMessageDeflateOptions,
} from '../../../src/extensions/permessage-deflate.js';
import { HandshakeError } from '../../../src/handshake/errors.js';
import { type ExtensionOffer, parseExtensions } from '../../../src/handshake/header-grammar.js';
import { UsageError } from '../../../src/protocol/errors.js';

/** The four agreed parameters, without the side and the local settings. */
function agreed(p: NegotiatedDeflate) {
  return {
    serverNoContextTakeover: p.serverNoContextTakeover,
    clientNoContextTakeover: p.clientNoContextTakeover,
    serverMaxWindowBits: p.serverMaxWindowBits,
    clientMaxWindowBits: p.clientMaxWindowBits,
  };
}

const DEFAULTS = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

/**
 * The server's answer, with context takeover allowed unless `options` says otherwise (not the
 * server's default) so that each parameter shows on its own; the default has tests of its own.
 */
function server(offer: string, options: PerMessageDeflateOptions = {}) {
  return acceptDeflateOffer(parseExtensions(offer), { serverNoContextTakeover: false, ...options });
}

function client(response: string, options: PerMessageDeflateOptions = {}) {
  return acceptDeflateResponse(parseExtensions(response), options);
}

function assertResponseFails(response: string, options: PerMessageDeflateOptions, why: RegExp) {
  assert.throws(
    () => client(response, options),
    (error: unknown) => {
      assert.ok(error instanceof HandshakeError);
      assert.equal(error.code, 'WS_HANDSHAKE_BAD_EXTENSION_PARAMS');
      assert.equal(error.status, undefined, 'a client has no status to answer with');
      assert.match(error.message, why);
      return true;
    },
  );
}

describe('RFC 7692 §5, §7.1: the client offer', () => {
  test('offers client_max_window_bits without a value by default (§7.1.2.2)', () => {
    assert.equal(deflateOffer(), 'permessage-deflate; client_max_window_bits');
    assert.equal(
      deflateOffer({ clientMaxWindowBits: true }),
      'permessage-deflate; client_max_window_bits',
    );
  });

  test('offers every configured parameter, in the order of the RFC examples', () => {
    assert.equal(
      deflateOffer({
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 10,
        clientMaxWindowBits: 11,
      }),
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; ' +
        'server_max_window_bits=10; client_max_window_bits=11',
    );
  });

  test('clientMaxWindowBits false leaves the parameter out', () => {
    assert.equal(deflateOffer({ clientMaxWindowBits: false }), 'permessage-deflate');
  });

  test('local settings are not offered', () => {
    assert.equal(
      deflateOffer({ threshold: 0, level: 1, memLevel: 9, concurrencyLimit: 3 }),
      'permessage-deflate; client_max_window_bits',
    );
  });

  test('the offer is valid Sec-WebSocket-Extensions syntax', () => {
    const offer = deflateOffer({ serverMaxWindowBits: 9, clientNoContextTakeover: true });
    assert.deepEqual(parseExtensions(offer), [
      {
        name: 'permessage-deflate',
        params: [
          ['client_no_context_takeover', true],
          ['server_max_window_bits', '9'],
          ['client_max_window_bits', true],
        ],
      },
    ]);
  });

  const invalid: [string, PerMessageDeflateOptions][] = [
    ['serverMaxWindowBits 7', { serverMaxWindowBits: 7 }],
    ['serverMaxWindowBits 16', { serverMaxWindowBits: 16 }],
    ['serverMaxWindowBits 9.5', { serverMaxWindowBits: 9.5 }],
    ['serverMaxWindowBits NaN', { serverMaxWindowBits: Number.NaN }],
    ['clientMaxWindowBits 7', { clientMaxWindowBits: 7 }],
    ['clientMaxWindowBits 16', { clientMaxWindowBits: 16 }],
    ['threshold -1', { threshold: -1 }],
    ['threshold 0.5', { threshold: 0.5 }],
    ['level 10', { level: 10 }],
    ['level -2', { level: -2 }],
    ['memLevel 0', { memLevel: 0 }],
    ['memLevel 10', { memLevel: 10 }],
    ['concurrencyLimit 0', { concurrencyLimit: 0 }],
  ];
  for (const [name, options] of invalid) {
    test(`rejects ${name} as misuse, on either side`, () => {
      const misuse = (error: unknown) =>
        error instanceof UsageError && error.code === 'WS_USAGE_INVALID_OPTION';
      assert.throws(() => deflateOffer(options), misuse);
      assert.throws(() => server('permessage-deflate', options), misuse);
      assert.throws(() => client('permessage-deflate', options), misuse);
    });
  }

  test('rejects options of the wrong type', () => {
    const options = { serverNoContextTakeover: 'yes' } as unknown as PerMessageDeflateOptions;
    assert.throws(() => deflateOffer(options), UsageError);
    const bits = { serverMaxWindowBits: '10' } as unknown as PerMessageDeflateOptions;
    assert.throws(() => deflateOffer(bits), UsageError);
  });
});

describe('RFC 7692 §7.1.1.1: a server resets its compressor by default', () => {
  for (const offer of [
    'permessage-deflate',
    'permessage-deflate; client_max_window_bits',
    'permessage-deflate; server_no_context_takeover',
  ]) {
    test(`${offer} is answered with server_no_context_takeover`, () => {
      const accepted = acceptDeflateOffer(parseExtensions(offer));
      assert.ok(accepted !== null);
      assert.equal(accepted.header, 'permessage-deflate; server_no_context_takeover');
      assert.equal(accepted.params.serverNoContextTakeover, true);
      assert.equal(accepted.params.clientNoContextTakeover, false);
    });
  }

  test('serverNoContextTakeover: false keeps the context unless the client asks', () => {
    const kept = acceptDeflateOffer(parseExtensions('permessage-deflate'), {
      serverNoContextTakeover: false,
    });
    assert.equal(kept?.header, 'permessage-deflate');
    assert.equal(kept?.params.serverNoContextTakeover, false);
    const asked = acceptDeflateOffer(
      parseExtensions('permessage-deflate; server_no_context_takeover'),
      { serverNoContextTakeover: false },
    );
    assert.equal(asked?.params.serverNoContextTakeover, true);
  });

  test('a client does not ask for it by default, and accepts it when the server adds it', () => {
    assert.doesNotMatch(deflateOffer(), /server_no_context_takeover/);
    const p = client('permessage-deflate; server_no_context_takeover');
    assert.equal(p?.serverNoContextTakeover, true);
  });
});

describe('RFC 7692 §7.1: the server accepts an offer', () => {
  // [offer, server options, response header, agreed parameters]
  const cases: [string, PerMessageDeflateOptions, string, Partial<typeof DEFAULTS>][] = [
    ['permessage-deflate', {}, 'permessage-deflate', {}],
    // §7.1.1.1: accepted by echoing it; the server may also add it.
    [
      'permessage-deflate; server_no_context_takeover',
      {},
      'permessage-deflate; server_no_context_takeover',
      { serverNoContextTakeover: true },
    ],
    [
      'permessage-deflate',
      { serverNoContextTakeover: true },
      'permessage-deflate; server_no_context_takeover',
      { serverNoContextTakeover: true },
    ],
    // §7.1.1.2: the client's hint is echoed; the server may ask for it on its own.
    [
      'permessage-deflate; client_no_context_takeover',
      {},
      'permessage-deflate; client_no_context_takeover',
      { clientNoContextTakeover: true },
    ],
    [
      'permessage-deflate',
      { clientNoContextTakeover: true },
      'permessage-deflate; client_no_context_takeover',
      { clientNoContextTakeover: true },
    ],
    // §7.1.2.1: the same or a smaller value; the server may add it.
    [
      'permessage-deflate; server_max_window_bits=10',
      {},
      'permessage-deflate; server_max_window_bits=10',
      { serverMaxWindowBits: 10 },
    ],
    [
      'permessage-deflate; server_max_window_bits=10',
      { serverMaxWindowBits: 12 },
      'permessage-deflate; server_max_window_bits=10',
      { serverMaxWindowBits: 10 },
    ],
    [
      'permessage-deflate; server_max_window_bits=12',
      { serverMaxWindowBits: 9 },
      'permessage-deflate; server_max_window_bits=9',
      { serverMaxWindowBits: 9 },
    ],
    [
      'permessage-deflate',
      { serverMaxWindowBits: 11 },
      'permessage-deflate; server_max_window_bits=11',
      { serverMaxWindowBits: 11 },
    ],
    // A 256-byte window is accepted: the codec honours it (see the codec tests).
    [
      'permessage-deflate; server_max_window_bits=8',
      {},
      'permessage-deflate; server_max_window_bits=8',
      { serverMaxWindowBits: 8 },
    ],
    // §7.1.2.2: only if offered; a valueless offer lets the server pick any value.
    ['permessage-deflate; client_max_window_bits', {}, 'permessage-deflate', {}],
    [
      'permessage-deflate; client_max_window_bits=10',
      {},
      'permessage-deflate; client_max_window_bits=10',
      { clientMaxWindowBits: 10 },
    ],
    [
      'permessage-deflate; client_max_window_bits',
      { clientMaxWindowBits: 12 },
      'permessage-deflate; client_max_window_bits=12',
      { clientMaxWindowBits: 12 },
    ],
    [
      'permessage-deflate; client_max_window_bits',
      { clientMaxWindowBits: 8 },
      'permessage-deflate; client_max_window_bits=8',
      { clientMaxWindowBits: 8 },
    ],
    [
      'permessage-deflate; client_max_window_bits=10',
      { clientMaxWindowBits: 12 },
      'permessage-deflate; client_max_window_bits=10',
      { clientMaxWindowBits: 10 },
    ],
    [
      'permessage-deflate; client_max_window_bits=13',
      { clientMaxWindowBits: 12 },
      'permessage-deflate; client_max_window_bits=12',
      { clientMaxWindowBits: 12 },
    ],
    // "MUST NOT include" client_max_window_bits when the offer lacks it: no limit then.
    ['permessage-deflate', { clientMaxWindowBits: 12 }, 'permessage-deflate', {}],
    // A quoted value is the same token (RFC 6455 §9.1).
    [
      'permessage-deflate; server_max_window_bits="10"',
      {},
      'permessage-deflate; server_max_window_bits=10',
      { serverMaxWindowBits: 10 },
    ],
    [
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; ' +
        'server_max_window_bits=14; client_max_window_bits=13',
      { serverMaxWindowBits: 12, clientMaxWindowBits: 9 },
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; ' +
        'server_max_window_bits=12; client_max_window_bits=9',
      {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 12,
        clientMaxWindowBits: 9,
      },
    ],
  ];
  for (const [offer, options, header, params] of cases) {
    test(`${offer} with ${JSON.stringify(options)}`, () => {
      const accepted = server(offer, options);
      assert.ok(accepted !== null);
      assert.equal(accepted.header, header);
      assert.deepEqual(parseExtensions(header), [accepted.extension]);
      assert.equal(accepted.params.role, 'server');
      assert.equal(accepted.params.header, header);
      assert.deepEqual(agreed(accepted.params), { ...DEFAULTS, ...params });
    });
  }

  test('the local settings take their defaults, or the options', () => {
    const defaults = server('permessage-deflate')!.params;
    assert.equal(defaults.threshold, 1024);
    assert.equal(defaults.level, 6);
    assert.equal(defaults.memLevel, 8);
    assert.equal('concurrencyLimit' in defaults, false);
    const set = server('permessage-deflate', {
      threshold: 0,
      level: 1,
      memLevel: 4,
      concurrencyLimit: 10,
    })!.params;
    assert.deepEqual([set.threshold, set.level, set.memLevel, set.concurrencyLimit], [0, 1, 4, 10]);
  });

  test('no permessage-deflate offer: null, and the handshake goes on without it', () => {
    assert.equal(acceptDeflateOffer([]), null);
    assert.equal(server('x-webkit-deflate-frame, foo; bar'), null);
  });

  test('picks the first offer it can accept, in the client order (§5)', () => {
    const accepted = server(
      'foo, permessage-deflate; server_max_window_bits=10, permessage-deflate; client_max_window_bits=9',
    );
    assert.equal(accepted?.header, 'permessage-deflate; server_max_window_bits=10');
  });

  test('declines a malformed offer and accepts the next one (§7: "MUST decline")', () => {
    const accepted = server(
      'permessage-deflate; server_max_window_bits=16, permessage-deflate; client_no_context_takeover',
    );
    assert.equal(accepted?.header, 'permessage-deflate; client_no_context_takeover');
  });

  // §7: "A server MUST decline an extension negotiation offer for this extension if ... the
  // negotiation offer contains an extension parameter not defined for use in an offer, ... an
  // extension parameter with an invalid value, ... multiple extension parameters with the same
  // name". Declining is answering without the extension, not failing the handshake.
  const malformed = [
    'permessage-deflate; server_max_window_bits',
    'permessage-deflate; server_max_window_bits=7',
    'permessage-deflate; server_max_window_bits=16',
    'permessage-deflate; server_max_window_bits=abc',
    'permessage-deflate; server_max_window_bits=08',
    'permessage-deflate; server_max_window_bits=0',
    'permessage-deflate; server_max_window_bits=1e1',
    'permessage-deflate; server_max_window_bits=+9',
    'permessage-deflate; server_max_window_bits="016"',
    'permessage-deflate; client_max_window_bits=7',
    'permessage-deflate; client_max_window_bits=16',
    'permessage-deflate; client_max_window_bits=abc',
    'permessage-deflate; client_max_window_bits=09',
    'permessage-deflate; server_no_context_takeover=1',
    'permessage-deflate; client_no_context_takeover="true"',
    'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
    'permessage-deflate; client_no_context_takeover; client_no_context_takeover',
    'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10',
    'permessage-deflate; server_max_window_bits=10; server_max_window_bits=11',
    'permessage-deflate; client_max_window_bits; client_max_window_bits',
    'permessage-deflate; client_max_window_bits=10; client_max_window_bits',
    'permessage-deflate; foo',
    'permessage-deflate; x_max_window_bits=10',
    'permessage-deflate; client_max_window_bits; mux',
  ];
  for (const offer of malformed) {
    test(`declines ${offer}`, () => {
      assert.equal(server(offer), null);
      assert.equal(server(offer, { serverMaxWindowBits: 10, clientNoContextTakeover: true }), null);
    });
  }

  test('an empty value never gets here: `=""` is not a token, so the header is malformed', () => {
    assert.throws(
      () => parseExtensions('permessage-deflate; server_max_window_bits=""'),
      (error: unknown) => error instanceof HandshakeError && error.status === 400,
    );
    // Given as data all the same, it is an invalid value and the offer is declined.
    const offer: ExtensionOffer = {
      name: 'permessage-deflate',
      params: [['server_max_window_bits', '']],
    };
    assert.equal(acceptDeflateOffer([offer]), null);
    const empty: ExtensionOffer = {
      name: 'permessage-deflate',
      params: [['client_max_window_bits', '']],
    };
    assert.equal(acceptDeflateOffer([empty]), null);
  });
});

describe('RFC 7692 §7.1: the client reads the response', () => {
  test('no permessage-deflate in the response: null (the server declined)', () => {
    assert.equal(acceptDeflateResponse([]), null);
    assert.equal(acceptDeflateResponse(parseExtensions('foo')), null);
  });

  // [response, client options, agreed parameters]
  const accepted: [string, PerMessageDeflateOptions, Partial<typeof DEFAULTS>][] = [
    ['permessage-deflate', {}, {}],
    // §7.1.1.1: the server may add server_no_context_takeover on its own.
    ['permessage-deflate; server_no_context_takeover', {}, { serverNoContextTakeover: true }],
    [
      'permessage-deflate; server_no_context_takeover',
      { serverNoContextTakeover: true },
      { serverNoContextTakeover: true },
    ],
    // §7.1.1.2: the client honours it; its own hint holds even if not echoed.
    ['permessage-deflate; client_no_context_takeover', {}, { clientNoContextTakeover: true }],
    ['permessage-deflate', { clientNoContextTakeover: true }, { clientNoContextTakeover: true }],
    // §7.1.2.1: the same or a smaller value than asked; any value when not asked.
    [
      'permessage-deflate; server_max_window_bits=10',
      { serverMaxWindowBits: 10 },
      { serverMaxWindowBits: 10 },
    ],
    [
      'permessage-deflate; server_max_window_bits=9',
      { serverMaxWindowBits: 10 },
      { serverMaxWindowBits: 9 },
    ],
    ['permessage-deflate; server_max_window_bits=12', {}, { serverMaxWindowBits: 12 }],
    ['permessage-deflate; server_max_window_bits=8', {}, { serverMaxWindowBits: 8 }],
    // §7.1.2.2: a valueless offer lets the server pick any value, 8 included.
    ['permessage-deflate; client_max_window_bits=8', {}, { clientMaxWindowBits: 8 }],
    ['permessage-deflate; client_max_window_bits=15', {}, { clientMaxWindowBits: 15 }],
    [
      'permessage-deflate; client_max_window_bits=10',
      { clientMaxWindowBits: 10 },
      { clientMaxWindowBits: 10 },
    ],
    [
      'permessage-deflate; client_max_window_bits=9',
      { clientMaxWindowBits: 10 },
      { clientMaxWindowBits: 9 },
    ],
    // Not answered: the client keeps the limit it offered.
    ['permessage-deflate', { clientMaxWindowBits: 10 }, { clientMaxWindowBits: 10 }],
  ];
  for (const [response, options, params] of accepted) {
    test(`accepts ${response} after offering ${deflateOffer(options)}`, () => {
      const p = client(response, options);
      assert.ok(p !== null);
      assert.equal(p.role, 'client');
      assert.equal(p.header, response);
      assert.deepEqual(agreed(p), { ...DEFAULTS, ...params });
    });
  }

  // §7: "A client MUST _Fail the WebSocket Connection_ if the peer server accepted an extension
  // negotiation offer for this extension with an extension negotiation response meeting any of
  // the following conditions".
  const failing: [string, PerMessageDeflateOptions, RegExp][] = [
    ['permessage-deflate; foo', {}, /unknown parameter "foo"/],
    ['permessage-deflate; server_max_window_bits', {}, /invalid server_max_window_bits without/],
    ['permessage-deflate; server_max_window_bits=7', {}, /invalid server_max_window_bits "7"/],
    ['permessage-deflate; server_max_window_bits=16', {}, /invalid server_max_window_bits/],
    ['permessage-deflate; server_max_window_bits=abc', {}, /invalid server_max_window_bits/],
    ['permessage-deflate; server_max_window_bits=010', {}, /invalid server_max_window_bits/],
    ['permessage-deflate; client_max_window_bits=7', {}, /invalid client_max_window_bits/],
    ['permessage-deflate; client_max_window_bits=16', {}, /invalid client_max_window_bits/],
    // A response must give the value (§7.1.2.2).
    ['permessage-deflate; client_max_window_bits', {}, /client_max_window_bits without a value/],
    ['permessage-deflate; server_no_context_takeover=x', {}, /takes no value/],
    ['permessage-deflate; client_no_context_takeover=x', {}, /takes no value/],
    [
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      {},
      /given twice/,
    ],
    ['permessage-deflate; client_max_window_bits=9; client_max_window_bits=9', {}, /given twice/],
    // The client does not support the configuration the response represents.
    [
      'permessage-deflate',
      { serverNoContextTakeover: true },
      /server_no_context_takeover was asked for/,
    ],
    ['permessage-deflate', { serverMaxWindowBits: 10 }, /server_max_window_bits was asked for/],
    [
      'permessage-deflate; server_max_window_bits=11',
      { serverMaxWindowBits: 10 },
      /server_max_window_bits=11 is over the 10/,
    ],
    [
      'permessage-deflate; client_max_window_bits=11',
      { clientMaxWindowBits: 10 },
      /client_max_window_bits=11 is over the 10/,
    ],
    // "the corresponding extension negotiation response ... MUST NOT include" it.
    [
      'permessage-deflate; client_max_window_bits=10',
      { clientMaxWindowBits: false },
      /client_max_window_bits was not offered/,
    ],
    // §5: two elements would both claim RSV1.
    ['permessage-deflate, permessage-deflate', {}, /accepted twice/],
  ];
  for (const [response, options, why] of failing) {
    test(`fails on ${response} after offering ${deflateOffer(options)}`, () => {
      assertResponseFails(response, options, why);
    });
  }
});

describe('both sides agree on what was negotiated', () => {
  const clientOptions: PerMessageDeflateOptions[] = [
    {},
    { clientMaxWindowBits: false },
    { clientMaxWindowBits: 9 },
    { serverMaxWindowBits: 8 },
    { serverNoContextTakeover: true, clientNoContextTakeover: true },
    { serverMaxWindowBits: 12, clientMaxWindowBits: 10, clientNoContextTakeover: true },
  ];
  const serverOptions: PerMessageDeflateOptions[] = [
    {},
    { serverNoContextTakeover: true },
    { clientNoContextTakeover: true },
    { serverMaxWindowBits: 10 },
    { clientMaxWindowBits: 11 },
    { serverMaxWindowBits: 9, clientMaxWindowBits: 8, serverNoContextTakeover: true },
  ];
  test('for every pair of configurations above', () => {
    for (const c of clientOptions) {
      for (const s of serverOptions) {
        const accepted = acceptDeflateOffer(parseExtensions(deflateOffer(c)), s);
        assert.ok(accepted !== null);
        const p = acceptDeflateResponse(parseExtensions(accepted.header), c);
        assert.ok(p !== null, `${deflateOffer(c)} -> ${accepted.header}`);
        assert.deepEqual(agreed(p), agreed(accepted.params), `${JSON.stringify([c, s])}`);
        assert.equal(p.header, accepted.header);
      }
    }
  });
});
