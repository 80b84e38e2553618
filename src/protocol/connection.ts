import { DeflateCodec } from '../extensions/deflate-codec.js';
import { isValidWireCloseCode } from './close-codes.js';
import {
  type FailureCloseCode,
  ProtocolError,
  type ProtocolErrorCode,
  UsageError,
} from './errors.js';
import { FrameDecoder, type FrameHandler } from './frame-decoder.js';
import { FrameSender, RSV1 } from './frame-sender.js';
import { type AssemblerHost, MessageAssembler } from './message-assembler.js';
import { isControlOpcode, isKnownOpcode, Opcode } from './opcodes.js';
import type {
  EngineOptions,
  EngineSink,
  EngineState,
  Role,
  SendOptions,
  SharedMessage,
} from './types.js';
import { isValidUtf8 } from './utf8.js';

/** Default limit on one message, as ws has it: 100 MiB. */
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

/** While a message inflates, input beyond this many held bytes makes `receive` return false. */
const RECEIVE_HIGH_WATER = 64 * 1024;

/**
 * The sans-I/O RFC 6455 engine shared by client and server. It is fed bytes (`receive`,
 * `receiveEof`) and told what to send (`send`, `ping`, `pong`, `close`, `fail`); it reports
 * events and the bytes to write through one long-lived sink. It meets the RFC's obligations
 * itself: it answers pings, echoes the peer's Close, and discards input after a Close or a
 * failure. It owns no socket and no timer: the `onState` event says when a close timer is due.
 *
 * With permessage-deflate (RFC 7692) zlib works asynchronously, and that is an explicit state:
 * while a frame inflates, decoding is paused and further input is held, so events keep their
 * order; while a frame deflates, the frames sent after it wait behind it (`FrameSender`), and a
 * state change waits until they are written. The engine then reports from zlib's completion and
 * says so with `onAsyncComplete`. Without the extension every event comes from the call that
 * caused it.
 */
export class Connection implements FrameHandler, AssemblerHost {
  readonly role: Role;
  readonly maxPayload: number;
  private readonly autoPong: boolean;
  private readonly sink: EngineSink;
  private readonly decoder: FrameDecoder;
  private readonly sender: FrameSender;
  /** permessage-deflate, when negotiated: it claims RSV1 (RFC 7692 §6). */
  private readonly codec: DeflateCodec | null;
  private readonly extensionsHeader: string;
  /** The data message being received. */
  private readonly message: MessageAssembler;

  private currentState: EngineState = 'open';
  /** Our Close frame has been written. */
  private closeSent = false;
  /** The peer's Close frame arrived, or input ended or failed: nothing more is read. */
  private closeReceived = false;
  private failure: ProtocolError | null = null;
  /** The code of the peer's Close frame; 0 while none has arrived. */
  private peerCode = 0;
  private peerReason = '';
  /** A state change waiting until the frames queued behind a deflate are written. */
  private pendingState: EngineState | null = null;

  // The frame being received.
  private frameOpcode = 0;
  private frameFin = false;
  /** A control frame's payload as it arrived, while it is in one piece (a view). */
  private controlFirst: Buffer | null = null;
  /** A control payload that arrived in pieces is gathered here; made the first time one does. */
  private control: Buffer | null = null;
  private controlLength = 0;

  /** Input ended while inflating: handled once the held input is decoded. */
  private eofPending = false;

  // The message being sent in fragments (`send` with fin = false).
  private sendingFragmented = false;
  private sendingCompressed = false;

  constructor(sink: EngineSink, options: EngineOptions) {
    this.sink = sink;
    this.role = options.role;
    this.autoPong = options.autoPong ?? true;
    const max = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!(max > 0)) {
      throw new UsageError('WS_USAGE_INVALID_OPTION', 'maxPayload must be a positive number');
    }
    this.maxPayload = max;
    const deflate = options.extensions?.deflate;
    if (deflate !== undefined && deflate.role !== options.role) {
      throw new UsageError(
        'WS_USAGE_INVALID_OPTION',
        `permessage-deflate parameters negotiated for a ${deflate.role} given to a ${options.role}`,
      );
    }
    this.codec = deflate === undefined ? null : new DeflateCodec(deflate, options.role);
    this.extensionsHeader = deflate?.header ?? '';
    this.message = new MessageAssembler(this, max, this.codec);
    this.decoder = new FrameDecoder(this);
    // Without a codec nothing is ever deflated: no callback (a closure per connection).
    const afterDeflate =
      this.codec === null ? null : (error: string | null) => this.afterDeflate(error);
    this.sender = new FrameSender(sink, options.role === 'client', this.codec, afterDeflate);
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

  /** The extensions in use as a Sec-WebSocket-Extensions value ('' for none), for `ws.extensions`. */
  get extensions(): string {
    return this.extensionsHeader;
  }

  /** The number of the latest `send`, `ping`, `pong` or `close` call (see `EngineSink.onWrite`). */
  get sendCalls(): number {
    return this.sender.calls;
  }

