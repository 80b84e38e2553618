import assert from 'node:assert/strict';
import type { Connection } from '../../src/protocol/connection.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { FrameDecoder, type FrameHandler } from '../../src/protocol/frame-decoder.js';
import type { Role } from '../../src/protocol/types.js';
import { peerFrame, type RecordingSink } from './recording-sink.js';

/** One decoder callback as a recording FrameHandler sees it. */
export type FrameEvent =
  | { type: 'start'; fin: boolean; rsv: number; opcode: number; length: number; masked: boolean }
  | { type: 'data'; data: Buffer }
  | { type: 'end' }
  | { type: 'header-error'; kind: 'length-top-bit' | 'non-minimal-length' };

/** Records every FrameDecoder callback; `accept` decides what onFrameStart returns. */
export class RecordingFrameHandler implements FrameHandler {
  readonly events: FrameEvent[] = [];
  constructor(private readonly accept: (opcode: number, length: number) => boolean = () => true) {}
  onFrameStart(
    fin: boolean,
    rsv: number,
    opcode: number,
    length: number,
    masked: boolean,
  ): boolean {
    this.events.push({ type: 'start', fin, rsv, opcode, length, masked });
    return this.accept(opcode, length);
  }
  onFrameData(data: Buffer): void {
    this.events.push({ type: 'data', data: Buffer.from(data) });
  }
  onFrameEnd(): void {
    this.events.push({ type: 'end' });
  }
  onHeaderError(kind: 'length-top-bit' | 'non-minimal-length'): void {
    this.events.push({ type: 'header-error', kind });
  }
}

/**
 * A RecordingFrameHandler that asks for a buffer for every payload that spans chunks when
 * `gather(length)` says so; the buffers it gave are kept in `given`.
 */
export class GatheringFrameHandler extends RecordingFrameHandler {
  readonly given: Buffer[] = [];
  constructor(private readonly gather: (length: number) => boolean = () => true) {
    super();
  }
  frameBuffer(length: number): Buffer | null {
    if (!this.gather(length)) return null;
    const buffer = Buffer.alloc(length);
    this.given.push(buffer);
    return buffer;
  }
}

/** A decoded frame with its payload joined (and unmasked). */
export interface Frame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/**
 * Folds decoder events into whole frames, whatever the split of their data events.
 * Returns the complete frames and whether a frame was left unfinished or a header error seen.
 */
export function foldFrames(events: readonly FrameEvent[]): {
  frames: Frame[];
  partial: boolean;
  headerError: string | null;
} {
  const frames: Frame[] = [];
  let current: { frame: Frame; parts: Buffer[] } | null = null;
  let headerError: string | null = null;
  for (const e of events) {
    if (e.type === 'start') {
      assert.equal(current, null, 'a frame started inside another');
      current = {
        frame: {
          fin: e.fin,
          rsv: e.rsv,
          opcode: e.opcode,
          masked: e.masked,
          payload: Buffer.alloc(0),
        },
        parts: [],
      };
    } else if (e.type === 'data') {
      assert.ok(current !== null, 'data outside a frame');
      current.parts.push(e.data);
    } else if (e.type === 'end') {
      assert.ok(current !== null, 'end outside a frame');
      current.frame.payload = Buffer.concat(current.parts);
      frames.push(current.frame);
      current = null;
    } else {
      headerError = e.kind;
    }
  }
  return { frames, partial: current !== null, headerError };
}

/**
 * Decodes bytes an engine wrote into frames; fails the test on trailing bytes or a bad header.
 * A copy is decoded because the decoder unmasks in place.
 */
export function decodeFrames(bytes: Buffer): Frame[] {
  const handler = new RecordingFrameHandler();
  const decoder = new FrameDecoder(handler);
  decoder.push(Buffer.from(bytes));
  const { frames, partial, headerError } = foldFrames(handler.events);
  assert.equal(headerError, null, 'written bytes have a bad header');
  assert.ok(!partial && decoder.idle, 'written bytes end inside a frame');
  return frames;
}

/** The frames an engine has written so far. */
export function writtenFrames(sink: RecordingSink): Frame[] {
  return decodeFrames(sink.written);
}

export interface RawFrameOptions {
  opcode: number;
  fin?: boolean;
  rsv?: number;
  payload?: Uint8Array;
  /** Masking key; none (the default) leaves the frame unmasked. */
  maskKey?: Uint8Array;
  /** Width of the length field: 7 (in the second byte), 16 or 64 bits, minimal or not. */
  lengthField?: 7 | 16 | 64;
  /** The announced length, when it is to differ from the payload's. */
  length?: bigint;
}

