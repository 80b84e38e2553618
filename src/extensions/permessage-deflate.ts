import { HandshakeError, quoteForMessage } from '../handshake/errors.js';
import { type ExtensionOffer, formatExtensions } from '../handshake/header-grammar.js';
import { UsageError } from '../protocol/errors.js';
import type { Role } from '../protocol/types.js';

/** The extension name, RFC 7692 §7. */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** The base-2 logarithm of an LZ77 sliding window, RFC 7692 §7.1.2: 256 bytes to 32 KiB. */
export type WindowBits = 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15;

/** What a user configures; the same object serves a client's offer and a server's acceptance. */
export interface PerMessageDeflateOptions {
  /**
   * Server: reset the compression context after every message even when the client does not
   * ask (RFC 7692 §7.1.1.1), so no deflate context is kept between messages: compressors are
   * then pooled across connections instead of costing ~260 KiB each (see docs/compression.md).
   * Default true on a server; `false` keeps a compressor per connection, which compresses runs of
   * similar messages better. Client: ask the server to do so, and fail the handshake if it does
   * not agree. Default false on a client.
   */
  readonly serverNoContextTakeover?: boolean;
  /**
   * Client: promise to reset its compression context after every message (§7.1.1.2). Server:
   * ask the client to, which lets it release its inflate context between messages. When the
   * client offers it, the server always echoes it. Default false.
   */
  readonly clientNoContextTakeover?: boolean;
  /**
   * 8–15. Server: the largest window it compresses with; it answers the smaller of this and the
   * client's request (§7.1.2.1). Client: ask the server to compress with at most this window,
   * and fail the handshake if it answers more. Default: not limited (15).
   */
  readonly serverMaxWindowBits?: number;
  /**
   * Client: `client_max_window_bits` is always offered (§7.1.2.2): with this value (8–15), or
   * without one when `true` or absent (the server may then pick any window); `false` leaves it
   * out. Server: 8–15 asks the client for at most this window when the client offered the
   * parameter; a client that did not offer it cannot be limited and compresses with up to 15.
   * Default: true (client), not limited (server).
   */
  readonly clientMaxWindowBits?: number | boolean;
  /** Messages whose payload is smaller than this many bytes are sent uncompressed. Default 1024. */
  readonly threshold?: number;
  /** zlib compression level, 0 (none) to 9 (best). Default 6, zlib's own default. */
  readonly level?: number;
  /** zlib memLevel, 1–9: memory for the compressor's hash tables against speed. Default 8. */
  readonly memLevel?: number;
  /**
   * How many zlib operations may run at once in the whole process (see `zlibLimiter`). It is
   * process-wide: an engine created with it sets it for every connection. Default 10.
   */
  readonly concurrencyLimit?: number;
}

/**
 * The permessage-deflate parameters agreed for one connection, seen from one side, with that
 * side's compression settings. Made by `acceptDeflateOffer` (server) or `acceptDeflateResponse`
 * (client) and given as is to the engine (`EngineOptions.extensions.deflate`).
 */
export interface NegotiatedDeflate {
  /** The side these parameters are for; the engine checks that it matches its own. */
  readonly role: Role;
  /** The agreed element of Sec-WebSocket-Extensions, as the server sent it. */
  readonly header: string;
  /** The server resets its compression context after every message (§7.1.1.1). */
  readonly serverNoContextTakeover: boolean;
  /** The client resets its compression context after every message (§7.1.1.2). */
  readonly clientNoContextTakeover: boolean;
  /** The largest window the server compresses with (§7.1.2.1); 15 when none was agreed. */
  readonly serverMaxWindowBits: WindowBits;
  /** The largest window the client compresses with (§7.1.2.2); 15 when none was agreed. */
  readonly clientMaxWindowBits: WindowBits;
  /** This side's settings, from `PerMessageDeflateOptions` with the defaults applied. */
  readonly threshold: number;
  readonly level: number;
  readonly memLevel: number;
  readonly concurrencyLimit?: number;
}

/** What a server accepted: the element for its 101 response and the engine's parameters. */
export interface DeflateAcceptance {
  /** For `buildAcceptResponse({ extensions: [extension] })`. */
  readonly extension: ExtensionOffer;
  /** The same element as header text. */
  readonly header: string;
  readonly params: NegotiatedDeflate;
}

/** The four parameters of one offer or response (RFC 7692 §7.1), checked. */
interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: WindowBits | undefined;
  /** `true`: present without a value, which only an offer may do (§7.1.2.2). */
  clientMaxWindowBits: WindowBits | true | undefined;
}

