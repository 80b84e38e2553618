import type { NegotiatedDeflate } from '../extensions/permessage-deflate.js';
import type { DeflateSettings } from '../extensions/zlib-pool.js';
import type { ProtocolError } from './errors.js';

export type Role = 'client' | 'server';

/**
 * - `open`: frames flow both ways.
 * - `closing`: our Close frame is out and the peer's is awaited: start the close timer.
 * - `closed`: nothing more is sent or read. A server ends the TCP connection now; a client
 *   waits (with a timer) for the server to end it (RFC 6455 §7.1.1).
 */
export type EngineState = 'open' | 'closing' | 'closed';

/** Where the engine delivers events and bytes. One object for the connection's lifetime. */
export interface EngineSink {
  /**
   * Bytes to write to the transport, in order. On the last buffer of a `send`, `ping`, `pong` or
   * `close` call, `call` is that call's number (`Connection.sendCalls` right after the call), so
   * a transport can complete a per-call callback even when the bytes come later (a message held
   * behind one being compressed); it is absent on frames the engine sends by itself.
   */
  onWrite(data: Buffer, call?: number): void;
  /** A complete message; for text (`binary` false) the bytes are valid UTF-8. */
  onMessage(data: Buffer, binary: boolean): void;
  /** A ping; the engine has already answered it unless `autoPong` is off. */
  onPing(data: Buffer): void;
  onPong(data: Buffer): void;
  /** The peer's Close frame (code 1005 when it carried none); the engine has echoed it. */
  onPeerClose(code: number, reason: string): void;
  /** The peer broke the protocol; a Close frame with `error.closeCode` has been written. */
  onError(error: ProtocolError): void;
  onState(state: EngineState): void;
  /**
   * Optional. The engine made the calls above from a zlib completion (a message inflated or
   * deflated, RFC 7692), not from within a call into it: a transport writes out what it holds,
   * and reads again if it stopped because `receive` returned false and `inputPaused` is now false.
   * Never called on a connection without permessage-deflate.
   */
  onAsyncComplete?(): void;
  /**
   * Optional, for a client's masked frames: a buffer of `size` bytes for a frame that will come
   * back through `onWrite`, or null to let the engine allocate one. A sink that lends buffers
   * gets them back through `onWrite` and must not reuse one before its bytes are written.
   */
  allocFrame?(size: number): Buffer | null;
}

/** Options of one `Connection.send` call. */
export interface SendOptions {
  /**
   * With permessage-deflate: false sends the message uncompressed. Read on the first frame of a
   * message; its other frames follow it. Default true (above the threshold).
   */
  readonly compress?: boolean;
}

/**
 * One data message framed once for many connections (a publish, `src/pubsub/`): a server's
 * frames are unmasked (RFC 6455 §5.1), so the same bytes are valid on every connection, and each
 * engine picks the frame its extensions allow (`Connection.sendShared`).
 */
export interface SharedMessage {
  /** One complete, unmasked, uncompressed frame (RSV 0): header and payload as `encodeFrame` gives them. */
  readonly frame: readonly Buffer[];
  /** The payload's length in bytes, uncompressed. */
  readonly length: number;
  /** False: sent uncompressed even where permessage-deflate would compress it. */
  readonly compress: boolean;
  /**
   * The same message as one frame with RSV1 whose payload is compressed with `settings` against
   * an empty window (RFC 7692 §7.2.1), made once per settings object and then reused.
   */
  deflated(settings: DeflateSettings): readonly Buffer[];
}

/** Extensions negotiated in the opening handshake; each claims the RSV bits it defines. */
export interface EngineExtensions {
  /** permessage-deflate (RFC 7692), as `acceptDeflateOffer` or `acceptDeflateResponse` gave it; claims RSV1. */
  readonly deflate?: NegotiatedDeflate;
}

export interface EngineOptions {
  role: Role;
  /**
   * Largest message accepted, in bytes, across all its fragments; a larger one fails the
   * connection with 1009 before any of its payload is buffered. For a compressed message it is
   * the inflated size, and inflation stops as soon as it is exceeded. Default 100 MiB.
   */
  maxPayload?: number;
  /** Answer pings automatically (RFC 6455 §5.5.2). Default true. */
  autoPong?: boolean;
  /**
   * Extensions in use (RFC 6455 §9). None by default: every RSV bit fails the connection and all
   * events are delivered synchronously from the call that caused them.
   */
  extensions?: EngineExtensions;
}

/** One event as the test sink records it: the engine's output as a discriminated union. */
export type EngineEvent =
  | { type: 'write'; data: Buffer }
  | { type: 'message'; data: Buffer; binary: boolean }
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  | { type: 'peer-close'; code: number; reason: string }
  | { type: 'error'; error: ProtocolError }
  | { type: 'state'; state: EngineState };
