import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { NegotiatedDeflate } from '../extensions/permessage-deflate.js';
import { isValidWireCloseCode } from '../protocol/close-codes.js';
import { isValidUtf8 } from '../protocol/utf8.js';
import type { PublishOptions, Subscriber, TopicHub } from '../pubsub/hub.js';
import type { PublishedMessage } from '../pubsub/message.js';
import {
  SocketTransport,
  type TransportHandler,
  type TransportOptions,
} from '../transport/socket-transport.js';
import { SendError } from './errors.js';
import {
  addListener,
  getAttribute,
  removeListener,
  type ShimTarget,
  setAttribute,
  type WsEventListener,
  type WsEventListenerOptions,
  type WsEventMap,
} from './event-target.js';
import { Liveness, now, type Watched } from './heartbeat.js';
import type { BackpressurePolicy } from './options.js';
import {
  type BinaryType,
  byteLength,
  type RawData,
  type SendCallback,
  type SendData,
  toBinaryType,
  toPayload,
} from './payload.js';

export type { BinaryType, RawData, SendCallback, SendData };

export interface SendOptions {
  /** Send a binary frame. Default: true unless `data` is a string (or a number). */
  binary?: boolean;
  /**
   * With permessage-deflate: false sends this message uncompressed. Read on a message's first
   * fragment; the others follow it. Default true (messages under `threshold` bytes are never
   * compressed). No effect without the extension.
   */
  compress?: boolean;
  /** false sends a fragment of a message that later calls continue (RFC 6455 §5.4). Default true. */
  fin?: boolean;
  /** Ignored: a server never masks (RFC 6455 §5.1). */
  mask?: boolean;
}

/** Events of a `ServerWebSocket`, with their listeners' arguments. */
export interface ServerWebSocketEventMap {
  /** A complete message. Text arrives as a Buffer holding valid UTF-8 (`isBinary` false). */
  message: [data: RawData, isBinary: boolean];
  /** The TCP connection is gone: the peer's close code (1005 none given, 1006 no Close frame). */
  close: [code: number, reason: Buffer];
  ping: [data: Buffer];
  pong: [data: Buffer];
  /** The peer broke the protocol (a `ProtocolError`) or the socket failed. Emitted only when listened to. */
  error: [error: Error];
  /** The send buffer has emptied after a send returned false. */
  drain: [];
  /** `backpressurePolicy: 'drop'` dropped this message. */
  drop: [data: SendData];
}

/** @internal What all sockets of one server share, so that a socket holds one reference. */
export interface SocketContext {
  readonly transport: TransportOptions;
  readonly maxBufferedAmount: number;
  readonly backpressurePolicy: BackpressurePolicy;
  /** Sockets need a Liveness record (heartbeat or idle timeout on). */
  readonly watched: boolean;
  /** The server's topics (`src/pubsub/`). */
  readonly topics: TopicHub;
  release(socket: object): void;
}

/** The value of an `on<type>` attribute. */
type Handler<K extends keyof WsEventMap<ServerWebSocket>> =
  | ((event: WsEventMap<ServerWebSocket>[K]) => void)
  | null;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;

function rethrow(error: unknown): never {
  throw error;
}

/**
 * One accepted WebSocket connection, as `WebSocketServer` hands it to `'connection'`. An
 * EventEmitter with ws's API; `data` is what `authenticate` resolved to.
 */
