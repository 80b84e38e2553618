import { EventEmitter } from 'node:events';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HandshakeError } from '../handshake/errors.js';
import { isValidWireCloseCode } from '../protocol/close-codes.js';
import type { PubSubAdapter } from '../pubsub/adapter.js';
import { type PublishOptions, TopicHub } from '../pubsub/hub.js';
import { attach, detach, type Route } from './attach.js';
import { Sweeper } from './heartbeat.js';
import { resolveOptions, type ServerConfig, type WebSocketServerOptions } from './options.js';
import { type OriginCheck, originAllowList } from './origin.js';
import type { SendData } from './payload.js';
import { PendingUpgrades } from './pending-upgrades.js';
import type { ServerWebSocket, SocketContext } from './server-websocket.js';
import { type ConnectionCallback, Upgrade, type UpgradeHost } from './upgrade.js';

/** Events of a `WebSocketServer`, with their listeners' arguments. */
export interface WebSocketServerEventMap<Data> {
  /** A client completed the handshake. */
  connection: [socket: ServerWebSocket<Data>, request: IncomingMessage];
  /** The HTTP server is listening. */
  listening: [];
  /** The 101 response's lines, before they are written: add or change lines here. */
  headers: [headers: string[], request: IncomingMessage];
  /**
   * The HTTP server this server created failed (e.g. EADDRINUSE), or a hook threw something other
   * than an `UpgradeRejection`. As with any EventEmitter, an unhandled 'error' throws.
   */
  error: [error: Error];
  /** `close()` finished: clients, pending handshakes and the listener are all gone. */
  close: [];
  /**
   * ws's hook for invalid handshakes: with a listener, the listener answers and ends `socket`
   * itself; without one the server answers with the error's status.
   */
  wsClientError: [error: HandshakeError, socket: Duplex, request: IncomingMessage];
}

export interface ServerCloseOptions {
  /**
   * Milliseconds to wait for clients to answer the Close frame before their sockets are
   * destroyed. Default 5000.
   */
  timeout?: number;
  /** The close code sent to every client. Default 1001 (going away, RFC 6455 §7.4.1). */
  code?: number;
  /** The close reason sent to every client. Default "Server shutting down". */
  reason?: string;
}

export type ServerCloseCallback = (error?: Error) => void;

const DEFAULT_SHUTDOWN_TIMEOUT = 5000;

/** RFC 9110 §15.5.22: a plain HTTP request to a WebSocket endpoint. */
function answerUpgradeRequired(_request: IncomingMessage, response: ServerResponse): void {
  const body = 'Upgrade Required';
  response.writeHead(426, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    Upgrade: 'websocket',
    // RFC 9110 §7.8: whoever sends Upgrade also lists it in Connection.
    Connection: 'Upgrade, close',
    'Sec-WebSocket-Version': '13',
  });
  response.end(body);
}

/**
 * A WebSocket server (RFC 6455) with ws's API: standalone (`port`), on an HTTP/HTTPS server
 * (`server`), or fed by hand (`noServer` + `handleUpgrade`).
 */
export class WebSocketServer<Data = undefined> extends EventEmitter<WebSocketServerEventMap<Data>> {
  /** The options as given. */
  readonly options: Readonly<WebSocketServerOptions<Data>>;
  private readonly config: ServerConfig<Data>;
  private readonly sockets = new Set<ServerWebSocket<Data>>();
  private readonly pending: PendingUpgrades<Upgrade<Data>>;
  private readonly sweeper: Sweeper;
  private readonly hub: TopicHub;
  private readonly host: UpgradeHost<Data>;
  private readonly route: Route;
  private readonly emitConnection: ConnectionCallback<Data>;
  private readonly forwardListening = (): void => {
    this.emit('listening');
  };
  private httpServer: HttpServer | HttpsServer | null = null;
  private state: 'running' | 'closing' | 'closed' = 'running';
  private closing: Promise<void> | null = null;

