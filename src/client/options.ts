import type { PerMessageDeflateOptions } from '../extensions/permessage-deflate.js';

/**
 * The Node options of `new WebSocket(url, options)`. A browser only takes `protocols` there; the
 * rest is what a program outside a browser needs (headers, TLS, limits, timeouts). Every option
 * is optional and none changes what the WHATWG interface shows.
 */
/** TLS settings for `wss:` URLs, passed to `tls.connect`. */
export interface WebSocketTlsOptions {
  /** Trusted CA certificates (PEM). Default: Node's bundled root certificates. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** A client certificate chain (PEM). Default: none. */
  readonly cert?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** The private key of `cert` (PEM). Default: none. */
  readonly key?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** The passphrase of `key`. Default: none. */
  readonly passphrase?: string;
  /** Fail the connection when the server's certificate does not verify. Default: true. */
  readonly rejectUnauthorized?: boolean;
  /**
   * The name sent in the TLS Server Name Indication extension and checked against the
   * certificate. Default: the URL's host, or no SNI when the host is an IP address.
   */
  readonly servername?: string;
}

/** The second argument of `new WebSocket(url, options)`, when it is not `protocols`. */
export interface WebSocketOptions {
  /** Subprotocols, as the standard's second argument. Default: none. */
  readonly protocols?: string | readonly string[];
  /**
   * Extra request header fields. They cannot replace the handshake's own (Upgrade, Connection,
   * Sec-WebSocket-*). A `Host` field replaces the one derived from the URL. Default: none.
   */
  readonly headers?: Readonly<Record<string, string>> | Iterable<readonly [string, string]>;
  /** Sends an `Origin` header with this value (browsers always send one). Default: none. */
  readonly origin?: string;
  /**
   * Compression, RFC 7692: permessage-deflate is offered with these options, or with the defaults
   * when `true`, as every browser offers it; `false` offers nothing. A server's answer that does
   * not match the offer fails the connection. An invalid option throws a UsageError. Default: true.
   */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** The largest message accepted, in bytes; a larger one fails the connection. Default: 100 MiB. */
  readonly maxPayload?: number;
  /** Milliseconds allowed for TCP, TLS and the opening handshake; 0 for no limit. Default: 0. */
  readonly handshakeTimeout?: number;
  /**
   * Milliseconds to wait for the server's Close frame after ours, and then for the server to end
   * the TCP connection, before the socket is destroyed. Default: 30 000.
   */
  readonly closeTimeout?: number;
  /** TLS settings for `wss:`. */
  readonly tls?: WebSocketTlsOptions;
  /** Aborting it during the opening handshake fails the connection, as close() would. */
  readonly signal?: AbortSignal;
  /**
   * Receives the cause of a failure (a HandshakeError, a ProtocolError, a socket or TLS error, a
   * timeout or an abort) right before the `error` and `close` events, for logging. The events
   * themselves carry no detail, as the standard requires. Default: none.
   */
  readonly onDiagnostic?: (error: Error) => void;
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function checkNumber(name: string, value: unknown, min: number): void {
  if (value !== undefined && !(typeof value === 'number' && value >= min && value <= 2 ** 53)) {
    throw new TypeError(`The "${name}" option must be a number of at least ${min}`);
  }
}

/** Throws a TypeError for an option of the wrong type (`protocols` and `headers` aside). */
export function checkOptions(options: WebSocketOptions): void {
  checkNumber('maxPayload', options.maxPayload, 1);
  checkNumber('handshakeTimeout', options.handshakeTimeout, 0);
  checkNumber('closeTimeout', options.closeTimeout, 0);
  if (options.origin !== undefined && typeof options.origin !== 'string') {
    throw new TypeError('The "origin" option must be a string');
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError('The "signal" option must be an AbortSignal');
  }
  if (options.onDiagnostic !== undefined && typeof options.onDiagnostic !== 'function') {
    throw new TypeError('The "onDiagnostic" option must be a function');
  }
  if (options.tls !== undefined && !isObject(options.tls)) {
    throw new TypeError('The "tls" option must be an object');
  }
}

/** The `headers` option as a record; names and values must be strings. */
export function headerRecord(headers: WebSocketOptions['headers']): Record<string, string> {
  if (headers === undefined) return {};
  if (!isObject(headers)) throw new TypeError('The "headers" option must be an object');
  const entries: Iterable<readonly [unknown, unknown]> =
    Symbol.iterator in headers
      ? (headers as Iterable<readonly [unknown, unknown]>)
      : Object.entries(headers);
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (typeof name !== 'string' || typeof value !== 'string') {
      throw new TypeError('Header field names and values must be strings');
    }
    out[name] = value;
  }
  return out;
}