interface ResolvedOptions {
  /** Undefined when not set: the default depends on the side (see the option). */
  serverNoContextTakeover: boolean | undefined;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: WindowBits | undefined;
  clientMaxWindowBits: WindowBits | boolean;
  threshold: number;
  level: number;
  memLevel: number;
  concurrencyLimit: number | undefined;
}

// ---- the client ----

/**
 * The client's offer (RFC 7692 §5, §7.1), for the request's Sec-WebSocket-Extensions.
 * `client_max_window_bits` is always offered (§7.1.2.2) unless `clientMaxWindowBits` is false.
 * Throws a UsageError for an invalid option.
 */
export function deflateOffer(options: PerMessageDeflateOptions = {}): string {
  const o = resolveOptions(options);
  return formatExtensions([
    element({
      serverNoContextTakeover: o.serverNoContextTakeover ?? false,
      clientNoContextTakeover: o.clientNoContextTakeover,
      serverMaxWindowBits: o.serverMaxWindowBits,
      clientMaxWindowBits:
        o.clientMaxWindowBits === false
          ? undefined
          : o.clientMaxWindowBits === true
            ? true
            : o.clientMaxWindowBits,
    }),
  ]);
}

/**
 * Reads the server's answer to `deflateOffer(options)` among the response's extensions (as
 * `validateServerResponse` returns them). Returns null when the server declined compression.
 *
 * Throws a HandshakeError (code `WS_HANDSHAKE_BAD_EXTENSION_PARAMS`) for a response RFC 7692 §7
 * says the client "MUST _Fail the WebSocket Connection_" on: a parameter not defined for a
 * response, an invalid value, a parameter given twice, or a configuration the client did not
 * ask for (and §5: permessage-deflate accepted twice, both claiming RSV1). The client then fails
 * the opening handshake like any other bad response: it closes the TCP connection without a
 * Close frame, since the connection was never established (RFC 6455 §4.1, §7.1.7), and a
 * browser-like client reports code 1006.
 */
export function acceptDeflateResponse(
  extensions: readonly ExtensionOffer[],
  options: PerMessageDeflateOptions = {},
): NegotiatedDeflate | null {
  const o = resolveOptions(options);
  const accepted = extensions.filter((e) => e.name === PERMESSAGE_DEFLATE);
  const response = accepted[0];
  if (response === undefined) return null;
  if (accepted.length > 1) failResponse('permessage-deflate is accepted twice');
  const p = parseParams(response, true);
  if (typeof p === 'string') failResponse(p);
  // §7.1.1.1: the server accepts server_no_context_takeover by echoing it; it may also add it.
  if (o.serverNoContextTakeover === true && !p.serverNoContextTakeover) {
    failResponse('server_no_context_takeover was asked for and not accepted');
  }
  // §7.1.2.1: a requested server window is accepted with the same or a smaller value.
  if (o.serverMaxWindowBits !== undefined) {
    if (p.serverMaxWindowBits === undefined) {
      failResponse('server_max_window_bits was asked for and not accepted');
    }
    if (p.serverMaxWindowBits > o.serverMaxWindowBits) {
      failResponse(
        `server_max_window_bits=${p.serverMaxWindowBits} is over the ${o.serverMaxWindowBits} asked for`,
      );
    }
  }
  // §7.1.2.2: only an offered client_max_window_bits may be answered, with at most its value.
  // parseParams refuses a valueless client_max_window_bits in a response.
  let clientBits = p.clientMaxWindowBits as WindowBits | undefined;
  if (clientBits !== undefined) {
    if (o.clientMaxWindowBits === false) {
      failResponse('client_max_window_bits was not offered');
    }
    if (typeof o.clientMaxWindowBits === 'number' && clientBits > o.clientMaxWindowBits) {
      failResponse(
        `client_max_window_bits=${clientBits} is over the ${o.clientMaxWindowBits} offered`,
      );
    }
  } else if (typeof o.clientMaxWindowBits === 'number') {
    // The offer told the server the client compresses with at most this window: keep the promise.
    clientBits = o.clientMaxWindowBits;
  }
  return negotiated('client', formatExtensions([response]), o, {
    serverNoContextTakeover: p.serverNoContextTakeover,
    // §7.1.1.2: an offered client_no_context_takeover is a promise, echoed or not.
    clientNoContextTakeover: p.clientNoContextTakeover || o.clientNoContextTakeover,
    serverMaxWindowBits: p.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: clientBits ?? 15,
  });
}

