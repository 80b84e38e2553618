import { ChunkList } from './chunk-list.js';
import { isValidWireCloseCode } from './close-codes.js';
import {
  type FailureCloseCode,
  ProtocolError,
  type ProtocolErrorCode,
  UsageError,
} from './errors.js';
import { FrameDecoder, type FrameHandler } from './frame-decoder.js';
import { encodeFrame } from './frame-encoder.js';
import { isControlOpcode, isKnownOpcode, Opcode } from './opcodes.js';
import type { EngineOptions, EngineSink, EngineState, Role } from './types.js';
import { isValidUtf8, Utf8Validator } from './utf8.js';

/** Default limit on one message, as ws has it: 100 MiB. */
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

/**
 * The sans-I/O RFC 6455 engine shared by client and server. It is fed bytes (`receive`,
 * `receiveEof`) and told what to send (`send`, `ping`, `pong`, `close`, `fail`); it reports
 * events and the bytes to write through one long-lived sink. It meets the RFC's obligations
 * itself: it answers pings, echoes the peer's Close, and discards input after a Close or a
 * failure. It owns no socket and no timer: the `onState` event says when a close timer is due.
 */
export class Connection implements FrameHandler {
  readonly role: Role;
  readonly maxPayload: number;
  private readonly autoPong: boolean;
  private readonly sink: EngineSink;
  private readonly decoder: FrameDecoder;
  private readonly mask: boolean;

  private currentState: EngineState = 'open';
  /** Our Close frame has been written. */
  private closeSent = false;
  /** The peer's Close frame arrived, or input ended or failed: nothing more is read. */
  private closeReceived = false;
  private failure: ProtocolError | null = null;
  /** The code of the peer's Close frame; 0 while none has arrived. */
  private peerCode = 0;
  private peerReason = '';

  // The frame being received.
  private frameOpcode = 0;
  private frameFin = false;
  private readonly control = Buffer.alloc(125);
  private controlLength = 0;

  // The message being received (RFC 6455 §5.4).
  private messageOpcode = 0;
  private messageLength = 0;
  private readonly parts = new ChunkList();
  /** Set while a fragmented text message is checked fragment by fragment (§8.1). */
  private incrementalUtf8 = false;
  private readonly utf8 = new Utf8Validator();

  // The message being sent in fragments (`send` with fin = false).
  private sendingFragmented = false;

