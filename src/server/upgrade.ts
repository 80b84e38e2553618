import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { acceptDeflateOffer, type DeflateAcceptance } from '../extensions/permessage-deflate.js';
import type { HandshakeError } from '../handshake/errors.js';
import type { ExtensionOffer } from '../handshake/header-grammar.js';
import { assertFieldLine, trimOWS } from '../handshake/header-grammar.js';
import {
  buildAcceptResponse,
  buildRejectResponse,
  validateClientRequest,
} from '../handshake/server.js';
import { UpgradeRejection } from './errors.js';
import type { ServerConfig, VerifyClient, VerifyClientDone, VerifyClientInfo } from './options.js';
import type { OriginCheck } from './origin.js';
import type { PendingUpgrades } from './pending-upgrades.js';
import { ServerWebSocket, type SocketContext } from './server-websocket.js';

export type ConnectionCallback<Data> = (
  socket: ServerWebSocket<Data>,
  request: IncomingMessage,
) => void;

/** @internal What an upgrade needs from its server. */
export interface UpgradeHost<Data> {
  readonly config: ServerConfig<Data>;
  readonly context: SocketContext;
  readonly originCheck: OriginCheck | null;
  /** False once the server is closing: new upgrades get 503. */
  accepting(): boolean;
  /** Upgrades whose hooks are running. */
  readonly pending: PendingUpgrades<Upgrade<Data>>;
  shouldHandle(request: IncomingMessage): boolean;
  /** Whether the `'headers'` event has a listener: without one the response is not split. */
  listensToHeaders(): boolean;
  emitHeaders(headers: string[], request: IncomingMessage): void;
  /** ws's `'wsClientError'`: true if a listener took over the socket. */
  emitClientError(error: HandshakeError, socket: Socket, request: IncomingMessage): boolean;
  /** An error thrown by the user's hook: the server's `'error'` event. */
  reportError(error: unknown): void;
  adopt(socket: ServerWebSocket<Data>): void;
}

/** A listener for 'error', 'timeout' and 'finish' that ends the socket it is called on. */
export function destroySocket(this: Socket): void {
  this.destroy();
}

function rethrow(error: unknown): never {
  throw error;
}

type Headers = Readonly<Record<string, string | readonly string[]>>;

/**
 * Answers an upgrade request with an HTTP error and ends the connection (RFC 6455 §4.2.1: "the
 * server MUST stop processing the client's handshake and return an HTTP response with an
 * appropriate error code"). The socket is destroyed once the response is handed to the kernel.
 */
export function refuseSocket(
  socket: Socket,
  status: number,
  headers?: Headers,
  body?: string,
): void {
  if (socket.listenerCount('error') === 0) socket.on('error', destroySocket);
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  let text: string;
  try {
    text = buildRejectResponse(status, {
      headers,
      ...(body === undefined ? {} : { body }),
    });
  } catch {
    // Headers from a hook that cannot be written (CR/LF, a handshake field): a plain 500.
    text = buildRejectResponse(500);
  }
  socket.once('finish', destroySocket);
  socket.end(text);
}

/**
 * One opening handshake on the server side, RFC 6455 §4.2: validation, the server's policies
 * (path, origin, hooks, subprotocol), then the 101 response and the socket. Never throws: every
 * failure becomes an HTTP response, and the raw socket has an error listener throughout.
 */
export class Upgrade<Data> {
  private readonly host: UpgradeHost<Data>;
  private readonly request: IncomingMessage;
  private readonly socket: Socket;
  private readonly head: Buffer;
  private readonly callback: ConnectionCallback<Data>;
  private key = '';
  private protocols: string[] = [];
  private offers: ExtensionOffer[] = [];
  private settled = false;

  constructor(
    host: UpgradeHost<Data>,
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    callback: ConnectionCallback<Data>,
  ) {
    this.host = host;
    this.request = request;
    this.socket = socket;
    this.head = head;
    this.callback = callback;
  }

  run(): void {
    const { host, request, socket } = this;
    // Errors on the raw socket (a reset during the handshake) end it quietly.
    socket.on('error', destroySocket);
    if (!host.accepting()) {
      this.refuse(503, undefined, 'Server shutting down');
      return;
    }
    // §4.2.1: the request's own validity first (405, 400, 426).
    const check = validateClientRequest(request);
    if (!check.ok) {
      if (host.emitClientError(check.error, socket, request)) return;
      this.refuse(check.error.status, check.error.headers, check.error.message);
      return;
    }
    // §4.2.1 item 2 /resource name/ and §4.2.2 item 1: a resource we do not serve is a 404.
    if (!host.shouldHandle(request)) {
      this.refuse(404);
      return;
    }
    // §4.2.2 item 4, §10.2: a browser's Origin outside the allow-list is refused with 403.
    if (host.originCheck !== null && !host.originCheck(request.headers.origin)) {
      this.refuse(403, undefined, 'Origin not allowed');
      return;
    }
    this.key = check.key;
    this.protocols = check.protocols;
    this.offers = check.extensions;
    const config = host.config;
    const { verifyClient, authenticate } = config;
    if (authenticate === undefined) {
      if (verifyClient === undefined) {
        this.accept(undefined as Data);
        return;
      }
      // ws's synchronous form alone decides in this turn, as in ws: nothing is pending.
      if (verifyClient.length < 2) {
        this.verifyNow(verifyClient);
        return;
      }
    }
    if (host.pending.size >= config.maxPendingHandshakes) {
      this.refuse(503, { 'Retry-After': '1' }, 'Too many pending handshakes');
      return;
    }
    // The hooks get `handshakeTimeout` to decide (one timer for all, see PendingUpgrades).
    host.pending.add(this);
    this.runHooks().then(
      (data) => this.hooksDone(data),
      (error: unknown) => this.hooksFailed(error),
    );
  }

