import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { deflateSetting, type PerMessageDeflateOptions } from '../extensions/permessage-deflate.js';
import { DEFAULT_MAX_PAYLOAD } from '../protocol/connection.js';
import type { TransportOptions } from '../transport/socket-transport.js';

/** What `verifyClient` is given, as in ws. */
export interface VerifyClientInfo {
  /** The `Origin` header, if the client sent one (browsers always do). */
  readonly origin: string | undefined;
  /** True when the request came over TLS. */
  readonly secure: boolean;
  readonly req: IncomingMessage;
}

/**
 * ws's asynchronous form: call `done(true)` to accept, or `done(false, status?, body?, headers?)`
 * to refuse (status defaults to 401).
 */
export type VerifyClientDone = (
  result: boolean,
  status?: number,
  body?: string,
  headers?: Record<string, string>,
) => void;

/**
 * ws's `verifyClient`, in either form: synchronous, `(info) => boolean`; or with a callback,
 * `(info, done) => void`, told apart (as ws does) by the number of parameters it declares.
 * One signature for both, so that an inline function's parameters are typed.
 */
export type VerifyClient = (info: VerifyClientInfo, done: VerifyClientDone) => unknown;

/** What a socket does when a send would take `bufferedAmount` past `maxBufferedAmount`. */
export type BackpressurePolicy = 'close' | 'drop';

export interface HeartbeatOptions {
  /** Send a ping after this many milliseconds without receiving anything from the peer. */
  readonly interval: number;
  /** Terminate the connection if nothing arrives this many milliseconds after the ping. */
  readonly timeout: number;
}

/**
 * Options of `new WebSocketServer(options)`. Exactly one of `port`, `server` and `noServer`.
 * `Data` is what `authenticate` resolves to; it becomes `socket.data`.
 */
export interface WebSocketServerOptions<Data = undefined> {
  /** Create an HTTP server listening on this port (0 picks a free one). Default: none. */
  port?: number;
  /** With `port`: the address to listen on. Default: all interfaces, as `net.Server#listen`. */
  host?: string;
  /** With `port`: the listen backlog. Default: Node's (511). */
  backlog?: number;
  /**
   * Attach to this HTTP or HTTPS server (for `wss://`); several servers may share it by `path`.
   * Default: none.
   */
  server?: HttpServer | HttpsServer;
  /** No HTTP server: call `handleUpgrade` yourself. Default false. */
  noServer?: boolean;
  /**
   * Accept only upgrades to this path (the request URL without its query). Other paths are left
   * to other servers on the same HTTP server; when none takes them they get 404. Default: any.
   */
  path?: string;
  /** Largest message accepted, in bytes; a larger one closes the connection with 1009. Default 100 MiB. */
  maxPayload?: number;
  /**
   * Compression, RFC 7692: `true` (the defaults) or options to accept a client's
   * permessage-deflate offer; `false` declines every offer. Each connection that agreed on it
   * keeps a compressor of about 300 KiB with context takeover (see docs/compression.md). An
   * invalid option throws a UsageError. Default false, as in ws.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /**
   * Picks the subprotocol from those the client offered, or `false` for none. It must return one
   * of `protocols` (otherwise the upgrade fails with 500). Default: the first one offered, as ws.
   */
  handleProtocols?: (protocols: Set<string>, request: IncomingMessage) => string | false;
  /** ws's hook, synchronous or with a callback. Refusal without a status gives 401. Default: none. */
  verifyClient?: VerifyClient;
  /**
   * Accepted for compatibility with ws and ignored: sockets are always tracked in `clients`,
   * which the heartbeat and graceful shutdown need. Default true.
   */
  clientTracking?: boolean;
  /**
   * May be async. Sees the request; resolves to the data attached to the socket (`socket.data`),
   * or `false` for 401. Throw an `UpgradeRejection` to answer with any status, headers and body;
   * any other error is answered with 500 and emitted as the server's `'error'`. Runs after
   * `allowOrigins` and `verifyClient`. Default: none.
   */
  authenticate?: (request: IncomingMessage) => Data | false | Promise<Data | false>;
  /**
   * Origins (`https://app.example`, compared as serialized origins, or RegExps tested against the
   * header) that may open a connection; any other `Origin` gets 403, against cross-site WebSocket
   * hijacking. Requests without an Origin (non-browser clients) are allowed. Default: any origin.
   */
  allowOrigins?: readonly (string | RegExp)[];
  /** Ping quiet peers and terminate those that stay silent. Default: off. */
  heartbeat?: HeartbeatOptions | false;
  /**
   * Close (1001, "Idle timeout") a connection that neither sent nor received a data message for
   * this many milliseconds; pings and pongs do not count. 0 turns it off. Default 0.
   */
  idleTimeout?: number;
  /**
   * Bytes a socket may hold unsent (`bufferedAmount`) before `backpressurePolicy` applies to the
   * next message. A message is always accepted into an empty buffer. Default 16 MiB.
   */
  maxBufferedAmount?: number;
  /**
   * `'close'`: the message is not sent and the connection is closed with 1008. `'drop'`: the
   * message is dropped, its callback gets a `SendError` and the socket emits `'drop'`. Default `'close'`.
   */
  backpressurePolicy?: BackpressurePolicy;
  /**
   * Milliseconds for a handshake: from the TCP connection to the end of the request (servers this
   * server creates), and for `verifyClient` / `authenticate` to decide (503 past it). Default 10 000.
   */
  handshakeTimeout?: number;
  /** With `port`: the largest request head, in bytes; a larger one gets 431. Default 16 384. */
  maxHeaderSize?: number;
  /** Upgrades whose hooks may be running at once; more get 503 at once. Default 1024. */
  maxPendingHandshakes?: number;
  /**
   * Milliseconds to wait for the peer's Close frame after ours, and for the TCP connection to end
   * after the closing handshake, before destroying the socket. Default 30 000.
   */
  closeTimeout?: number;
  /** Answer pings automatically (RFC 6455 §5.5.2). Default true. */
  autoPong?: boolean;
  /**
   * Topics one socket may subscribe to (`socket.subscribe`); one more throws a RangeError.
   * Default 1024.
   */
  maxTopicsPerSocket?: number;
}