/** Builds a frame byte by byte, including headers the encoder would never produce. */
export function rawFrame(options: RawFrameOptions): Buffer {
  const payload = Buffer.from(options.payload ?? Buffer.alloc(0));
  const length = options.length ?? BigInt(payload.length);
  const field = options.lengthField ?? (length < 126n ? 7 : length < 0x10000n ? 16 : 64);
  const key = options.maskKey;
  const head = Buffer.alloc(2 + (field === 16 ? 2 : field === 64 ? 8 : 0) + (key ? 4 : 0));
  head[0] = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | options.opcode;
  const maskBit = key ? 0x80 : 0;
  let p = 2;
  if (field === 7) {
    head[1] = maskBit | Number(length);
  } else if (field === 16) {
    head[1] = maskBit | 126;
    head.writeUInt16BE(Number(length), 2);
    p = 4;
  } else {
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(length, 2);
    p = 10;
  }
  if (key) {
    head.set(key, p);
    for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
  }
  return Buffer.concat([head, payload]);
}

/** A fixed masking key for hand-built client frames. */
export const KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** A hand-built frame as the peer of `role` must send it (masked towards a server). */
export function rawPeerFrame(role: Role, options: RawFrameOptions): Buffer {
  return rawFrame(role === 'server' ? { maskKey: KEY, ...options } : options);
}

/** A Close frame body: the 2-byte code, then the reason. */
export function closeBody(code: number, reason: string | Uint8Array = ''): Buffer {
  const body = Buffer.alloc(2);
  body.writeUInt16BE(code, 0);
  return Buffer.concat([body, Buffer.from(reason)]);
}

/** The code and reason of a written Close frame (1005 and '' for an empty one). */
export function parseClose(frame: Frame): { code: number; reason: string } {
  assert.equal(frame.opcode, 0x8, 'not a Close frame');
  if (frame.payload.length === 0) return { code: 1005, reason: '' };
  return { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2).toString() };
}

export const ROLES: readonly Role[] = ['server', 'client'];

/** Codes that may never appear in a Close frame (§7.4.1, §7.4.2). */
export const INVALID_WIRE_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535];

/** Codes a Close frame may carry: registered ones (§7.4.1, IANA), 3000–3999 and 4000–4999. */
export const VALID_WIRE_CODES = [
  1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
];

/** Splits `bytes` into chunks of `size` bytes and feeds them one at a time. */
export function feedInChunks(conn: Connection, bytes: Buffer, size: number): void {
  for (let i = 0; i < bytes.length; i += size) conn.receive(bytes.subarray(i, i + size));
}

/**
 * Asserts the engine failed the connection exactly as §7.1.7 requires: one error event with
 * a ProtocolError carrying `closeCode` and `code`, exactly one Close frame written with that
 * code, the state 'closed', and every later input (even valid frames) discarded.
 */
export function assertFailed(
  conn: Connection,
  sink: RecordingSink,
  closeCode: number,
  code: string,
): ProtocolError {
  const errors = sink.events.flatMap((e) => (e.type === 'error' ? [e.error] : []));
  assert.equal(errors.length, 1, 'exactly one error event');
  const error = errors[0]!;
  assert.ok(error instanceof ProtocolError);
  assert.equal(error.closeCode, closeCode);
  assert.equal(error.code, code);
  assert.equal(conn.error, error);
  const closes = writtenFrames(sink).filter((f) => f.opcode === 0x8);
  assert.equal(closes.length, 1, 'exactly one Close frame written');
  assert.equal(parseClose(closes[0]!).code, closeCode);
  assert.equal(
    closes[0]!.masked,
    conn.role === 'client',
    'the Close frame is masked by a client only',
  );
  assert.equal(conn.state, 'closed');
  assert.deepEqual(sink.events.at(-1), { type: 'state', state: 'closed' });
  assert.equal(conn.closedCleanly, false);
  assertDiscards(conn, sink);
  return error;
}

/** Feeds valid frames of every kind and asserts that nothing at all happens. */
export function assertDiscards(conn: Connection, sink: RecordingSink): void {
  const before = sink.events.length;
  conn.receive(peerFrame(conn.role, 0x1, 'still there?'));
  conn.receive(peerFrame(conn.role, 0x2, Buffer.from([1, 2, 3])));
  conn.receive(peerFrame(conn.role, 0x9, 'ping'));
  conn.receive(peerFrame(conn.role, 0xa, 'pong'));
  conn.receive(peerFrame(conn.role, 0x8, closeBody(1000, 'bye')));
  assert.equal(sink.events.length, before, 'input after the close or failure was not discarded');
}
