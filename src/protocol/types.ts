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
  /** Bytes to write to the transport, in order. */
  onWrite(data: Buffer): void;
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
}

export interface EngineOptions {
  role: Role;
  /**
   * Largest message accepted, in bytes, across all its fragments; a larger one fails the
   * connection with 1009 before any of its payload is buffered. Default 100 MiB.
   */
  maxPayload?: number;
  /** Answer pings automatically (RFC 6455 §5.5.2). Default true. */
  autoPong?: boolean;
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
