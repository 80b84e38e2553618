/**
 * Dialing: from a ws:/wss: URL to an open socket after a valid opening handshake (RFC 6455 §4.1,
 * WebSockets Standard §2.2 "establish a WebSocket connection"). node:http writes the request and
 * parses the response; its `upgrade` event hands over the socket and the bytes after the 101.
 * Nothing here parses a frame: the caller binds the socket to a transport.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import {
  acceptDeflateResponse,
  deflateOffer,
  deflateSetting,
  type NegotiatedDeflate,
  PERMESSAGE_DEFLATE,
  type PerMessageDeflateOptions,
} from '../extensions/permessage-deflate.js';
import { generateKey } from '../handshake/accept-key.js';
import { clientRequestHeaders, validateServerResponse } from '../handshake/client.js';
import { HandshakeError } from '../handshake/errors.js';
import { asciiLowerCase } from '../handshake/header-grammar.js';
import { headerRecord, type WebSocketOptions, type WebSocketTlsOptions } from './options.js';

/** The opening handshake request, built before any I/O so that its errors throw at once. */
export interface Handshake {
  readonly url: URL;
  readonly key: string;
  readonly protocols: readonly string[];
  readonly headers: Record<string, string>;
  /** The options permessage-deflate was offered with; null when it was not offered. */
  readonly deflate: PerMessageDeflateOptions | null;
}

/** What a successful opening handshake leaves: the socket and what was negotiated. */
export interface Established {
  readonly socket: Socket;
  /** Bytes that followed the 101 response in the same read: the first frames. */
  readonly head: Buffer;
  /** The subprotocol in use, '' for none. */
  readonly protocol: string;
  /** permessage-deflate as agreed, for the transport; null when the server declined it. */
  readonly deflate: NegotiatedDeflate | null;
}

export interface DialCallbacks {
  onEstablished(established: Established): void;
  /** Called once, with the cause, when the connection could not be established. */
  onFail(error: Error): void;
}

export interface Dialing {
  /** Gives up: closes whatever was opened and reports `error` through onFail, if not done yet. */
  abort(error: Error): void;
}

/**
 * Builds the request header fields (RFC 6455 §4.1 items 4–11). Throws a TypeError for a header
 * the caller may not set or that cannot be written.
 */
export function prepareHandshake(
  url: URL,
  protocols: readonly string[],
  options: WebSocketOptions,
): Handshake {
  const key = generateKey();
  const extra = headerRecord(options.headers);
  // RFC 7692 §5: offered by default, as browsers do.
  const deflate = deflateSetting(options.perMessageDeflate, true);
  const headers = clientRequestHeaders({
    key,
    protocols,
    headers: extra,
    ...(deflate === null ? {} : { extensions: deflateOffer(deflate) }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  });
  // §4.1 item 4: the Host field names the port unless it is the scheme's default, which is what
  // URL#host gives. A caller's own Host field wins.
  if (!Object.keys(extra).some((name) => asciiLowerCase(name) === 'host')) headers.Host = url.host;
  return { url, key, protocols, headers, deflate };
}

type Pem = string | Buffer;

function pem(value: Pem | readonly Pem[]): Pem | Pem[] {
  return typeof value === 'string' || Buffer.isBuffer(value) ? value : [...value];
}

function tlsOptions(host: string, port: number, tls: WebSocketTlsOptions = {}): ConnectionOptions {
  const out: ConnectionOptions = { host, port, ALPNProtocols: ['http/1.1'] };
  // RFC 6066 §3: SNI carries host names only, never an IP address literal.
  const servername = tls.servername ?? (isIP(host) === 0 ? host : undefined);
  if (servername !== undefined) out.servername = servername;
  if (tls.ca !== undefined) out.ca = pem(tls.ca);
  if (tls.cert !== undefined) out.cert = pem(tls.cert);
  if (tls.key !== undefined) out.key = pem(tls.key);
  if (tls.passphrase !== undefined) out.passphrase = tls.passphrase;
  if (tls.rejectUnauthorized !== undefined) out.rejectUnauthorized = tls.rejectUnauthorized;
  return out;
}

/**
 * Opens the TCP (and TLS) connection, sends the handshake and validates the response. Calls
 * exactly one of `onEstablished` and `onFail`, never from within `dial()` itself. Redirects are
 * not followed (WebSockets §2.2: redirect mode "error"): a 3xx fails like any status but 101.
 */
export function dial(
  handshake: Handshake,
  options: WebSocketOptions,
  callbacks: DialCallbacks,
): Dialing {
  const { url } = handshake;
  const secure = url.protocol === 'wss:';
  // URL#hostname keeps the brackets of an IPv6 literal; sockets want the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const signal = options.signal;

  const req = httpRequest({
    method: 'GET',
    host,
    port,
    // WebSockets §2.1: the resource name is the path, then "?" and the query if non-empty.
    path: url.pathname + url.search,
    headers: handshake.headers,
    setHost: false,
    createConnection: () =>
      secure ? tlsConnect(tlsOptions(host, port, options.tls)) : netConnect({ host, port }),
  });

  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    return true;
  };
  const fail = (error: Error): void => {
    if (!settle()) return;
    req.destroy();
    callbacks.onFail(error);
  };
  const onAbort = (): void => fail(abortReason(signal!));

  req.on('error', fail);
  // Any status but 101: validateServerResponse names it (§4.1, "the client MUST validate").
  req.on('response', (res: IncomingMessage) => {
    res.resume();
    fail(toError(() => validateServerResponse(res, expectations(handshake))));
  });
  req.on('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
    let established: Established;
    try {
      established = accept(res, socket, head, handshake);
    } catch (error) {
      socket.destroy();
      fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (!settle()) {
      socket.destroy();
      return;
    }
    callbacks.onEstablished(established);
  });

  if (options.handshakeTimeout !== undefined && options.handshakeTimeout > 0) {
    timer = setTimeout(
      () => fail(new DOMException('The opening handshake timed out', 'TimeoutError')),
      options.handshakeTimeout,
    );
  }
  if (signal !== undefined) {
    if (signal.aborted) process.nextTick(onAbort);
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  req.end();
  return { abort: fail };
}

function expectations(handshake: Handshake) {
  // §4.1 item 5: a response that names an extension not offered fails.
  const offeredExtensions = handshake.deflate === null ? [] : [PERMESSAGE_DEFLATE];
  return { key: handshake.key, protocols: handshake.protocols, offeredExtensions };
}

/** Checks a 101 response (§4.1) and the Standard's extra subprotocol rule. */
function accept(
  res: IncomingMessage,
  socket: Socket,
  head: Buffer,
  handshake: Handshake,
): Established {
  const accepted = validateServerResponse(res, expectations(handshake));
  // RFC 7692 §7: parameters the offer does not allow fail the connection (a HandshakeError).
  const deflate =
    handshake.deflate === null
      ? null
      : acceptDeflateResponse(accepted.extensions, handshake.deflate);
  // WebSockets §2.2 "establish a WebSocket connection", processResponse step 2: subprotocols
  // were offered and the server selected none.
  if (handshake.protocols.length > 0 && accepted.protocol === '') {
    throw new HandshakeError(
      'WS_HANDSHAKE_BAD_PROTOCOL',
      'The server selected none of the subprotocols offered',
    );
  }
  return { socket, head, protocol: accepted.protocol, deflate };
}

function toError(check: () => unknown): Error {
  try {
    check();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  return new Error('Unexpected server response');
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('The operation was aborted', 'AbortError');
}
