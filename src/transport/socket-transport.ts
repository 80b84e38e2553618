import type { Socket } from 'node:net';
import { Connection } from '../protocol/connection.js';
import type { ProtocolError } from '../protocol/errors.js';
import type {
  EngineOptions,
  EngineSink,
  EngineState,
  SendOptions,
  SharedMessage,
} from '../protocol/types.js';
import { FramePool } from './frame-pool.js';
import { atEndOfReads, atEndOfTurn, type BatchedWriter, HOLD_LIMIT } from './write-batches.js';

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
 * The socket's listeners are these module functions, shared by every connection: a socket calls
 * them with itself as `this`, and finds its transport under this key. Five closures and their
 * contexts per connection were a sixth of an idle connection's memory.
 */
const kTransport = Symbol('transport');
type BoundSocket = Socket & { [kTransport]: SocketTransport };

function onData(this: BoundSocket, chunk: Buffer): void {
  this[kTransport].receive(chunk);
}
function onEnd(this: BoundSocket): void {
  this[kTransport].onEnd();
}
function onClose(this: BoundSocket): void {
  this[kTransport].onSocketClose();
}
function onError(this: BoundSocket, error: Error): void {
  this[kTransport].onSocketError(error);
}
function onDrain(this: BoundSocket): void {
  this[kTransport].handler.onDrain();
}

/** `cb`, preceded by giving `frame` back to the frame pool when it came from there. */
function releasing(frame: Buffer, cb: WriteCallback | undefined): WriteCallback | undefined {
  const pool = FramePool.shared();
  if (pool === null || !pool.owns(frame)) return cb;
  return (error) => {
    pool.release(frame);
    cb?.(error);
  };
}

/**
 * Binds a socket to the engine: the only place where bytes meet a socket and where close
 * timers live. What reads cause (echoes, replies, pongs) leaves when the poll phase that read
 * ends; other writes leave when their turn of the event loop ends (`write-batches.ts`): one
 * buffer with one `socket.write`, several corked into one writev. A callback given to `send`
 * runs when its last byte has been handed to the kernel.
 *
 * With permessage-deflate the engine also writes and reports from zlib completions
 * (`onAsyncComplete`): the transport then writes what it holds, stops reading while the engine
 * holds too much input, and reports the end of the connection only after the messages that
 * arrived before it.
 */
export class SocketTransport implements EngineSink, BatchedWriter {
  readonly engine: Connection;
  readonly socket: Socket;
  /** @internal */
  readonly handler: TransportHandler;
  private readonly closeTimeout: number;
  private timer: NodeJS.Timeout | null = null;
  /** The last buffer the engine produced, held so that a send callback can ride on it. */
  private held: Buffer | null = null;
  private heldCallback: WriteCallback | undefined = undefined;
  /**
   * The callback of the engine call in progress, handed over when that call's last buffer
   * arrives (`onWrite`'s `call`): no map operation for a frame written at once.
   */
  private pendingCallback: WriteCallback | undefined = undefined;
  private pendingCall = 0;
  /**
   * Send callbacks by the engine's call number, for frames that wait behind one being
   * compressed, until that call's last buffer is written. Made on first use.
   */
  private callbacks: Map<number, WriteCallback> | null = null;
  /**
   * The first buffer written in this turn, held until the turn ends and then written with one
   * `socket.write`: a turn that writes one frame (the common case: one message, one publish)
   * skips the stream's cork, buffering and uncork. A second buffer in the turn corks the socket
   * and both go out in one writev at the end of the turn.
   */
  private first: Buffer | null = null;
  private firstCallback: WriteCallback | undefined = undefined;
  /** A cork is on until the end of this turn. */
  private corked = false;
  /** Waiting for the end of the turn. */
  private scheduled = false;
  /**
   * Holds not yet released (this poll phase's reads, `holdWrites` calls): while there are any,
   * what the engine writes is held and leaves when the last ends (`endBatch`), without waiting
   * for the end of the turn.
   */
  private batches = 0;
  /** This socket read in the current poll phase: one of `batches` until the phase ends. */
  private readHeld = false;
  private finished = false;
  /** Reading stopped because the engine holds too much input (while it inflates). */
  private enginePaused = false;
  private userPaused = false;
  /** Input ended, or the socket closed, while the engine was still busy with zlib. */
  private endPending = false;
  private closePending = false;
  private socketError: Error | null = null;

  constructor(socket: Socket, handler: TransportHandler, options: TransportOptions, head?: Buffer) {
    this.socket = socket;
    this.handler = handler;
    this.closeTimeout = options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT;
    this.engine = new Connection(this, options);
    socket.setNoDelay(true);
    socket.setTimeout(0);
    (socket as BoundSocket)[kTransport] = this;
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
    socket.on('drain', onDrain);
    if (head !== undefined && head.length > 0) this.receive(head);
  }