  constructor(sink: EngineSink, options: EngineOptions) {
    this.sink = sink;
    this.role = options.role;
    this.mask = options.role === 'client';
    this.autoPong = options.autoPong ?? true;
    const max = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!(max > 0)) {
      throw new UsageError('WS_USAGE_INVALID_OPTION', 'maxPayload must be a positive number');
    }
    this.maxPayload = max;
    this.decoder = new FrameDecoder(this);
  }

  get state(): EngineState {
    return this.currentState;
  }

  /** The peer's close code (1005 if its Close frame had none, 1006 if none arrived). */
  get closeCode(): number {
    return this.peerCode === 0 ? 1006 : this.peerCode;
  }

  get closeReason(): string {
    return this.peerReason;
  }

  /** The protocol error that failed the connection, if any. */
  get error(): ProtocolError | null {
    return this.failure;
  }

  /** True once both Close frames have been exchanged (RFC 6455 §7.1.4 "cleanly"). */
  get closedCleanly(): boolean {
    return this.closeSent && this.peerCode !== 0 && this.failure === null;
  }

  // ---- input ----

  /** Feeds bytes from the transport. Never throws on any input. */
  receive(chunk: Buffer): void {
    if (!this.closeReceived) this.decoder.push(chunk);
  }

  /** The transport's input ended (TCP FIN or error). §7.1.5: without a Close frame the code is 1006. */
  receiveEof(): void {
    if (!this.closeReceived) {
      this.closeReceived = true;
      this.decoder.stop();
      this.parts.reset();
    }
    this.setState('closed');
  }

  // ---- output ----

  /**
   * Sends a data frame. `fin = false` starts or continues a fragmented message (§5.4);
   * `binary` is read only on its first frame.
   */
  send(data: Uint8Array | string, binary: boolean, fin = true): void {
    this.assertCanSend();
    const opcode = this.sendingFragmented
      ? Opcode.Continuation
      : binary
        ? Opcode.Binary
        : Opcode.Text;
    this.sendingFragmented = !fin;
    this.writeFrame(opcode, data, fin);
  }

  ping(data: Uint8Array | string = EMPTY): void {
    this.assertCanSend();
    this.writeControl(Opcode.Ping, data);
  }

  pong(data: Uint8Array | string = EMPTY): void {
    this.assertCanSend();
    this.writeControl(Opcode.Pong, data);
  }

  /**
   * Starts (or answers) the closing handshake, RFC 6455 §5.5.1 and §7.1.2. Idempotent once
   * a Close frame is out. Codes that may not be sent and reasons over 123 bytes are misuse.
   */
  close(code?: number, reason = ''): void {
    if (code !== undefined && !isValidWireCloseCode(code)) {
      throw new UsageError('WS_USAGE_INVALID_CLOSE_CODE', `close code ${code} may not be sent`);
    }
    if (code === undefined && reason !== '') {
      throw new UsageError('WS_USAGE_INVALID_CLOSE_CODE', 'a close reason needs a close code');
    }
    const reasonLength = Buffer.byteLength(reason);
    if (reasonLength > 123) {
      // §5.5: the control frame payload is at most 125 bytes, 2 of them the code.
      throw new UsageError(
        'WS_USAGE_REASON_TOO_LONG',
        `close reason is ${reasonLength} bytes, over 123`,
      );
    }
    // Nothing is sent once 'closed' (after EOF, a failure or the peer's Close was echoed).
    if (this.closeSent || this.currentState === 'closed') return;
    this.writeClose(code, reason);
    this.setState(this.closeReceived ? 'closed' : 'closing');
  }

  /**
   * Fails the connection locally (§7.1.7) with a code such as 1008, 1009 or 1011: sends the
   * Close frame if none was sent and stops reading.
   */
  fail(
    code: FailureCloseCode,
    message: string,
    errorCode: ProtocolErrorCode = code === 1011 ? 'WS_ERR_INTERNAL' : 'WS_ERR_POLICY',
  ): void {
    this.failWith(new ProtocolError(code, errorCode, message));
  }

  // ---- FrameHandler: the decoder's events ----

  onFrameStart(
    fin: boolean,
    rsv: number,
    opcode: number,
    length: number,
    masked: boolean,
  ): boolean {
    // §5.1: clients mask every frame; servers never do.
    if (masked !== (this.role === 'server')) {
      return this.reject(
        1002,
        masked ? 'WS_ERR_UNEXPECTED_MASK' : 'WS_ERR_EXPECTED_MASK',
        masked ? 'server frames must not be masked' : 'client frames must be masked',
      );
    }
    // §5.2: RSV bits are 0 unless an extension that defines them was negotiated.
    if (rsv !== 0)
      return this.reject(
        1002,
        'WS_ERR_UNEXPECTED_RSV',
        `reserved bits ${rsv.toString(2).padStart(3, '0')} set`,
      );
    if (!isKnownOpcode(opcode))
      return this.reject(1002, 'WS_ERR_INVALID_OPCODE', `reserved opcode 0x${opcode.toString(16)}`);
    this.frameOpcode = opcode;
    this.frameFin = fin;
    if (isControlOpcode(opcode)) {
      // §5.5: control frames are never fragmented and carry at most 125 bytes.
      if (!fin) return this.reject(1002, 'WS_ERR_FRAGMENTED_CONTROL', 'fragmented control frame');
      if (length > 125)
        return this.reject(1002, 'WS_ERR_CONTROL_TOO_LONG', `control frame of ${length} bytes`);
      this.controlLength = 0;
      return true;
    }
    if (opcode === Opcode.Continuation) {
      // §5.4: a continuation must continue something.
      if (this.messageOpcode === 0)
        return this.reject(
          1002,
          'WS_ERR_UNEXPECTED_CONTINUATION',
          'continuation frame without a message to continue',
        );
    } else {
      // §5.4: a new data frame may not interrupt a fragmented message.
      if (this.messageOpcode !== 0)
        return this.reject(
          1002,
          'WS_ERR_EXPECTED_CONTINUATION',
          'new data frame inside a fragmented message',
        );
      this.messageOpcode = opcode;
      this.messageLength = 0;
      this.incrementalUtf8 = opcode === Opcode.Text && !fin;
      if (this.incrementalUtf8) this.utf8.reset();
    }
    // The limit applies before any payload byte is buffered, across all fragments.
    if (length > this.maxPayload - this.messageLength) {
      return this.reject(
        1009,
        'WS_ERR_MESSAGE_TOO_BIG',
        `message exceeds maxPayload (${this.maxPayload} bytes)`,
      );
    }
    this.messageLength += length;
    return true;
  }

  onFrameData(data: Buffer): void {
    if (isControlOpcode(this.frameOpcode)) {
      data.copy(this.control, this.controlLength);
      this.controlLength += data.length;
      return;
    }
    // §8.1: an invalid sequence fails as soon as the bytes that prove it arrive.
    if (this.incrementalUtf8 && !this.utf8.push(data)) {
      this.reject(1007, 'WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a text message');
      return;
    }
    this.parts.push(data);
  }

  onFrameEnd(): void {
    const opcode = this.frameOpcode;
    if (isControlOpcode(opcode)) {
      const payload =
        this.controlLength === 0
          ? EMPTY
          : Buffer.from(this.control.subarray(0, this.controlLength));
      if (opcode === Opcode.Close) this.receiveClose(payload);
      else if (opcode === Opcode.Ping) this.receivePing(payload);
      else this.sink.onPong(payload);
      return;
    }
    if (!this.frameFin) return;
    const data = this.parts.take();
    const text = this.messageOpcode === Opcode.Text;
    this.messageOpcode = 0;
    if (text && !(this.incrementalUtf8 ? this.utf8.complete : isValidUtf8(data))) {
      this.reject(1007, 'WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a text message');
      return;
    }
    this.sink.onMessage(data, !text);
  }

  onHeaderError(kind: 'length-top-bit' | 'non-minimal-length'): void {
    if (kind === 'length-top-bit')
      this.reject(
        1002,
        'WS_ERR_LENGTH_TOP_BIT',
        '64-bit payload length with its most significant bit set',
      );
    else this.reject(1002, 'WS_ERR_NON_MINIMAL_LENGTH', 'payload length not minimally encoded');
  }

  // ---- internals ----

  /** §5.5.2: answer a ping with a pong of the same payload, while the connection is open. */
  private receivePing(payload: Buffer): void {
    if (this.autoPong && !this.closeSent) this.writeControl(Opcode.Pong, payload);
    this.sink.onPing(payload);
  }

  /** §5.5.1: a Close frame: validate it, echo it if ours is not out yet, read nothing after it. */
  private receiveClose(payload: Buffer): void {
    let code = 1005;
    let reason = '';
    if (payload.length === 1) {
      this.reject(1002, 'WS_ERR_INVALID_CLOSE_PAYLOAD', 'close frame with a 1-byte payload');
      return;
    }
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      // §7.4: 1004–1006, 1015 and unassigned codes may not appear on the wire.
      if (!isValidWireCloseCode(code)) {
        this.reject(1002, 'WS_ERR_INVALID_CLOSE_CODE', `invalid close code ${code}`);
        return;
      }
      const reasonBytes = payload.subarray(2);
      // §5.5.1: the reason is UTF-8; §8.1 applies.
      if (!isValidUtf8(reasonBytes)) {
        this.reject(1007, 'WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a close reason');
        return;
      }
      reason = reasonBytes.toString('utf8');
    }
    this.closeReceived = true;
    this.peerCode = code;
    this.peerReason = reason;
    this.decoder.stop();
    this.parts.reset();
    if (!this.closeSent) this.writeClose(code === 1005 ? undefined : code, reason);
    this.sink.onPeerClose(code, reason);
    this.setState('closed');
  }

  /** A frame broke the protocol: fail the connection and stop the decoder. */
  private reject(closeCode: 1002 | 1007 | 1009, code: ProtocolErrorCode, message: string): false {
    this.failWith(new ProtocolError(closeCode, code, message));
    return false;
  }

  /** §7.1.7 "Fail the WebSocket Connection": one Close frame with the code, then discard input. */
  private failWith(error: ProtocolError): void {
    if (this.failure !== null || this.currentState === 'closed') return;
    this.failure = error;
    this.decoder.stop();
    this.parts.reset();
    this.closeReceived = true;
    if (!this.closeSent) this.writeClose(error.closeCode, '');
    this.sink.onError(error);
    this.setState('closed');
  }

  private assertCanSend(): void {
    if (this.closeSent || this.currentState === 'closed') {
      throw new UsageError('WS_USAGE_NOT_OPEN', 'the connection is closing or closed');
    }
  }

  private writeControl(opcode: number, data: Uint8Array | string): void {
    const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (length > 125) {
      throw new UsageError(
        'WS_USAGE_CONTROL_TOO_LONG',
        `control frame payload of ${length} bytes, over 125`,
      );
    }
    this.writeFrame(opcode, data, true);
  }

  private writeClose(code: number | undefined, reason: string): void {
    this.closeSent = true;
    let payload = EMPTY;
    if (code !== undefined) {
      payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
      payload.writeUInt16BE(code, 0);
      payload.write(reason, 2);
    }
    this.writeFrame(Opcode.Close, payload, true);
  }

  private writeFrame(opcode: number, data: Uint8Array | string, fin: boolean): void {
    const frame = encodeFrame(opcode, data, { fin, rsv: 0, mask: this.mask });
    this.sink.onWrite(frame[0]!);
    if (frame.length > 1) this.sink.onWrite(frame[1]!);
  }

  private setState(state: EngineState): void {
    if (this.currentState === state || this.currentState === 'closed') return;
    this.currentState = state;
    this.sink.onState(state);
  }
}
