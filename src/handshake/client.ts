import { computeAcceptKey, isValidKey } from './accept-key.js';
import { HandshakeError, quoteForMessage } from './errors.js';
import {
  asciiLowerCase,
  assertFieldLine,
  type ExtensionOffer,
  hasToken,
  isToken,
  joinFieldLines,
  parseExtensions,
  trimOWS,
} from './header-grammar.js';

export interface ClientRequestOptions {
  /** The Sec-WebSocket-Key nonce, from `generateKey()`. */
  readonly key: string;
  /** Subprotocols in order of preference; none (or []) sends no Sec-WebSocket-Protocol. */
  readonly protocols?: readonly string[];
  /** A Sec-WebSocket-Extensions value, e.g. from `formatExtensions()`; '' sends none. */
  readonly extensions?: string;
  readonly origin?: string;
  /** Other header fields; they cannot replace the ones this function owns. */
  readonly headers?: Readonly<Record<string, string>>;
}

// The fields the handshake owns (RFC 6455 §4.1 items 5–7, 9–11): a caller's value would break
// or forge the negotiation, so user headers may not set them, whatever their case.
const OWNED_REQUEST_FIELDS: ReadonlySet<string> = new Set([
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
]);

/**
 * The header fields of the client's opening handshake (RFC 6455 §4.1), Host excluded: the
 * transport sets it. Throws a TypeError for an invalid key, protocol or header field, for a user
 * header that names an owned field, and for a field given twice (names compare case-insensitively).
 */
export function clientRequestHeaders(opts: ClientRequestOptions): Record<string, string> {
  // RFC 6455 §4.1 item 7.
  if (!isValidKey(opts.key)) {
    throw new TypeError(`Sec-WebSocket-Key ${quoteForMessage(opts.key)} is not 16 bytes in base64`);
  }
  const headers: Record<string, string> = {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': opts.key,
    'Sec-WebSocket-Version': '13',
  };
  // RFC 6455 §4.1 item 10: tokens, each listed once.
  const protocols = opts.protocols ?? [];
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (!isToken(protocol)) {
      throw new TypeError(`Subprotocol ${quoteForMessage(protocol)} is not a token`);
    }
    if (seen.has(protocol)) throw new TypeError(`Subprotocol "${protocol}" is listed twice`);
    seen.add(protocol);
  }
  if (protocols.length > 0) headers['Sec-WebSocket-Protocol'] = protocols.join(', ');
  // RFC 6455 §4.1 item 11, §9.1: our own value must be one the server can parse (which also
  // proves it holds no CR or LF).
  if (opts.extensions !== undefined && opts.extensions !== '') {
    try {
      parseExtensions(opts.extensions);
    } catch (cause) {
      throw new TypeError('Invalid Sec-WebSocket-Extensions value', { cause });
    }
    headers['Sec-WebSocket-Extensions'] = opts.extensions;
  }
  // RFC 6455 §4.1 item 8.
  if (opts.origin !== undefined) {
    assertFieldLine('Origin', opts.origin);
    headers.Origin = opts.origin;
  }

  const names = new Set(Object.keys(headers).map(asciiLowerCase));
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    assertFieldLine(name, value);
    const lower = asciiLowerCase(name);
    if (OWNED_REQUEST_FIELDS.has(lower)) {
      throw new TypeError(`Header field "${name}" is set by the WebSocket handshake`);
    }
    if (names.has(lower)) throw new TypeError(`Header field "${name}" is given twice`);
    names.add(lower);
    headers[name] = value;
  }
  return headers;
}

