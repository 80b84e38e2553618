import { Connection } from '../../src/protocol/connection.js';
import type { ProtocolError } from '../../src/protocol/errors.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import type {
  EngineEvent,
  EngineOptions,
  EngineSink,
  EngineState,
  Role,
} from '../../src/protocol/types.js';

/** A sink that records every engine event, in order, as a discriminated union. */
export class RecordingSink implements EngineSink {
  readonly events: EngineEvent[] = [];
  onWrite(data: Buffer): void {
    this.events.push({ type: 'write', data: Buffer.from(data) });
  }
  onMessage(data: Buffer, binary: boolean): void {
    this.events.push({ type: 'message', data: Buffer.from(data), binary });
  }
  onPing(data: Buffer): void {
    this.events.push({ type: 'ping', data: Buffer.from(data) });
  }
  onPong(data: Buffer): void {
    this.events.push({ type: 'pong', data: Buffer.from(data) });
  }
  onPeerClose(code: number, reason: string): void {
    this.events.push({ type: 'peer-close', code, reason });
  }
  onError(error: ProtocolError): void {
    this.events.push({ type: 'error', error });
  }
  onState(state: EngineState): void {
    this.events.push({ type: 'state', state });
  }
  /** Events other than writes. */
  get received(): EngineEvent[] {
    return this.events.filter((e) => e.type !== 'write');
  }
  /** All written bytes joined. */
  get written(): Buffer {
    return Buffer.concat(this.events.flatMap((e) => (e.type === 'write' ? [e.data] : [])));
  }
}

/** An engine with a recording sink. */
export function engine(role: Role, options: Partial<EngineOptions> = {}) {
  const sink = new RecordingSink();
  const conn = new Connection(sink, { ...options, role });
  return { conn, sink };
}

/** Builds one frame as the peer of `role` would send it (masked when the peer is a client). */
export function peerFrame(
  role: Role,
  opcode: number,
  payload: Uint8Array | string = Buffer.alloc(0),
  fin = true,
  rsv = 0,
): Buffer {
  return Buffer.concat(encodeFrame(opcode, payload, { fin, rsv, mask: role === 'server' }));
}