  /** Bytes queued in user space and not yet handed to the kernel (or waiting to be compressed). */
  get bufferedAmount(): number {
    return (
      this.socket.writableLength +
      (this.held === null ? 0 : this.held.length) +
      (this.first === null ? 0 : this.first.length) +
      this.engine.queuedBytes
    );
  }

  /** Sends one data frame; see Connection.send. Throws UsageError once closing. */
  send(
    data: Uint8Array | string,
    binary: boolean,
    fin: boolean,
    cb?: WriteCallback,
    options?: SendOptions,
  ): boolean {
    if (cb !== undefined) this.expect(cb);
    try {
      this.engine.send(data, binary, fin, options);
    } finally {
      if (cb !== undefined) this.settle();
    }
    return this.flush();
  }

  /**
   * Sends a message framed once for many sockets (a publish), without a copy; see
   * `Connection.sendShared`. Returns false when the engine refused it (a fragmented message is
   * being sent): nothing was written.
   */
  sendShared(message: SharedMessage): boolean {
    if (!this.engine.sendShared(message)) return false;
    this.flush();
    return true;
  }

  ping(data?: Uint8Array | string, cb?: WriteCallback): void {
    this.call(cb, () => this.engine.ping(data));
    this.flush();
  }

  pong(data?: Uint8Array | string, cb?: WriteCallback): void {
    this.call(cb, () => this.engine.pong(data));
    this.flush();
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
    this.writeFirst(); // its callback fails with the socket, as every queued write's
    this.socket.destroy();
  }

  /**
   * Holds every write until the matching `releaseWrites` (calls nest), for a shell that delivers
   * the messages of one read in several tasks (the WHATWG facade): what its listeners send then
   * leaves in one writev instead of one write per task.
   */
  holdWrites(): void {
    this.batches++;
  }

  releaseWrites(): void {
    if (this.batches === 1) this.endBatch();
    this.batches--;
  }

  pause(): void {
    this.userPaused = true;
    this.socket.pause();
  }

  resume(): void {
    this.userPaused = false;
    if (!this.enginePaused) this.socket.resume();
  }

  // ---- EngineSink ----

  /** A client's masked frame of 4 KiB to 1 MiB is built in the frame pool (`frame-pool.ts`). */
  allocFrame(size: number): Buffer | null {
    return FramePool.shared()?.take(size) ?? null;
  }