  /** Payload bytes sent but not yet written: waiting behind, or in, a deflate. */
  get queuedBytes(): number {
    return this.sender.queuedBytes;
  }

  /** True while zlib works for this connection: a frame inflates or frames wait behind a deflate. */
  get busy(): boolean {
    return this.message.busy || this.sender.busy;
  }

  /** True while the engine holds more unread input than it wants: stop calling `receive`. */
  get inputPaused(): boolean {
    return this.decoder.heldBytes >= RECEIVE_HIGH_WATER;
  }

  /** True once both Close frames have been exchanged (RFC 6455 §7.1.4 "cleanly"). */
  get closedCleanly(): boolean {
    return this.closeSent && this.peerCode !== 0 && this.failure === null;
  }

  // ---- input ----

  /**
   * Feeds bytes from the transport. Never throws on any input. Returns false when the engine holds
   * too much input while a message inflates (`inputPaused`): the transport stops reading until
   * `onAsyncComplete` finds `inputPaused` false. The chunk is kept as is until decoded.
   */
  receive(chunk: Buffer): boolean {
    if (!this.closeReceived) this.decoder.push(chunk);
    return !this.inputPaused;
  }

  /** The transport's input ended (TCP FIN or error). §7.1.5: without a Close frame the code is 1006. */
  receiveEof(): void {
    if (this.message.busy && !this.closeReceived) {
      // Input that arrived before the end is decoded first, once the inflate comes back.
      this.eofPending = true;
      return;
    }
    if (!this.closeReceived) {
      this.closeReceived = true;
      this.decoder.stop();
      this.message.reset();
    }
    this.setState('closed');
  }

  // ---- output ----

  /**
   * Sends a data frame. `fin = false` starts or continues a fragmented message (§5.4);
   * `binary` and `options` are read only on its first frame. With permessage-deflate a message
   * of at least `threshold` bytes is compressed unless `options.compress` is false; then `data`
   * is read when zlib gets to it, so it must not change until its frame is written.
   */
  send(data: Uint8Array | string, binary: boolean, fin = true, options?: SendOptions): void {
    this.assertCanSend();
    let opcode: number = Opcode.Continuation;
    let rsv = 0;
    if (!this.sendingFragmented) {
      opcode = binary ? Opcode.Binary : Opcode.Text;
      this.sendingCompressed = this.shouldCompress(data, options);
      // RFC 7692 §6: RSV1 on the first frame of a compressed message only.
      if (this.sendingCompressed) rsv = RSV1;
    }
    this.sendingFragmented = !fin;
    this.sender.send(opcode, data, fin, rsv, this.sendingCompressed, ++this.sender.calls);
  }

  /**
   * Sends a message framed once for many connections (a publish, `src/pubsub/`): its bytes are
   * written as they are, in order with this connection's frames. With permessage-deflate and no
   * context takeover on our side (RFC 7692 §7.1.1.1), a message of at least `threshold` bytes is
   * sent as `message.deflated` for our compressor settings: one compressed frame shared by every
   * connection that compresses alike. With context takeover the uncompressed frame is sent (a
   * message may always go uncompressed, §6, and our compressor's window is then untouched).
   * While frames wait behind a deflate, the message waits behind them. Returns false and sends
   * nothing while a fragmented message is being sent (RFC 6455 §5.4: no data frame may come
   * between its fragments): the caller holds it until that message ends.
   */
  sendShared(message: SharedMessage): boolean {
    this.assertCanSend();
    if (this.sendingFragmented) return false;
    const settings = this.codec?.sharedSettings ?? null;
    const compress =
      settings !== null && message.compress && message.length >= this.codec!.threshold;
    this.sender.sendEncoded(compress ? message.deflated(settings) : message.frame);
    return true;
  }

  ping(data: Uint8Array | string = EMPTY): void {
    this.assertCanSend();
    this.writeControl(Opcode.Ping, data, true);
  }

  pong(data: Uint8Array | string = EMPTY): void {
    this.assertCanSend();
    this.writeControl(Opcode.Pong, data, true);
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
    this.writeClose(code, reason, ++this.sender.calls);
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
    // permessage-deflate claims RSV1 (RFC 7692 §6), on the first frame of a data message only.
    if (rsv !== 0 && (rsv !== RSV1 || this.codec === null))
      return this.reject(
        1002,
        'WS_ERR_UNEXPECTED_RSV',
        `reserved bits ${rsv.toString(2).padStart(3, '0')} set`,
      );
    // RFC 7692 §6: "An endpoint receiving such a frame MUST _Fail the WebSocket Connection_."
    if (rsv !== 0 && (isControlOpcode(opcode) || opcode === Opcode.Continuation))
      return this.reject(
        1002,
        'WS_ERR_UNEXPECTED_RSV',
        `RSV1 set on a ${opcode === Opcode.Continuation ? 'continuation' : 'control'} frame`,
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
      this.controlFirst = null;
      return true;
    }
    const error = this.message.startFrame(fin, rsv, opcode, length);
    if (error === null) return true;
    this.failWith(error);
    return false;
  }

