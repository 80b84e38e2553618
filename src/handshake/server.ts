import { Buffer } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import { computeAcceptKey, isValidKey } from './accept-key.js';
import { HandshakeError, type HandshakeErrorCode } from './errors.js';
import {
  asciiLowerCase,
  assertFieldLine,
  type ExtensionOffer,
  type FieldValue,
  formatExtensions,
  hasToken,
  isToken,
  joinFieldLines,
  parseExtensions,
  parseProtocols,
  trimOWS,
} from './header-grammar.js';

/** The parts of a request the server checks; node's `IncomingMessage` satisfies it. */
export interface ClientRequestLike {
  readonly method?: string | undefined;
  readonly httpVersion: string;
  /** Lower-case names, as node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A HandshakeError that rejects a request: it always says which status to answer with. */
export type RequestRejection = HandshakeError & { readonly status: number };

export type RequestCheck =
  | {
      readonly ok: true;
      /** The Sec-WebSocket-Key, for `buildAcceptResponse`. */
      readonly key: string;
      /** The offered subprotocols, in the client's order of preference. */
      readonly protocols: string[];
      /** The offered extensions, in the client's order of preference (RFC 6455 §9.1). */
      readonly extensions: ExtensionOffer[];
    }
  | { readonly ok: false; readonly error: RequestRejection };

function reject(
  code: HandshakeErrorCode,
  status: number,
  message: string,
  headers?: Record<string, string>,
): RequestCheck {
  const options = headers === undefined ? { status } : { status, headers };
  return { ok: false, error: new HandshakeError(code, message, options) as RequestRejection };
}

function isRejection(error: unknown): error is RequestRejection {
  return error instanceof HandshakeError && error.status !== undefined;
}

// A field that holds one value: repeated lines are joined as node joins them, so a repeated
// Sec-WebSocket-Key or Sec-WebSocket-Version fails its check.
function singleValue(value: FieldValue): string | undefined {
  const joined = joinFieldLines(value);
  return joined === undefined ? undefined : trimOWS(joined);
}

function isHttp11OrLater(version: string): boolean {
  if (version === '1.1') return true; // Node's parser: what every client sends.
  const m = /^(\d{1,3})\.(\d{1,3})$/.exec(version);
  if (m === null) return false;
  const major = Number(m[1]);
  return major > 1 || (major === 1 && Number(m[2]) >= 1);
}

/**
 * Reads the client's opening handshake, RFC 6455 §4.2.1. Never throws: a request that is not a
 * valid WebSocket handshake gives `{ ok: false }` with the status and header fields to answer with
 * (write them with `buildRejectResponse`). The Origin, the resource name and the choice of
 * subprotocol and extensions are the caller's policy (§4.2.2 item 4).
 *
 * Statuses: 405 + `Allow: GET` for another method (RFC 9110 §15.5.6); 426 + `Upgrade: websocket`
 * when there is no Upgrade header at all (RFC 9110 §15.5.22: the resource requires WebSocket);
 * 426 + `Sec-WebSocket-Version: 13` for another version (§4.2.2 item 4, §4.4); 400 for the rest,
 * including an Upgrade header that names other protocols only.
 */
export function validateClientRequest(req: ClientRequestLike): RequestCheck {
  const h = req.headers;
  // §4.2.1 item 1. Methods are case-sensitive (RFC 9110 §9.1).
  if (req.method !== 'GET') {
    return reject('WS_HANDSHAKE_BAD_METHOD', 405, `Method ${req.method ?? '(none)'} is not GET`, {
      Allow: 'GET',
    });
  }
  if (!isHttp11OrLater(req.httpVersion)) {
    return reject('WS_HANDSHAKE_BAD_HTTP_VERSION', 400, `HTTP/${req.httpVersion} is below 1.1`);
  }
  // §4.2.1 item 2; RFC 9112 §3.2 also makes a repeated Host a 400.
  const host = h.host;
  const hostValue = typeof host === 'string' ? host : host?.length === 1 ? host[0] : undefined;
  if (hostValue === undefined || trimOWS(hostValue) === '') {
    return reject('WS_HANDSHAKE_BAD_HOST', 400, 'Missing, empty or repeated Host header');
  }
  // §4.2.1 item 3.
  const upgrade = singleValue(h.upgrade);
  if (upgrade === undefined || upgrade === '') {
    return reject('WS_HANDSHAKE_UPGRADE_REQUIRED', 426, 'Missing Upgrade header', {
      Upgrade: 'websocket',
    });
  }
  if (!hasToken(h.upgrade, 'websocket')) {
    return reject('WS_HANDSHAKE_BAD_UPGRADE', 400, 'Upgrade header does not name websocket');
  }
  // §4.2.1 item 4.
  if (!hasToken(h.connection, 'upgrade')) {
    return reject('WS_HANDSHAKE_BAD_CONNECTION', 400, 'Connection header lacks "Upgrade"');
  }
  // §4.2.1 item 6, checked before the key: a client speaking another version learns ours (§4.4)
  // even if its key looks different. A 426 MUST also carry Upgrade (RFC 9110 §15.5.22).
  if (singleValue(h['sec-websocket-version']) !== '13') {
    return reject('WS_HANDSHAKE_BAD_VERSION', 426, 'Missing or unsupported Sec-WebSocket-Version', {
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
    });
  }
  // §4.2.1 item 5.
  const key = singleValue(h['sec-websocket-key']);
  if (key === undefined || !isValidKey(key)) {
    return reject('WS_HANDSHAKE_BAD_KEY', 400, 'Missing or invalid Sec-WebSocket-Key header');
  }
  // §4.2.1 items 8–9.
  try {
    const protocols = parseProtocols(h['sec-websocket-protocol']);
    const extensions = parseExtensions(h['sec-websocket-extensions']);
    return { ok: true, key, protocols, extensions };
  } catch (error) {
    if (isRejection(error)) return { ok: false, error };
    throw error; // A bug here, not a bad request.
  }
}

type ExtraHeaders = Readonly<Record<string, string | readonly string[]>>;

// Writes the caller's field lines, refusing CR/LF (response splitting) and the fields we own.
function extraFieldLines(headers: ExtraHeaders, owned: ReadonlySet<string>): string {
  let out = '';
  for (const [name, value] of Object.entries(headers)) {
    if (owned.has(asciiLowerCase(name))) {
      throw new TypeError(`Header field "${name}" is set by the WebSocket handshake`);
    }
    for (const line of typeof value === 'string' ? [value] : value) {
      assertFieldLine(name, line);
      out += `${name}: ${line}\r\n`;
    }
  }
  return out;
}

// RFC 6455 §4.2.2 item 5 sets these; RFC 9110 §8.6 and §6.1 forbid a body length in a 1xx.
const OWNED_ACCEPT_FIELDS: ReadonlySet<string> = new Set([
  'upgrade',
  'connection',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'content-length',
  'transfer-encoding',
]);

export interface AcceptResponseOptions {
  /** The client's Sec-WebSocket-Key (`RequestCheck.key`). */
  readonly key: string;
  /** The selected subprotocol, one the client offered; absent for none (§4.2.2 /subprotocol/). */
  readonly protocol?: string;
  /** The extensions in use, in order (§9.1); absent or [] for none. */
  readonly extensions?: readonly ExtensionOffer[];
  /** Other header fields; an array gives one field line per element. */
  readonly headers?: ExtraHeaders;
}

/**
 * The server's opening handshake as raw HTTP/1.1 text, RFC 6455 §4.2.2 item 5. It is ASCII.
 * Throws a TypeError for an invalid key or protocol, CR/LF or another invalid character in a
 * header field, or a header that would replace one of the handshake's own.
 */
export function buildAcceptResponse(options: AcceptResponseOptions): string {
  if (!isValidKey(options.key)) throw new TypeError('Invalid Sec-WebSocket-Key');
  let out =
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${computeAcceptKey(options.key)}\r\n`;
  if (options.protocol !== undefined) {
    // §4.2.2 /subprotocol/: a token; the empty string is not a legal value.
    if (!isToken(options.protocol)) throw new TypeError('The subprotocol must be a token');
    out += `Sec-WebSocket-Protocol: ${options.protocol}\r\n`;
  }
  if (options.extensions !== undefined && options.extensions.length > 0) {
    out += `Sec-WebSocket-Extensions: ${formatExtensions(options.extensions)}\r\n`;
  }
  if (options.headers !== undefined) out += extraFieldLines(options.headers, OWNED_ACCEPT_FIELDS);
  return `${out}\r\n`;
}

// Message framing is ours: the connection closes after the response, and the length is exact.
const OWNED_REJECT_FIELDS: ReadonlySet<string> = new Set([
  'connection',
  'content-length',
  'transfer-encoding',
]);

export interface RejectResponseOptions {
  /** Extra header fields, e.g. a HandshakeError's; a Content-Type replaces text/plain. */
  readonly headers?: ExtraHeaders | undefined;
  /** Sent as UTF-8; defaults to the reason phrase. */
  readonly body?: string;
}

/**
 * A complete HTTP/1.1 error response that ends the connection (RFC 6455 §4.2.1, §4.2.2), as text
 * to be written as UTF-8. `status` must be 300–599 (§4.2.2 items 2–3 allow redirects and 401).
 * Throws a RangeError for another status and a TypeError for an invalid header field.
 */
export function buildRejectResponse(status: number, options: RejectResponseOptions = {}): string {
  if (!Number.isInteger(status) || status < 300 || status > 599) {
    throw new RangeError(`A rejection status must be an integer from 300 to 599, got ${status}`);
  }
  const reason = STATUS_CODES[status] ?? '';
  const body = options.body ?? reason;
  const headers = options.headers ?? {};
  const extra = extraFieldLines(headers, OWNED_REJECT_FIELDS);
  const names = Object.keys(headers).map(asciiLowerCase);
  // RFC 9110 §7.8: whoever sends Upgrade (a 426 must) also lists "upgrade" in Connection.
  const connection = names.includes('upgrade') ? 'Upgrade, close' : 'close';
  let out = `HTTP/1.1 ${status} ${reason}\r\nConnection: ${connection}\r\n`;
  if (!names.includes('content-type')) out += 'Content-Type: text/plain; charset=utf-8\r\n';
  out += `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n${extra}\r\n${body}`;
  return out;
}