  onWrite(data: Buffer, call?: number): void {
    if (this.held !== null) this.writeOut(this.held, this.heldCallback);
    this.held = data;
    this.heldCallback = undefined;
    if (call === undefined) return;
    if (call === this.pendingCall && this.pendingCallback !== undefined) {
      this.heldCallback = this.pendingCallback;
      this.pendingCallback = undefined;
    } else if (this.callbacks !== null) {
      this.heldCallback = this.callbacks.get(call);
      this.callbacks.delete(call);
    }
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
      // A failure drops the input the engine held: read the peer's end of the connection.
      this.readIfDrained();
      // RFC 6455 §7.1.1: the server closes the TCP connection first; a client that failed the
      // connection closes it too, and otherwise waits for the server, within the timeout.
      if (this.engine.role === 'server' || this.engine.error !== null) this.endOutput();
      this.startTimer();
    }
  }

  onAsyncComplete(): void {
    this.readIfDrained();
    this.flush();
    if (this.engine.busy) return;
    if (this.endPending) this.endOutput();
    if (this.closePending) this.finish();
  }

  // ---- internals ----

  /** @internal */
  receive(chunk: Buffer): void {
    // What this phase's reads make the listeners send (echoes, replies) leaves when the phase
    // ends, together with what the socket's next reads in the phase cause.
    if (!this.readHeld) {
      this.readHeld = true;
      this.batches++;
      atEndOfReads(this);
    }
    const more = this.engine.receive(chunk);
    if (!more && !this.enginePaused) {
      this.enginePaused = true;
      this.socket.pause();
    }
    this.flush();
  }

  /** Reads again once the engine no longer holds too much input. */
  private readIfDrained(): void {
    if (this.enginePaused && !this.engine.inputPaused) {
      this.enginePaused = false;
      if (!this.userPaused) this.socket.resume();
    }
  }

  /** Runs one engine call, with `cb` waiting for that call's last buffer (`onWrite`'s `call`). */
  private call(cb: WriteCallback | undefined, send: () => void): void {
    if (cb === undefined) {
      send();
      return;
    }
    this.expect(cb);
    try {
      send();
    } finally {
      this.settle();
    }
  }

  /** `cb` is for the engine call about to be made. */
  private expect(cb: WriteCallback): void {
    this.pendingCall = this.engine.sendCalls + 1;
    this.pendingCallback = cb;
  }

  /**
   * After the engine call: a callback not handed over yet waits for a frame queued behind a
   * deflate, unless the call threw (then the engine's call count did not move).
   */
  private settle(): void {
    const cb = this.pendingCallback;
    if (cb === undefined) return;
    this.pendingCallback = undefined;
    if (this.engine.sendCalls !== this.pendingCall) return;
    this.callbacks ??= new Map();
    this.callbacks.set(this.pendingCall, cb);
  }

  /** Writes the held buffer, with the callback that rides on it. */
  private flush(): boolean {
    const held = this.held;
    if (held === null) return !this.socket.writableNeedDrain;
    const cb = this.heldCallback;
    this.held = null;
    this.heldCallback = undefined;
    return this.writeOut(held, cb);
  }

  private writeOut(data: Buffer, callback?: WriteCallback): boolean {
    const socket = this.socket;
    // A pooled frame goes back to the pool once its write is done or has failed.
    const cb = this.engine.role === 'client' ? releasing(data, callback) : callback;
    if (socket.destroyed || socket.writableEnded) {
      if (cb !== undefined) process.nextTick(cb, new Error('socket closed'));
      return false;
    }
    if (this.corked) return this.writeCorked(data, cb);
    if (this.batches === 0 && !this.scheduled) {
      this.scheduled = true;
      atEndOfTurn(this);
    }
    // Held only while the write would not fill the socket's buffer, so that the return value is
    // the one `socket.write` gives at the end of the turn, and 'drain' follows a false.
    if (this.first === null && data.length + socket.writableLength < socket.writableHighWaterMark) {
      this.first = data;
      this.firstCallback = cb;
      return true;
    }
    // More than one buffer this turn: they leave together, in one writev when the turn ends.
    this.corked = true;
    socket.cork();
    this.writeFirst();
    return this.writeCorked(data, cb);
  }

  /** Writes under the cork; past `HOLD_LIMIT` held bytes, what is held leaves at once. */
  private writeCorked(data: Buffer, cb?: WriteCallback): boolean {
    const socket = this.socket;
    const ok = socket.write(data, cb);
    if (socket.writableLength >= HOLD_LIMIT) {
      this.corked = false;
      socket.uncork();
    }
    return ok;
  }

  /** Writes the buffer held for the end of the turn, if any, before anything that follows it. */
  private writeFirst(): void {
    const first = this.first;
    if (first === null) return;
    const cb = this.firstCallback;
    this.first = null;
    this.firstCallback = undefined;
    if (this.socket.destroyed || this.socket.writableEnded) {
      if (cb !== undefined) process.nextTick(cb, new Error('socket closed'));
      return;
    }
    this.socket.write(first, cb);
  }

  /**
   * The last hold ends (the phase's reads, or the shell's hold): what it wrote leaves now.
   * Called while the batch still counts, so the flush holds rather than schedules an
   * end-of-turn write it would not need.
   */
  private endBatch(): void {
    this.flush();
    this.writeFirst();
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
  }

  /** @internal The poll phase in which this socket read ends: what the reads caused leaves. */
  endReads(): void {
    this.readHeld = false;
    if (this.batches === 1) this.endBatch();
    this.batches--;
  }

  /** @internal The turn of the event loop ends: what it wrote leaves. */
  endTurn(): void {
    this.scheduled = false;
    if (this.batches > 0) return; // the batch's end writes it
    this.writeFirst();
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
  }

  private startTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.socket.destroy(), this.closeTimeout);
    this.timer.unref();
  }

  /** @internal */
  onEnd(): void {
    this.engine.receiveEof();
    this.flush();
    // Frames still being compressed go out before our FIN.
    if (this.engine.busy) this.endPending = true;
    else this.endOutput();
  }

  private endOutput(): void {
    this.endPending = false;
    this.writeFirst();
    // A socket that failed is destroyed already: ending it would only build an error.
    if (!this.socket.writableEnded && !this.socket.destroyed) this.socket.end();
  }

  /** @internal */
  onSocketError(error: Error): void {
    this.socketError = error;
    this.engine.receiveEof();
    this.socket.destroy();
  }

  /** @internal */
  onSocketClose(): void {
    if (this.finished) return;
    this.engine.receiveEof();
    // Messages that arrived before the end are still inflating: they are reported first.
    if (this.engine.busy) this.closePending = true;
    else this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.closePending = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.flush(); // fails the callback of a buffer still held
    // Calls whose bytes were never written (dropped when the connection failed).
    if (this.callbacks !== null) {
      for (const cb of this.callbacks.values()) process.nextTick(cb, new Error('socket closed'));
      this.callbacks.clear();
    }
    if (this.socketError !== null && this.engine.error === null && !this.engine.closedCleanly) {
      this.handler.onError(this.socketError);
    }
    this.handler.onClose(this.engine.closeCode, this.engine.closeReason, this.engine.closedCleanly);
  }
}