/** The parts of a response the client checks; node's `IncomingMessage` satisfies it. */
export interface ServerResponseLike {
  readonly statusCode?: number | undefined;
  /** Lower-case names, as node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What the client sent, to check the response against. */
export interface ResponseExpectations {
  /** The Sec-WebSocket-Key the client sent. */
  readonly key: string;
  /** The subprotocols the client offered; none means the response may not name one. */
  readonly protocols?: readonly string[];
  /** The names of the extensions the client offered. */
  readonly offeredExtensions: readonly string[];
}

export interface AcceptedResponse {
  /** The subprotocol the server selected, '' for none. */
  readonly protocol: string;
  /** The extensions in use, in the server's order (RFC 6455 §9.1); their params are unchecked. */
  readonly extensions: ExtensionOffer[];
}

// Grammar errors carry status 400 for servers; a client has no status to answer with.
function withoutStatus(error: unknown): unknown {
  return error instanceof HandshakeError
    ? new HandshakeError(error.code, error.message, { cause: error })
    : error;
}

/**
 * Checks the server's opening handshake, RFC 6455 §4.1 (the numbered list after "the client MUST
 * validate the server's response"). Throws a HandshakeError, without `status`, on the first
 * failure: the client then _Fails the WebSocket Connection_.
 */
export function validateServerResponse(
  res: ServerResponseLike,
  expected: ResponseExpectations,
): AcceptedResponse {
  // Item 1. (A 3xx, 401 or 407 is handled by the caller before this check, if at all.)
  if (res.statusCode !== 101) {
    throw new HandshakeError(
      'WS_HANDSHAKE_UNEXPECTED_STATUS',
      `Unexpected server response status ${res.statusCode ?? '(none)'}, expected 101`,
    );
  }
  const h = res.headers;
  // Item 2.
  if (!hasToken(h.upgrade, 'websocket')) {
    throw new HandshakeError(
      'WS_HANDSHAKE_BAD_UPGRADE',
      h.upgrade === undefined
        ? 'Missing Upgrade header in the server response'
        : `Upgrade header ${quoteForMessage(joinFieldLines(h.upgrade)!)} does not name websocket`,
    );
  }
  // Item 3.
  if (!hasToken(h.connection, 'upgrade')) {
    throw new HandshakeError(
      'WS_HANDSHAKE_BAD_CONNECTION',
      h.connection === undefined
        ? 'Missing Connection header in the server response'
        : `Connection header ${quoteForMessage(joinFieldLines(h.connection)!)} lacks "Upgrade"`,
    );
  }
  // Item 4: an exact, case-sensitive match (base64 is case-sensitive).
  const accept = joinFieldLines(h['sec-websocket-accept']);
  if (accept === undefined) {
    throw new HandshakeError('WS_HANDSHAKE_BAD_ACCEPT', 'Missing Sec-WebSocket-Accept header');
  }
  if (trimOWS(accept) !== computeAcceptKey(expected.key)) {
    throw new HandshakeError(
      'WS_HANDSHAKE_BAD_ACCEPT',
      `Sec-WebSocket-Accept ${quoteForMessage(accept)} does not match the key sent`,
    );
  }
  // Item 5: every extension in use must have been offered.
  let extensions: ExtensionOffer[];
  try {
    extensions = parseExtensions(h['sec-websocket-extensions']);
  } catch (error) {
    throw withoutStatus(error);
  }
  const offered = new Set(expected.offeredExtensions.map(asciiLowerCase));
  for (const extension of extensions) {
    if (!offered.has(extension.name)) {
      throw new HandshakeError(
        'WS_HANDSHAKE_UNEXPECTED_EXTENSION',
        `The server accepted extension "${extension.name}", which the client did not offer`,
      );
    }
  }
  // Item 6, and §11.3.4: at most one field line, one value, one the client offered.
  const protocolField = h['sec-websocket-protocol'];
  let protocol = '';
  if (protocolField !== undefined) {
    const value = trimOWS(joinFieldLines(protocolField)!);
    if (!isToken(value)) {
      throw new HandshakeError(
        'WS_HANDSHAKE_BAD_PROTOCOL',
        `Sec-WebSocket-Protocol ${quoteForMessage(value)} is not a single subprotocol`,
      );
    }
    if (!(expected.protocols ?? []).includes(value)) {
      throw new HandshakeError(
        'WS_HANDSHAKE_UNEXPECTED_PROTOCOL',
        `The server selected subprotocol "${value}", which the client did not offer`,
      );
    }
    protocol = value;
  }
  return { protocol, extensions };
}
