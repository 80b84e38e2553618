import type { Socket } from 'node:net';
import { Connection } from '../protocol/connection.js';
import type { ProtocolError } from '../protocol/errors.js';
import type { EngineOptions, EngineSink, EngineState } from '../protocol/types.js';

/** What a shell (the server's socket, the client facade) hears from its transport. */
export interface TransportHandler {
  onMessage(data: Buffer, binary: boolean): void;
  onPing(data: Buffer): void;
  onPong(data: Buffer): void;
  /** The peer's Close frame arrived (the closing handshake has started or completed). */
  onPeerClose(code: number, reason: string): void;
  /** The peer broke the protocol, or the socket failed. */
  onError(error: Error): void;
  /** The TCP connection is gone. Called exactly once. */
  onClose(code: number, reason: string, wasClean: boolean): void;
  /** The socket's write buffer has emptied after a write returned false. */
  onDrain(): void;
}

export interface TransportOptions extends EngineOptions {
  /**
   * How long to wait for the peer's Close frame after ours, and for the TCP connection to end
   * after the closing handshake, before destroying the socket. Default 30 s.
   */
  closeTimeout?: number;
}

export type WriteCallback = (error?: Error | null) => void;

const DEFAULT_CLOSE_TIMEOUT = 30_000;

/**
 * Binds a socket to the engine: the only place where bytes meet a socket and where close
 * timers live. Writes made in one turn of the event loop are corked together and leave in one
 * writev; a callback given to `send` runs when its last byte has been handed to the kernel.
 */
export class SocketTransport implements EngineSink {
  readonly engine: Connection;
  readonly socket: Socket;
  private readonly handler: TransportHandler;
  private readonly closeTimeout: number;
  private timer: NodeJS.Timeout | null = null;
  /** The last buffer the engine produced, held so that a send callback can ride on it. */
  private held: Buffer | null = null;
  private corked = false;
  private finished = false;
  private socketError: Error | null = null;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  constructor(socket: Socket, handler: TransportHandler, options: TransportOptions, head?: Buffer) {
    this.socket = socket;
    this.handler = handler;
    this.closeTimeout = options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT;
    this.engine = new Connection(this, options);
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('close', () => this.onSocketClose());
    socket.on('error', (error: Error) => this.onSocketError(error));
    socket.on('drain', () => this.handler.onDrain());
    if (head !== undefined && head.length > 0) this.receive(head);
  }

  /** Bytes queued in user space and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength + (this.held === null ? 0 : this.held.length);
  }

  /** Sends one data frame; see Connection.send. Throws UsageError once closing. */
  send(data: Uint8Array | string, binary: boolean, fin: boolean, cb?: WriteCallback): boolean {
    this.engine.send(data, binary, fin);
    return this.flush(cb);
  }

  ping(data?: Uint8Array | string, cb?: WriteCallback): void {
    this.engine.ping(data);
    this.flush(cb);
  }

  pong(data?: Uint8Array | string, cb?: WriteCallback): void {
    this.engine.pong(data);
    this.flush(cb);
  }

  close(code?: number, reason?: string): void {
    this.engine.close(code, reason);
    this.flush();
  }

  /** Fails the connection locally (e.g. 1008 policy, 1011 internal error). */
  fail(code: 1008 | 1009 | 1011, message: string): void {
    this.engine.fail(code, message);
    this.flush();
  }

  /** Destroys the socket at once, without a closing handshake. */
  terminate(): void {
    this.flush();
    this.socket.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  // ---- EngineSink ----

  onWrite(data: Buffer): void {
    if (this.held !== null) this.writeOut(this.held);
    this.held = data;
  }

  onMessage(data: Buffer, binary: boolean): void {
    this.handler.onMessage(data, binary);
  }

  onPing(data: Buffer): void {
    this.handler.onPing(data);
  }

  onPong(data: Buffer): void {
    this.handler.onPong(data);
  }

  onPeerClose(code: number, reason: string): void {
    this.flush();
    this.handler.onPeerClose(code, reason);
  }

  onError(error: ProtocolError): void {
    this.flush();
    this.handler.onError(error);
  }

  onState(state: EngineState): void {
    this.flush();
    if (state === 'closing') {
      // RFC 6455 §7.1.2: wait a while for the peer's Close frame.
      this.startTimer();
    } else if (state === 'closed') {
      // RFC 6455 §7.1.1: the server closes the TCP connection first; a client that failed the
      // connection closes it too, and otherwise waits for the server, within the timeout.
      if (this.engine.role === 'server' || this.engine.error !== null) this.socket.end();
      this.startTimer();
    }
  }

  // ---- internals ----

  private receive(chunk: Buffer): void {
    this.engine.receive(chunk);
    this.flush();
  }

  /** Writes the held buffer, with `cb` on it (or on an empty write when nothing is held). */
  private flush(cb?: WriteCallback): boolean {
    const held = this.held;
    if (held === null) {
      if (cb !== undefined)
        process.nextTick(cb, this.socket.destroyed ? new Error('socket closed') : null);
      return !this.socket.writableNeedDrain;
    }
    this.held = null;
    return this.writeOut(held, cb);
  }

  private writeOut(data: Buffer, cb?: WriteCallback): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) {
      if (cb !== undefined) process.nextTick(cb, new Error('socket closed'));
      return false;
    }
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    return this.socket.write(data, cb);
  }

  private startTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.socket.destroy(), this.closeTimeout);
    this.timer.unref();
  }

  private onEnd(): void {
    this.engine.receiveEof();
    this.flush();
    if (!this.socket.writableEnded) this.socket.end();
  }

  private onSocketError(error: Error): void {
    this.socketError = error;
    this.engine.receiveEof();
    this.socket.destroy();
  }

  private onSocketClose(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.engine.receiveEof();
    if (this.socketError !== null && this.engine.error === null && !this.engine.closedCleanly) {
      this.handler.onError(this.socketError);
    }
    this.handler.onClose(this.engine.closeCode, this.engine.closeReason, this.engine.closedCleanly);
  }
}