  /** `callback` is added as a `'listening'` listener. */
  constructor(options: WebSocketServerOptions<Data>, callback?: () => void) {
    super();
    this.options = options;
    const config = resolveOptions(options);
    this.config = config;
    this.pending = new PendingUpgrades(config.handshakeTimeout);
    this.sweeper = new Sweeper(this.sockets, config.heartbeat, config.idleTimeout);
    this.hub = new TopicHub(config.maxTopicsPerSocket, config.transport.maxPayload!);
    const context: SocketContext = {
      transport: config.transport,
      maxBufferedAmount: config.maxBufferedAmount,
      backpressurePolicy: config.backpressurePolicy,
      watched: this.sweeper.enabled,
      topics: this.hub,
      release: (socket) => this.release(socket),
    };
    this.host = this.makeHost(context, config.allowOrigins);
    this.emitConnection = (socket, request) => this.emit('connection', socket, request);
    this.route = {
      shouldHandle: (request) => this.shouldHandle(request),
      upgrade: (request, socket, head) =>
        this.handleUpgrade(request, socket, head, this.emitConnection),
    };
    if (callback !== undefined) this.once('listening', callback);
    if (config.mode === 'port') this.listen(options);
    else if (config.mode === 'server') this.httpServer = options.server!;
    if (this.httpServer !== null) {
      attach(this.httpServer, this.route);
      this.httpServer.on('listening', this.forwardListening);
    }
  }

  /** The connected sockets (always tracked; `clientTracking` is ignored). */
  get clients(): ReadonlySet<ServerWebSocket<Data>> {
    return this.sockets;
  }

  /** The HTTP server's address; null without one (closed, or a server not listening yet). */
  address(): AddressInfo | string | null {
    if (this.config.mode === 'noServer') {
      throw new Error('The server is operating in "noServer" mode');
    }
    return this.httpServer?.address() ?? null;
  }

  /** Whether this server takes the request: with `path`, the URL's path (without query) must equal it. */
  shouldHandle(request: IncomingMessage): boolean {
    const path = this.config.path;
    if (path === undefined) return true;
    const url = request.url ?? '';
    const q = url.indexOf('?');
    return (q === -1 ? url : url.slice(0, q)) === path;
  }