  /** Ends a pending handshake with an error status (timeout, server shutdown). */
  abort(status: number, body: string): void {
    if (this.settled) return;
    this.settle();
    this.refuse(status, undefined, body);
  }

  private verifyNow(verifyClient: VerifyClient): void {
    let ok: unknown;
    try {
      ok = verifyClient(this.verifyInfo(), ignoreDone);
    } catch (error) {
      this.hooksFailed(error);
      return;
    }
    if (ok) this.accept(undefined as Data);
    else this.refuse(401);
  }

  private verifyInfo(): VerifyClientInfo {
    return {
      origin: this.request.headers.origin,
      secure: (this.socket as Socket & { encrypted?: boolean }).encrypted === true,
      req: this.request,
    };
  }

  private async runHooks(): Promise<Data> {
    const { verifyClient, authenticate } = this.host.config;
    if (verifyClient !== undefined) {
      const info = this.verifyInfo();
      if (verifyClient.length >= 2) {
        await new Promise<void>((resolve, reject) => {
          const done: VerifyClientDone = (ok, status, body, headers) => {
            if (ok) resolve();
            else reject(rejection(status ?? 401, body, headers));
          };
          verifyClient(info, done);
        });
      } else if (!verifyClient(info, ignoreDone)) {
        throw new UpgradeRejection(401);
      }
    }
    if (authenticate === undefined) return undefined as Data;
    const data = await authenticate(this.request);
    if (data === false) throw new UpgradeRejection(401);
    return data;
  }

  private settle(): void {
    this.settled = true;
    this.host.pending.delete(this);
  }

  private hooksDone(data: Data): void {
    if (this.settled) return;
    this.settle();
    this.accept(data);
  }

  private hooksFailed(error: unknown): void {
    if (this.settled) return;
    this.settle();
    if (error instanceof UpgradeRejection) {
      this.refuse(error.status, error.headers, error.body);
    } else {
      this.refuse(500);
      this.host.reportError(error);
    }
  }

  private refuse(status: number, headers?: Headers, body?: string): void {
    refuseSocket(this.socket, status, headers, body);
  }

  /** §4.2.2 item 5: the 101 response, then the socket is the WebSocket connection's. */
  private accept(data: Data): void {
    const { host, request, socket } = this;
    if (socket.destroyed || !socket.writable) return; // The client left while we decided.
    let response: string;
    let protocol = '';
    let deflate: DeflateAcceptance | null = null;
    try {
      protocol = this.selectProtocol();
      deflate = this.selectDeflate();
      // §4.2.2 item 4 /extensions/: permessage-deflate or nothing; an extension left out of the
      // response is declined (§9.1).
      const options: { key: string; protocol?: string; extensions?: ExtensionOffer[] } = {
        key: this.key,
      };
      if (protocol !== '') options.protocol = protocol;
      if (deflate !== null) options.extensions = [deflate.extension];
      response = buildAcceptResponse(options);
      response = this.withUserHeaders(response);
    } catch (error) {
      this.refuse(500);
      host.reportError(error);
      return;
    }
    socket.write(response);
    // Bytes that came with the request are read again once the 'connection' listeners are on.
    if (this.head.length > 0) socket.unshift(this.head);
    // The transport's error listener replaces ours; removing ours first spares the socket an
    // array of two listeners.
    socket.removeListener('error', destroySocket);
    const ws = new ServerWebSocket(host.context, socket, protocol, data, deflate?.params);
    host.adopt(ws);
    try {
      this.callback(ws, request);
    } catch (error) {
      process.nextTick(rethrow, error);
    }
  }

  /** §4.2.2 item 4 /subprotocol/: one of the offered values, or none. */
  private selectProtocol(): string {
    if (this.protocols.length === 0) return '';
    const choose = this.host.config.handleProtocols;
    if (choose === undefined) return this.protocols[0]!;
    const offered = new Set(this.protocols);
    const chosen = choose(offered, this.request);
    if (chosen === false) return '';
    if (!offered.has(chosen)) {
      throw new TypeError(
        `handleProtocols returned ${JSON.stringify(chosen)}, which was not offered`,
      );
    }
    return chosen;
  }

  /**
   * RFC 7692 §5: the first well-formed permessage-deflate offer, in the client's order, when the
   * server enables compression; null declines (the handshake goes on without it).
   */
  private selectDeflate(): DeflateAcceptance | null {
    const options = this.host.config.perMessageDeflate;
    if (options === null || this.offers.length === 0) return null;
    return acceptDeflateOffer(this.offers, options);
  }

  /** The `'headers'` event may add or change lines; each must still be a valid field line. */
  private withUserHeaders(response: string): string {
    if (!this.host.listensToHeaders()) return response;
    const lines = response.slice(0, -4).split('\r\n');
    this.host.emitHeaders(lines, this.request);
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new TypeError(`Invalid header line ${JSON.stringify(line)}`);
      assertFieldLine(line.slice(0, colon), trimOWS(line.slice(colon + 1)));
    }
    return `${lines.join('\r\n')}\r\n\r\n`;
  }
}

/** The `done` given to a synchronous verifyClient, which answers by its return value. */
function ignoreDone(): void {}

function rejection(status: number, body?: string, headers?: Record<string, string>): Error {
  try {
    return new UpgradeRejection(status, {
      ...(body === undefined ? {} : { body }),
      ...(headers === undefined ? {} : { headers }),
    });
  } catch (error) {
    return error as Error; // A status outside 300–599: a bug in the hook, answered with 500.
  }
}
