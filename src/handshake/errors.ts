/**
 * The stable string codes of opening-handshake failures. A code names the rule that failed; the
 * side (server reading a request, client reading a response) is known from where it was raised.
 */
export type HandshakeErrorCode =
  // Header grammar, either side (RFC 9110 §5.6, RFC 6455 §4.3, §9.1).
  | 'WS_HANDSHAKE_BAD_HEADER'
  | 'WS_HANDSHAKE_BAD_PROTOCOL'
  | 'WS_HANDSHAKE_BAD_EXTENSIONS'
  // A server reading the client's request (RFC 6455 §4.2.1).
  | 'WS_HANDSHAKE_BAD_METHOD'
  | 'WS_HANDSHAKE_BAD_HTTP_VERSION'
  | 'WS_HANDSHAKE_BAD_HOST'
  | 'WS_HANDSHAKE_UPGRADE_REQUIRED'
  | 'WS_HANDSHAKE_BAD_UPGRADE'
  | 'WS_HANDSHAKE_BAD_CONNECTION'
  | 'WS_HANDSHAKE_BAD_KEY'
  | 'WS_HANDSHAKE_BAD_VERSION'
  // A client reading the server's response (RFC 6455 §4.1, the list after "the client MUST
  // validate the server's response"); BAD_UPGRADE and BAD_CONNECTION are shared with the server.
  | 'WS_HANDSHAKE_UNEXPECTED_STATUS'
  | 'WS_HANDSHAKE_BAD_ACCEPT'
  | 'WS_HANDSHAKE_UNEXPECTED_PROTOCOL'
  | 'WS_HANDSHAKE_UNEXPECTED_EXTENSION'
  // A client reading the parameters of an extension the server accepted (RFC 7692 §7: a
  // response it must not accept).
  | 'WS_HANDSHAKE_BAD_EXTENSION_PARAMS';

export interface HandshakeErrorOptions {
  /** The HTTP status a server answers with; set only when the error rejects a client's request. */
  readonly status?: number;
  /** Extra response header fields that go with `status` (e.g. `Sec-WebSocket-Version: 13`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/** A failed opening handshake: the peer sent something RFC 6455 §4 does not allow. */
export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
  readonly code: HandshakeErrorCode;
  // `declare`: no class field is emitted, so an absent status is absent, not undefined.
  /** Present when this error rejects a client's request (server side); absent on the client. */
  declare readonly status?: number;
  declare readonly headers?: Readonly<Record<string, string>>;

  constructor(code: HandshakeErrorCode, message: string, options: HandshakeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.headers !== undefined) this.headers = options.headers;
  }
}

/**
 * @internal Quotes peer-supplied text for an error message, cut short: a header can be kilobytes
 * long, and JSON quoting keeps control characters out of logs.
 */
export function quoteForMessage(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