  /**
   * Completes (or refuses) the handshake for an `'upgrade'` event of an HTTP server; `callback`
   * receives the socket (it does not emit `'connection'`, as in ws). Never throws on bad input:
   * every failure is an HTTP response.
   */
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    callback: ConnectionCallback<Data>,
  ): void {
    new Upgrade(this.host, request, socket as Socket, head, callback).run();
  }

  /**
   * Graceful shutdown: stops accepting (new upgrades get 503), refuses pending handshakes, sends
   * a Close frame (1001) to every client, waits up to `timeout` for them to close, destroys the
   * rest, and closes the HTTP server if this server created it. Resolves when all is done (also
   * when already closed); `callback` gets an Error if the server was not running, as in ws.
   */
  close(callback?: ServerCloseCallback): Promise<void>;
  close(options: ServerCloseOptions, callback?: ServerCloseCallback): Promise<void>;
  close(
    options?: ServerCloseOptions | ServerCloseCallback,
    callback?: ServerCloseCallback,
  ): Promise<void> {
    const cb = typeof options === 'function' ? options : callback;
    const opts = typeof options === 'function' ? {} : (options ?? {});
    if (this.state === 'closed') {
      if (cb !== undefined) process.nextTick(cb, new Error('The server is not running'));
      return Promise.resolve();
    }
    if (opts.code !== undefined && !isValidWireCloseCode(opts.code)) {
      throw new TypeError(`Invalid close code ${opts.code}: use 1000–1003, 1007–1014 or 3000–4999`);
    }
    if (opts.reason !== undefined && Buffer.byteLength(opts.reason) > 123) {
      throw new RangeError('The close reason must be at most 123 bytes (RFC 6455 §5.5)');
    }
    if (this.closing === null) this.closing = this.shutdown(opts);
    const done = this.closing;
    if (cb !== undefined) done.then(() => cb());
    return done;
  }

  // ---- topics (docs/pubsub.md) ----

  /**
   * Publishes to every socket subscribed to `topic`, here and, with an adapter, in every other
   * process on the same broker. The frame is built once and the same bytes are written to each
   * subscriber; a slow one is handled by `backpressurePolicy` and never holds up the others.
   * Throws a RangeError for a message over `maxPayload`. Returns the number of local sockets it
   * was written to.
   */
  publish(topic: string, data: SendData, options?: PublishOptions): number {
    return this.hub.publish(topic, data, options, null);
  }

  /** Sockets of this server subscribed to `topic`. */
  subscriberCount(topic: string): number {
    return this.hub.subscriberCount(topic);
  }

  /**
   * Carries publishes to and from other processes through a broker (`createRedisAdapter`).
   * Resolves once messages flow; rejects if the broker cannot be reached. The server owns the
   * adapter from then on: `close()` closes it.
   */
  useAdapter(adapter: PubSubAdapter): Promise<void> {
    return this.hub.useAdapter(adapter);
  }

  /** The adapter in use, or null. */
  get adapter(): PubSubAdapter | null {
    return this.hub.adapter;
  }

  /** Sockets subscribed to `topic` in every process (the adapter's presence; local without one). */
  presence(topic: string): Promise<number> {
    return this.hub.presence(topic);
  }

  // ---- internals ----

  private listen(options: WebSocketServerOptions<Data>): void {
    const timeout = this.config.handshakeTimeout;
    // Node's own timers end a request that is slow to arrive (nothing sent, or half a request)
    // with 408; the checking interval bounds how late.
    const server = createServer(
      {
        maxHeaderSize: this.config.maxHeaderSize,
        headersTimeout: timeout,
        requestTimeout: timeout,
        connectionsCheckingInterval: Math.max(10, Math.min(1000, timeout / 4)),
      },
      answerUpgradeRequired,
    );
    server.on('error', (error) => this.emit('error', error));
    this.httpServer = server;
    server.listen(options.port, options.host, options.backlog);
  }

  private makeHost(
    context: SocketContext,
    origins: readonly (string | RegExp)[] | undefined,
  ): UpgradeHost<Data> {
    const originCheck: OriginCheck | null = origins === undefined ? null : originAllowList(origins);
    return {
      config: this.config,
      context,
      originCheck,
      pending: this.pending,
      accepting: () => this.state === 'running',
      shouldHandle: (request) => this.shouldHandle(request),
      listensToHeaders: () => this.listenerCount('headers') > 0,
      emitHeaders: (headers, request) => {
        this.emit('headers', headers, request);
      },
      emitClientError: (error, socket, request) =>
        this.emit('wsClientError', error, socket, request),
      // Emitted on the next tick: with no 'error' listener it is thrown there, as an uncaught
      // exception, never out of handleUpgrade or a promise chain of ours.
      reportError: (error) => {
        const reported = error instanceof Error ? error : new Error(String(error));
        process.nextTick(() => this.emit('error', reported));
      },
      adopt: (socket) => {
        this.sockets.add(socket);
        this.sweeper.start();
      },
    };
  }

  private release(socket: object): void {
    this.sockets.delete(socket as ServerWebSocket<Data>);
    this.hub.removeSocket(socket as ServerWebSocket<Data>);
    if (this.sockets.size === 0) {
      this.sweeper.stop();
      this.drained?.();
    }
  }

  /** Called when the last socket goes during a shutdown. */
  private drained: (() => void) | null = null;

  private async shutdown(options: ServerCloseOptions): Promise<void> {
    this.state = 'closing';
    const httpServer = this.httpServer;
    this.httpServer = null; // address() is null from now on, as in ws.
    if (httpServer !== null) {
      detach(httpServer, this.route);
      httpServer.removeListener('listening', this.forwardListening);
    }
    const owned = this.config.mode === 'port' ? httpServer : null;
    // Stop listening at once; the server's 'close' comes once its last connection is gone.
    const serverClosed =
      owned === null
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            if (!owned.listening) resolve();
            else owned.close(() => resolve());
            owned.closeIdleConnections();
          });
    this.pending.abortAll(503, 'Server shutting down');
    await this.closeClients(options);
    if (owned !== null) owned.closeAllConnections();
    await serverClosed;
    this.sweeper.stop();
    await this.hub.close();
    this.state = 'closed';
    this.emit('close');
  }

  /** Sends Close to every client and waits, up to the timeout, for all of them to be gone. */
  private closeClients(options: ServerCloseOptions): Promise<void> {
    if (this.sockets.size === 0) return Promise.resolve();
    const code = options.code ?? 1001;
    const reason = options.reason ?? 'Server shutting down';
    const timeout = options.timeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const socket of this.sockets) socket.terminate();
      }, timeout);
      this.drained = () => {
        clearTimeout(timer);
        this.drained = null;
        resolve();
      };
      for (const socket of [...this.sockets]) socket.close(code, reason);
    });
  }
}