export class ServerWebSocket<Data = unknown>
  extends EventEmitter<ServerWebSocketEventMap>
  implements TransportHandler, Watched, Subscriber
{
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  /** The subprotocol selected at the handshake, or '' for none. */
  readonly protocol: string;
  /** What `authenticate` resolved to (undefined without it). */
  data: Data;
  /** How binary messages are delivered. Default 'nodebuffer'. */
  binaryType: BinaryType = 'nodebuffer';
  /** Messages dropped by `backpressurePolicy: 'drop'`. */
  droppedMessages = 0;
  /** @internal Heartbeat and idle bookkeeping, when enabled. */
  readonly liveness: Liveness | null;
  /** @internal This socket's topics, kept by the server's TopicHub; null before the first. */
  subscriptions: Set<string> | null = null;

  private readonly context: SocketContext;
  private readonly transport: SocketTransport;
  private state: number = OPEN;
  private paused = false;
  /** A fragmented message is being sent (`fin: false` was sent last). */
  private midMessage = false;
  /** The first fragment of the message being sent was dropped: drop the rest too. */
  private dropping = false;
  /** Published messages held while a fragmented message is being sent (RFC 6455 §5.4). */
  private deferred: PublishedMessage[] | null = null;
  private deferredBytes = 0;

  /**
   * @internal Made by the server once the 101 response is written; `deflate` when the handshake
   * agreed on permessage-deflate.
   */
  constructor(
    context: SocketContext,
    socket: Socket,
    protocol: string,
    data: Data,
    deflate?: NegotiatedDeflate,
  ) {
    super();
    this.context = context;
    this.protocol = protocol;
    this.data = data;
    this.liveness = context.watched ? new Liveness(socket.bytesRead, now()) : null;
    const options =
      deflate === undefined ? context.transport : { ...context.transport, extensions: { deflate } };
    this.transport = new SocketTransport(socket, this, options);
  }

  /** 1 (OPEN) until a close starts, 2 (CLOSING) until the TCP connection is gone, then 3 (CLOSED). */
  get readyState(): 0 | 1 | 2 | 3 {
    if (this.state === OPEN && this.transport.engine.state !== 'open') return CLOSING;
    return this.state as 0 | 1 | 2 | 3;
  }

  /**
   * The extensions in use, as the 101 response's Sec-WebSocket-Extensions value (e.g.
   * `permessage-deflate; client_max_window_bits=15`), '' for none.
   */
  get extensions(): string {
    return this.transport.engine.extensions;
  }

  /** Bytes queued and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.transport.bufferedAmount + this.deferredBytes;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** @internal For the CloseEvent of `addEventListener('close')`. */
  get wasClean(): boolean {
    return this.transport.engine.closedCleanly;
  }

  /** @internal For the heartbeat sweep. */
  get bytesReceived(): number {
    return this.transport.socket.bytesRead;
  }

  /**
   * Sends a message. `callback` runs once the frame is handed to the kernel, or with a
   * `SendError` if it was not sent (socket not open, backpressure policy). Returns false when the
   * message was not sent or the socket's buffer is full (wait for `'drain'`).
   */
  send(data: SendData, callback?: SendCallback): boolean;
  send(data: SendData, options: SendOptions, callback?: SendCallback): boolean;
  send(data: SendData, options?: SendOptions | SendCallback, callback?: SendCallback): boolean {
    let cb = callback;
    let opts: SendOptions | undefined;
    if (typeof options === 'function') cb = options;
    else opts = options;
    if (this.readyState !== OPEN) return this.notOpen(cb);
    const payload = toPayload(data);
    const fin = opts?.fin ?? true;
    if (this.dropping) {
      // The message's first fragment was dropped: the rest of it goes the same way.
      if (fin) this.dropping = false;
      return this.drop(data, cb);
    }
    const buffered = this.bufferedAmount;
    const context = this.context;
    if (buffered > 0 && buffered + byteLength(payload) > context.maxBufferedAmount) {
      if (context.backpressurePolicy === 'close') return this.overflow(cb);
      // A message whose first fragment went out is finished: its fragments are never dropped.
      if (!this.midMessage) {
        this.dropping = !fin;
        return this.drop(data, cb);
      }
    }
    const binary = opts?.binary ?? typeof payload !== 'string';
    this.midMessage = !fin;
    if (this.liveness !== null) this.liveness.active = true;
    const sent = this.transport.send(payload, binary, fin, cb, opts);
    if (fin && this.deferred !== null) this.sendDeferred();
    return sent;
  }

  // ---- topics (src/pubsub/) ----

  /**
   * Subscribes to `topic` (a non-empty string of at most 256 UTF-8 bytes): `server.publish` and
   * other sockets' `publish` reach this socket from now on. Returns false if it was already
   * subscribed or is not open. Throws a RangeError past the server's `maxTopicsPerSocket`. A
   * socket leaves all its topics when it closes.
   */
  subscribe(topic: string): boolean {
    return this.context.topics.subscribe(this, topic);
  }

  /** Leaves `topic`; false if this socket was not subscribed to it. */
  unsubscribe(topic: string): boolean {
    return this.context.topics.unsubscribe(this, topic);
  }

  isSubscribed(topic: string): boolean {
    return this.subscriptions?.has(topic) === true;
  }

  /** The topics this socket is subscribed to, in the order it subscribed. */
  get topics(): string[] {
    return this.subscriptions === null ? [] : [...this.subscriptions];
  }

  /**
   * Publishes to every subscriber of `topic` but this socket, here and (with an adapter) in every
   * other process; this socket need not be subscribed. Throws a RangeError for a message over
   * the server's `maxPayload`. Returns the number of local sockets it was written to.
   */
  publish(topic: string, data: SendData, options?: PublishOptions): number {
    return this.context.topics.publish(topic, data, options, this);
  }

  /**
   * @internal Writes a published message's shared frame, after the same backpressure check as
   * `send`. Returns false when it was not written (not open, dropped, or closing with 1008).
   */
  deliver(message: PublishedMessage): boolean {
    if (this.readyState !== OPEN) return false;
    const buffered = this.bufferedAmount;
    const context = this.context;
    if (buffered > 0 && buffered + message.size > context.maxBufferedAmount) {
      if (context.backpressurePolicy === 'close') return this.overflow(undefined);
      this.droppedMessages++;
      try {
        this.emit('drop', message.data);
      } catch (error) {
        // One listener's error must not stop the publish for the other subscribers.
        process.nextTick(rethrow, error);
      }
      return false;
    }
    if (this.liveness !== null) this.liveness.active = true;
    if (this.midMessage) {
      // The message's fragments must not be interleaved with another message: wait for its end.
      if (this.deferred === null) this.deferred = [];
      this.deferred.push(message);
      this.deferredBytes += message.size;
      return true;
    }
    this.write(message);
    return true;
  }

  /** Sends a ping (at most 125 bytes); throws a RangeError for more, as ws. */
  ping(
    data?: SendData | SendCallback,
    mask?: boolean | SendCallback,
    callback?: SendCallback,
  ): void {
    this.control(true, data, mask, callback);
  }

  /** Sends an unsolicited pong (at most 125 bytes). */
  pong(
    data?: SendData | SendCallback,
    mask?: boolean | SendCallback,
    callback?: SendCallback,
  ): void {
    this.control(false, data, mask, callback);
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2). Throws a TypeError for a code that may not be
   * sent (§7.4: 1000–1003, 1007–1014, 3000–4999) and a RangeError for a reason over 123 bytes
   * (§5.5: a control frame carries 125). A reason without a code is ignored, as ws does.
   */
  close(code?: number, reason?: string | Buffer): void {
    if (code !== undefined && (typeof code !== 'number' || !isValidWireCloseCode(code))) {
      throw new TypeError(
        `Invalid close code ${String(code)}: use 1000–1003, 1007–1014 or 3000–4999 (RFC 6455 §7.4)`,
      );
    }
    let text = '';
    if (code !== undefined && reason !== undefined) {
      if (typeof reason !== 'string' && !isValidUtf8(reason)) {
        throw new TypeError('The close reason must be valid UTF-8 (RFC 6455 §5.5.1)');
      }
      text = reason.toString();
      const length = Buffer.byteLength(text);
      if (length > 123) {
        throw new RangeError(
          `The close reason is ${length} bytes; at most 123 fit (RFC 6455 §5.5)`,
        );
      }
    }
    if (this.state === CLOSED) return;
    this.state = CLOSING;
    this.transport.close(code, code === undefined ? undefined : text);
  }

  /** Destroys the connection at once, without a closing handshake. */
  terminate(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSING;
    this.transport.terminate();
  }

  /** Stops reading from the socket: no more message events until `resume()`. */
  pause(): void {
    if (this.state === CLOSED) return;
    this.paused = true;
    this.transport.pause();
  }

  resume(): void {
    if (this.state === CLOSED) return;
    this.paused = false;
    this.transport.resume();
  }

  // ---- EventTarget-style API (ws's shim) ----

  addEventListener<K extends keyof WsEventMap<ServerWebSocket>>(
    type: K,
    listener: WsEventListener<WsEventMap<ServerWebSocket>[K]>,
    options?: WsEventListenerOptions,
  ): void {
    addListener(this.shim(), type, listener as WsEventListener<never>, options);
  }

  removeEventListener<K extends keyof WsEventMap<ServerWebSocket>>(
    type: K,
    listener: WsEventListener<WsEventMap<ServerWebSocket>[K]>,
  ): void {
    removeListener(this.shim(), type, listener as WsEventListener<never>);
  }

  get onopen(): Handler<'open'> {
    return getAttribute(this.shim(), 'open') as Handler<'open'>;
  }
  set onopen(value: Handler<'open'>) {
    setAttribute(this.shim(), 'open', value);
  }
  get onmessage(): Handler<'message'> {
    return getAttribute(this.shim(), 'message') as Handler<'message'>;
  }
  set onmessage(value: Handler<'message'>) {
    setAttribute(this.shim(), 'message', value);
  }
  get onclose(): Handler<'close'> {
    return getAttribute(this.shim(), 'close') as Handler<'close'>;
  }
  set onclose(value: Handler<'close'>) {
    setAttribute(this.shim(), 'close', value);
  }
  get onerror(): Handler<'error'> {
    return getAttribute(this.shim(), 'error') as Handler<'error'>;
  }
  set onerror(value: Handler<'error'>) {
    setAttribute(this.shim(), 'error', value);
  }

  // ---- TransportHandler: the transport's events ----

  /** @internal */
  onMessage(data: Buffer, binary: boolean): void {
    if (this.liveness !== null) this.liveness.active = true;
    try {
      this.emit('message', binary ? toBinaryType(data, this.binaryType) : data, binary);
    } catch (error) {
      this.listenerThrew(error);
    }
  }

  /** @internal */
  onPing(data: Buffer): void {
    if (this.liveness !== null) this.liveness.control = true;
    try {
      this.emit('ping', data);
    } catch (error) {
      this.listenerThrew(error);
    }
  }

  /** @internal */
  onPong(data: Buffer): void {
    if (this.liveness !== null) this.liveness.control = true;
    try {
      this.emit('pong', data);
    } catch (error) {
      this.listenerThrew(error);
    }
  }

  /** @internal */
  onPeerClose(): void {
    if (this.state === OPEN) this.state = CLOSING;
  }

  /** @internal Emitted only when listened to: a peer's bad frame must not crash the process. */
  onError(error: Error): void {
    if (this.state === OPEN) this.state = CLOSING;
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** @internal */
  onClose(code: number, reason: string): void {
    this.state = CLOSED;
    this.deferred = null;
    this.deferredBytes = 0;
    this.context.release(this);
    this.emit('close', code, Buffer.from(reason));
  }

  /** @internal */
  onDrain(): void {
    this.emit('drain');
  }

  // ---- Watched: the heartbeat sweep ----

  /** @internal */
  heartbeatPing(): void {
    if (this.readyState === OPEN) this.transport.ping();
  }

  // ---- internals ----

  /**
   * Writes the shared frame (or, with permessage-deflate, the shared compressed one), in order
   * with this socket's own sends: behind those still being compressed (`Connection.sendShared`).
   */
  private write(message: PublishedMessage): void {
    this.transport.sendShared(message);
  }

  /** The fragmented message ended: the publishes held meanwhile go out. */
  private sendDeferred(): void {
    const deferred = this.deferred!;
    this.deferred = null;
    this.deferredBytes = 0;
    if (this.readyState === OPEN) for (const message of deferred) this.write(message);
  }

  private shim(): ShimTarget {
    return this as unknown as ShimTarget;
  }

  /** As ws: a send on a socket that is not open reports an error to its callback, if any. */
  private notOpen(cb: SendCallback | undefined): false {
    const state = this.readyState;
    if (state === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (cb !== undefined) {
      const message = `WebSocket is not open: readyState ${state} (${STATE_NAMES[state]})`;
      process.nextTick(cb, new SendError('WS_SEND_NOT_OPEN', message));
    }
    return false;
  }

  private drop(data: SendData, cb: SendCallback | undefined): false {
    this.droppedMessages++;
    if (cb !== undefined) {
      const message = 'Message dropped: bufferedAmount is over maxBufferedAmount';
      process.nextTick(cb, new SendError('WS_SEND_DROPPED', message));
    }
    this.emit('drop', data);
    return false;
  }

  /** backpressurePolicy 'close': 1008 "policy violation" (RFC 6455 §7.4.1), nothing more queued. */
  private overflow(cb: SendCallback | undefined): false {
    this.state = CLOSING;
    this.transport.fail(1008, 'bufferedAmount is over maxBufferedAmount');
    if (cb !== undefined) {
      const message =
        'Message not sent: bufferedAmount is over maxBufferedAmount; closing with 1008';
      process.nextTick(cb, new SendError('WS_SEND_BUFFER_FULL', message));
    }
    return false;
  }

  private control(
    ping: boolean,
    data: SendData | SendCallback | undefined,
    mask: boolean | SendCallback | undefined,
    callback: SendCallback | undefined,
  ): void {
    let cb = callback;
    let payload: SendData | undefined;
    if (typeof data === 'function') cb = data;
    else payload = data;
    if (typeof mask === 'function') cb = mask;
    const bytes = payload === undefined ? undefined : toPayload(payload);
    if (bytes !== undefined && byteLength(bytes) > 125) {
      // RFC 6455 §5.5: control frames carry at most 125 bytes.
      throw new RangeError('The data size must not be greater than 125 bytes');
    }
    if (this.readyState !== OPEN) {
      this.notOpen(cb);
      return;
    }
    if (ping) this.transport.ping(bytes, cb);
    else this.transport.pong(bytes, cb);
  }

  /**
   * A listener threw while the engine was delivering an event: the connection fails with 1011
   * (RFC 6455 §7.4.1, an unexpected condition) so that its state stays consistent, and the error
   * is rethrown outside the engine, as an uncaught exception like any listener's.
   */
  private listenerThrew(error: unknown): void {
    if (this.readyState === OPEN) {
      this.state = CLOSING;
      this.transport.fail(1011, 'a message listener threw');
    }
    process.nextTick(rethrow, error);
  }
}

for (const [index, name] of STATE_NAMES.entries()) {
  Object.defineProperty(ServerWebSocket.prototype, name, { value: index, enumerable: true });
}