  onFrameData(data: Buffer): void {
    if (isControlOpcode(this.frameOpcode)) {
      if (this.controlLength === 0) {
        this.controlFirst = data;
      } else {
        const control = (this.control ??= Buffer.alloc(125));
        if (this.controlFirst !== null) {
          this.controlFirst.copy(control);
          this.controlFirst = null;
        }
        data.copy(control, this.controlLength);
      }
      this.controlLength += data.length;
      return;
    }
    this.message.data(data);
  }

  onFrameEnd(): void {
    const opcode = this.frameOpcode;
    if (isControlOpcode(opcode)) {
      const payload =
        this.controlLength === 0
          ? EMPTY
          : Buffer.from(this.controlFirst ?? this.control!.subarray(0, this.controlLength));
      this.controlFirst = null;
      if (opcode === Opcode.Close) this.receiveClose(payload);
      else if (opcode === Opcode.Ping) this.receivePing(payload);
      else this.sink.onPong(payload);
      return;
    }
    this.message.endFrame(this.frameFin);
  }

  frameBuffer(length: number): Buffer | null {
    return isControlOpcode(this.frameOpcode) ? null : this.message.bufferFor(length);
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

  // ---- AssemblerHost: the message assembler's events ----

  deliver(data: Buffer, binary: boolean): void {
    this.sink.onMessage(data, binary);
  }

  violation(error: ProtocolError): void {
    this.failWith(error);
  }

  /** RFC 7692 §7.2.2: a frame is in zlib; all input is held until it is back, so events keep their order. */
  inflating(): void {
    this.decoder.pause();
  }

  inflated(): void {
    this.decoder.resume();
    if (this.eofPending && !this.message.busy) {
      this.eofPending = false;
      this.receiveEof();
    }
    this.sink.onAsyncComplete?.();
  }

  // ---- internals ----

  /** Frames written from a deflate completion; the state change they held back can happen. */
  private afterDeflate(error: string | null): void {
    if (error !== null) this.fail(1011, `compression failed: ${error}`);
    if (!this.sender.busy && this.pendingState !== null) {
      const state = this.pendingState;
      this.pendingState = null;
      this.setState(state);
    }
    this.sink.onAsyncComplete?.();
  }

  /** Whether the message that starts now is compressed (RFC 7692 §6: the sender's choice). */
  private shouldCompress(data: Uint8Array | string, options: SendOptions | undefined): boolean {
    const codec = this.codec;
    if (codec === null || options?.compress === false) return false;
    if (codec.threshold === 0) return true;
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    return size >= codec.threshold;
  }

  /** §5.5.2: answer a ping with a pong of the same payload, while the connection is open. */
  private receivePing(payload: Buffer): void {
    if (this.autoPong && !this.closeSent) this.writeControl(Opcode.Pong, payload, false);
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
    this.message.reset();
    if (!this.closeSent) this.writeClose(code === 1005 ? undefined : code, reason, undefined);
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
    this.message.abandon();
    this.closeReceived = true;
    if (this.codec !== null) {
      // §7.1.7: nothing more is read or sent but the Close frame: abandon zlib work.
      this.codec.close();
      this.eofPending = false;
      this.sender.dropData();
    }
    if (!this.closeSent) this.writeClose(error.closeCode, '', undefined);
    this.sink.onError(error);
    this.setState('closed');
  }

  private assertCanSend(): void {
    if (this.closeSent || this.currentState === 'closed') {
      throw new UsageError('WS_USAGE_NOT_OPEN', 'the connection is closing or closed');
    }
  }

  /** `byCaller`: a `ping` or `pong` call, which gets a call number (see `EngineSink.onWrite`). */
  private writeControl(opcode: number, data: Uint8Array | string, byCaller: boolean): void {
    const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (length > 125) {
      throw new UsageError(
        'WS_USAGE_CONTROL_TOO_LONG',
        `control frame payload of ${length} bytes, over 125`,
      );
    }
    this.sender.send(opcode, data, true, 0, false, byCaller ? ++this.sender.calls : undefined);
  }

  private writeClose(code: number | undefined, reason: string, call: number | undefined): void {
    this.closeSent = true;
    let payload = EMPTY;
    if (code !== undefined) {
      payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
      payload.writeUInt16BE(code, 0);
      payload.write(reason, 2);
    }
    this.sender.send(Opcode.Close, payload, true, 0, false, call);
  }

  /** A change waits while frames are queued behind a deflate: `closed` lets the TCP end. */
  private setState(state: EngineState): void {
    if (this.currentState === state || this.currentState === 'closed') return;
    if (this.sender.busy) {
      if (this.pendingState !== 'closed') this.pendingState = state;
      return;
    }
    this.currentState = state;
    this.pendingState = null;
    if (state === 'closed') this.codec?.close();
    this.sink.onState(state);
  }
}
