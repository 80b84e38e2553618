/**
 * The WebSocket constructor's and send()'s arguments (WebSockets §3.1): the Web IDL conversions,
 * the URL and subprotocol checks; and received binary data as the event's ArrayBuffer.
 */
import { types } from 'node:util';
import { checkOptions, type WebSocketOptions } from '../client/options.js';
import { asciiLowerCase, isToken } from '../handshake/header-grammar.js';
import { toDOMString } from './webidl.js';

export function syntaxError(message: string): DOMException {
  return new DOMException(message, 'SyntaxError');
}

/** The WebSocket constructor's steps 1–7 (WebSockets §3.1): the URL record, or a SyntaxError. */
export function parseWebSocketURL(url: string): URL {
  // Steps 1–3. Outside a document there is no API base URL: a relative URL fails to parse.
  let urlRecord: URL;
  try {
    urlRecord = new URL(url);
  } catch {
    throw syntaxError(`The URL '${url}' is invalid`);
  }
  // Steps 4–5.
  if (urlRecord.protocol === 'http:') urlRecord.protocol = 'ws:';
  else if (urlRecord.protocol === 'https:') urlRecord.protocol = 'wss:';
  // Step 6.
  if (urlRecord.protocol !== 'ws:' && urlRecord.protocol !== 'wss:') {
    const scheme = urlRecord.protocol.slice(0, -1);
    throw syntaxError(`The URL's scheme must be 'ws', 'wss', 'http' or 'https', not '${scheme}'`);
  }
  // Step 7. An empty fragment ("#") is non-null too, and only the fragment puts "#" in href.
  if (urlRecord.href.includes('#')) throw syntaxError('The URL contains a fragment identifier');
  return urlRecord;
}

/**
 * The constructor's step 9: each subprotocol a token (RFC 6455 §4.1 item 10), none twice.
 * Duplicates compare ASCII case-insensitively, as browsers and the web-platform-tests have it.
 */
export function checkProtocols(protocols: readonly string[]): void {
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (!isToken(protocol)) throw syntaxError(`The subprotocol '${protocol}' is invalid`);
    const folded = asciiLowerCase(protocol);
    if (seen.has(folded)) throw syntaxError(`The subprotocol '${protocol}' is duplicated`);
    seen.add(folded);
  }
}

/** The Web IDL union `(DOMString or sequence<DOMString>)`: an iterable object is a sequence. */
function toProtocolList(value: unknown): string[] {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
    const method = (value as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (method !== undefined && method !== null) {
      if (typeof method !== 'function') throw new TypeError('protocols is not iterable');
      return Array.from(value as Iterable<unknown>, toDOMString);
    }
  }
  return [toDOMString(value)];
}

/**
 * The second argument: the Standard's `protocols` (a string or a sequence), or, as in undici, a
 * Node options object (any other non-function object), whose `protocols` member means the same.
 */
export function readSecondArgument(value: unknown): {
  protocols: string[];
  options: WebSocketOptions;
} {
  if (value === undefined) return { protocols: [], options: {} };
  if (typeof value !== 'object' || value === null || Symbol.iterator in value) {
    return { protocols: toProtocolList(value), options: {} };
  }
  const options = value as WebSocketOptions;
  checkOptions(options);
  const protocols = options.protocols === undefined ? [] : toProtocolList(options.protocols);
  return { protocols, options };
}

/**
 * What a `send()` argument stands for, after the Web IDL union conversion: text, bytes (a view,
 * never a copy) or a Blob.
 */
export type SendData = string | Uint8Array | Blob;

/** Web IDL union `(BufferSource or Blob or USVString)`, in the order the union is resolved. */
export function toSendData(data: unknown): SendData {
  if (typeof data === 'object' && data !== null) {
    if (types.isArrayBuffer(data)) {
      if ((data as ArrayBuffer & { resizable?: boolean }).resizable === true) {
        throw new TypeError('A resizable ArrayBuffer cannot be sent');
      }
      return new Uint8Array(data);
    }
    if (ArrayBuffer.isView(data)) {
      // Web IDL: a BufferSource without [AllowShared] or [AllowResizable].
      if (!types.isArrayBuffer(data.buffer) || (data.buffer as { resizable?: boolean }).resizable) {
        throw new TypeError('A view on a shared or resizable buffer cannot be sent');
      }
      // A Uint8Array (a Buffer) is taken as it is: the engine reads any Uint8Array.
      if (data instanceof Uint8Array) return data;
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
    if (data instanceof Blob) return data;
  }
  // USVString. Encoding to UTF-8 turns lone surrogates into U+FFFD, as USVString does.
  return toDOMString(data);
}

/** A new ArrayBuffer holding exactly `data`, without a copy when `data` already is one. */
export function toArrayBuffer(data: Buffer): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = data;
  if (byteOffset === 0 && byteLength === buffer.byteLength && types.isArrayBuffer(buffer)) {
    return buffer;
  }
  return new Uint8Array(data).buffer;
}