// ---- the server ----

/**
 * Picks the first permessage-deflate offer (the client's preference, RFC 7692 §5) that is well
 * formed, and answers it (§7.1). Returns null when there is none: the server then declines
 * compression and answers without the extension, it does not fail the handshake.
 *
 * A malformed offer (a parameter not defined for an offer, an invalid value, a parameter given
 * twice) is declined, not answered with 400: §7 says "A server MUST decline an extension
 * negotiation offer for this extension if any of the following conditions are met", and §5 lets
 * the server go on to the client's next offer. Every well-formed configuration is supported,
 * a window of 8 included (see `DeflateCodec`). Throws a UsageError for an invalid option.
 */
export function acceptDeflateOffer(
  offers: readonly ExtensionOffer[],
  options: PerMessageDeflateOptions = {},
): DeflateAcceptance | null {
  const o = resolveOptions(options);
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const p = parseParams(offer, false);
    if (typeof p === 'string') continue;
    // §7.1.2.1: the same or a smaller value than asked; the server may also add it.
    const serverBits = minBits(p.serverMaxWindowBits, o.serverMaxWindowBits);
    // §7.1.2.2: only if offered ("MUST NOT include" it otherwise), and at most the offered value.
    const clientBits =
      p.clientMaxWindowBits === undefined
        ? undefined
        : minBits(
            p.clientMaxWindowBits === true ? undefined : p.clientMaxWindowBits,
            typeof o.clientMaxWindowBits === 'number' ? o.clientMaxWindowBits : undefined,
          );
    const answer = {
      // §7.1.1.1: accepted by echoing it; the server may also add it on its own, and does by
      // default so that it keeps no compressor per connection.
      serverNoContextTakeover:
        p.serverNoContextTakeover || (o.serverNoContextTakeover ?? SERVER_NO_CONTEXT_TAKEOVER),
      // §7.1.1.2: the server may add it; echoing the client's hint costs nothing and lets the
      // server drop its inflate context between messages.
      clientNoContextTakeover: p.clientNoContextTakeover || o.clientNoContextTakeover,
    };
    const extension = element({
      ...answer,
      serverMaxWindowBits: serverBits,
      clientMaxWindowBits: clientBits,
    });
    const header = formatExtensions([extension]);
    const params = negotiated('server', header, o, {
      ...answer,
      serverMaxWindowBits: serverBits ?? 15,
      clientMaxWindowBits: clientBits ?? 15,
    });
    return { extension, header, params };
  }
  return null;
}

/**
 * A server's or client's `perMessageDeflate` option, checked once when it is configured so that
 * a bad value throws there rather than at a handshake: `true` is the defaults, `false` is off
 * (null), absent is `enabledByDefault`. Throws a TypeError for a value that is neither a boolean
 * nor an object, and a UsageError (`WS_USAGE_INVALID_OPTION`) for an invalid option in it.
 */
export function deflateSetting(
  value: boolean | PerMessageDeflateOptions | undefined,
  enabledByDefault: boolean,
): PerMessageDeflateOptions | null {
  const enabled = value ?? enabledByDefault;
  if (enabled === false) return null;
  if (enabled === true) return {};
  if (typeof enabled !== 'object' || enabled === null) {
    throw new TypeError('The "perMessageDeflate" option must be a boolean or an object');
  }
  resolveOptions(enabled);
  return enabled;
}

// ---- internals ----

/**
 * A server's default for `serverNoContextTakeover`. A compressor with a 32 KiB window and
 * memLevel 8 holds ~260 KiB of zlib state; kept per connection, that is ~260 MB for 1,000
 * compressing connections. Without context takeover one pooled compressor serves every
 * connection in turn, and a published message can be compressed once for all its subscribers.
 */
const SERVER_NO_CONTEXT_TAKEOVER = true;

/**
 * Checks the parameters of one element, RFC 7692 §7: only the four names defined, each once,
 * the two flags without a value, window bits as a decimal integer from 8 to 15 without leading
 * zeros (§7.1.2.1, §7.1.2.2); client_max_window_bits without a value in an offer only.
 * Returns the reason as a string when the element is malformed.
 */