/** @internal The options once checked, with every default filled in. */
export interface ServerConfig<Data> {
  readonly mode: 'port' | 'server' | 'noServer';
  readonly path: string | undefined;
  readonly transport: TransportOptions;
  /** permessage-deflate offers are accepted with these options; null declines them. */
  readonly perMessageDeflate: PerMessageDeflateOptions | null;
  readonly handleProtocols: WebSocketServerOptions<Data>['handleProtocols'];
  readonly verifyClient: VerifyClient | undefined;
  readonly authenticate: WebSocketServerOptions<Data>['authenticate'];
  readonly allowOrigins: readonly (string | RegExp)[] | undefined;
  readonly heartbeat: HeartbeatOptions | null;
  readonly idleTimeout: number;
  readonly maxBufferedAmount: number;
  readonly backpressurePolicy: BackpressurePolicy;
  readonly handshakeTimeout: number;
  readonly maxHeaderSize: number;
  readonly maxPendingHandshakes: number;
  readonly maxTopicsPerSocket: number;
}

export const DEFAULTS = {
  maxBufferedAmount: 16 * 1024 * 1024,
  handshakeTimeout: 10_000,
  maxHeaderSize: 16 * 1024,
  maxPendingHandshakes: 1024,
  closeTimeout: 30_000,
  maxTopicsPerSocket: 1024,
} as const;

function positive(
  name: string,
  value: number | undefined,
  fallback: number,
  zeroOk = false,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (value === 0 && !zeroOk)) {
    throw new RangeError(
      `The "${name}" option must be a ${zeroOk ? 'non-negative' : 'positive'} number`,
    );
  }
  return value;
}

export function resolveOptions<Data>(options: WebSocketServerOptions<Data>): ServerConfig<Data> {
  const hasPort = options.port !== undefined && options.port !== null;
  const count =
    Number(hasPort) + Number(options.server != null) + Number(options.noServer === true);
  if (count !== 1) {
    throw new TypeError(
      'One and only one of the "port", "server", or "noServer" options must be specified',
    );
  }
  const policy = options.backpressurePolicy ?? 'close';
  if (policy !== 'close' && policy !== 'drop') {
    throw new TypeError('The "backpressurePolicy" option must be "close" or "drop"');
  }
  let heartbeat: HeartbeatOptions | null = null;
  if (options.heartbeat !== undefined && options.heartbeat !== false) {
    heartbeat = {
      interval: positive('heartbeat.interval', options.heartbeat.interval, 0),
      timeout: positive('heartbeat.timeout', options.heartbeat.timeout, 0),
    };
  }
  return {
    mode: hasPort ? 'port' : options.server != null ? 'server' : 'noServer',
    path: options.path,
    transport: {
      role: 'server',
      maxPayload: positive('maxPayload', options.maxPayload, DEFAULT_MAX_PAYLOAD),
      autoPong: options.autoPong ?? true,
      closeTimeout: positive('closeTimeout', options.closeTimeout, DEFAULTS.closeTimeout),
    },
    perMessageDeflate: deflateSetting(options.perMessageDeflate, false),
    handleProtocols: options.handleProtocols,
    verifyClient: options.verifyClient,
    authenticate: options.authenticate,
    allowOrigins: options.allowOrigins,
    heartbeat,
    idleTimeout: positive('idleTimeout', options.idleTimeout, 0, true),
    maxBufferedAmount: positive(
      'maxBufferedAmount',
      options.maxBufferedAmount,
      DEFAULTS.maxBufferedAmount,
    ),
    backpressurePolicy: policy,
    handshakeTimeout: positive(
      'handshakeTimeout',
      options.handshakeTimeout,
      DEFAULTS.handshakeTimeout,
    ),
    maxHeaderSize: positive('maxHeaderSize', options.maxHeaderSize, DEFAULTS.maxHeaderSize),
    maxPendingHandshakes: positive(
      'maxPendingHandshakes',
      options.maxPendingHandshakes,
      DEFAULTS.maxPendingHandshakes,
    ),
    maxTopicsPerSocket: positive(
      'maxTopicsPerSocket',
      options.maxTopicsPerSocket,
      DEFAULTS.maxTopicsPerSocket,
    ),
  };
}