function parseParams(ext: ExtensionOffer, inResponse: boolean): DeflateParams | string {
  const p: DeflateParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [name, value] of ext.params) {
    if (seen.has(name)) return `parameter ${name} is given twice`;
    seen.add(name);
    if (name === 'server_no_context_takeover' || name === 'client_no_context_takeover') {
      if (value !== true) return `${name} takes no value, got ${quoteForMessage(value)}`;
      if (name === 'server_no_context_takeover') p.serverNoContextTakeover = true;
      else p.clientNoContextTakeover = true;
    } else if (name === 'server_max_window_bits') {
      const bits = windowBits(value);
      if (bits === undefined) return `invalid ${name} ${describeValue(value)}`;
      p.serverMaxWindowBits = bits;
    } else if (name === 'client_max_window_bits') {
      if (value === true && !inResponse) {
        p.clientMaxWindowBits = true;
        continue;
      }
      const bits = windowBits(value);
      if (bits === undefined) return `invalid ${name} ${describeValue(value)}`;
      p.clientMaxWindowBits = bits;
    } else {
      return `unknown parameter ${quoteForMessage(name)}`;
    }
  }
  return p;
}

function windowBits(value: string | true): WindowBits | undefined {
  return value !== true && /^(?:[89]|1[0-5])$/.test(value)
    ? (Number(value) as WindowBits)
    : undefined;
}

function describeValue(value: string | true): string {
  return value === true ? 'without a value' : quoteForMessage(value);
}

function minBits(a: WindowBits | undefined, b: WindowBits | undefined): WindowBits | undefined {
  return a === undefined ? b : b === undefined ? a : a < b ? a : b;
}

/** One element in the parameter order RFC 7692 §7.1.3 uses in its examples. */
function element(p: DeflateParams): ExtensionOffer {
  const params: [string, string | true][] = [];
  if (p.serverNoContextTakeover) params.push(['server_no_context_takeover', true]);
  if (p.clientNoContextTakeover) params.push(['client_no_context_takeover', true]);
  if (p.serverMaxWindowBits !== undefined) {
    params.push(['server_max_window_bits', String(p.serverMaxWindowBits)]);
  }
  if (p.clientMaxWindowBits !== undefined) {
    const value = p.clientMaxWindowBits;
    params.push(['client_max_window_bits', value === true ? true : String(value)]);
  }
  return { name: PERMESSAGE_DEFLATE, params };
}

function negotiated(
  role: Role,
  header: string,
  o: ResolvedOptions,
  agreed: Pick<
    NegotiatedDeflate,
    | 'serverNoContextTakeover'
    | 'clientNoContextTakeover'
    | 'serverMaxWindowBits'
    | 'clientMaxWindowBits'
  >,
): NegotiatedDeflate {
  const settings = { threshold: o.threshold, level: o.level, memLevel: o.memLevel };
  return o.concurrencyLimit === undefined
    ? { role, header, ...agreed, ...settings }
    : { role, header, ...agreed, ...settings, concurrencyLimit: o.concurrencyLimit };
}

function failResponse(why: string): never {
  throw new HandshakeError(
    'WS_HANDSHAKE_BAD_EXTENSION_PARAMS',
    `Invalid permessage-deflate response: ${why}`,
  );
}

function resolveOptions(options: PerMessageDeflateOptions): ResolvedOptions {
  const flag = (name: keyof PerMessageDeflateOptions): boolean | undefined => {
    const value = options[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') invalid(name, value, 'a boolean');
    return value;
  };
  const int = (name: keyof PerMessageDeflateOptions, min: number, max: number) => {
    const value = options[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      invalid(name, value, `an integer from ${min} to ${max}`);
    }
    return value;
  };
  const client = options.clientMaxWindowBits;
  return {
    serverNoContextTakeover: flag('serverNoContextTakeover'),
    clientNoContextTakeover: flag('clientNoContextTakeover') ?? false,
    serverMaxWindowBits: int('serverMaxWindowBits', 8, 15) as WindowBits | undefined,
    clientMaxWindowBits:
      typeof client === 'boolean'
        ? client
        : ((int('clientMaxWindowBits', 8, 15) as WindowBits | undefined) ?? true),
    threshold: int('threshold', 0, Number.MAX_SAFE_INTEGER) ?? 1024,
    level: int('level', 0, 9) ?? 6,
    memLevel: int('memLevel', 1, 9) ?? 8,
    concurrencyLimit: int('concurrencyLimit', 1, Number.MAX_SAFE_INTEGER),
  };
}

function invalid(name: string, value: unknown, wanted: string): never {
  throw new UsageError(
    'WS_USAGE_INVALID_OPTION',
    `permessage-deflate option ${name} must be ${wanted}, got ${String(value)}`,
  );
}
