import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import {
  acceptDeflateOffer,
  acceptDeflateResponse,
  deflateOffer,
  type NegotiatedDeflate,
  type PerMessageDeflateOptions,
} from '../../src/extensions/permessage-deflate.js';
import { parseExtensions } from '../../src/handshake/header-grammar.js';
import { Connection } from '../../src/protocol/connection.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import type { EngineOptions, Role } from '../../src/protocol/types.js';
import { RecordingSink } from './recording-sink.js';

/**
 * Both sides' parameters, negotiated as a client and a server do: offer, answer, reading. The
 * server keeps its compression context unless `server` says otherwise (not a server's default),
 * so that context takeover is exercised both ways.
 */
export function negotiate(
  client: PerMessageDeflateOptions = {},
  server: PerMessageDeflateOptions = {},
): { client: NegotiatedDeflate; server: NegotiatedDeflate } {
  const accepted = acceptDeflateOffer(parseExtensions(deflateOffer(client)), {
    serverNoContextTakeover: false,
    ...server,
  });
  assert.ok(accepted !== null, 'the server accepts the offer');
  const clientParams = acceptDeflateResponse(parseExtensions(accepted.header), client);
  assert.ok(clientParams !== null, 'the client reads the answer');
  return { client: clientParams, server: accepted.params };
}

/** A recording sink that also lets a test wait for the engine's asynchronous completions. */
export class AsyncSink extends RecordingSink {
  completions = 0;
  private waiters: (() => void)[] = [];

  onAsyncComplete(): void {
    this.completions++;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Written bytes not yet taken, joined. */
  takeWritten(): Buffer {
    const out = this.written.subarray(this.taken);
    this.taken += out.length;
    return out;
  }

  private taken = 0;
}

/** An engine with permessage-deflate and a sink to await. */
export function deflateEngine(
  role: Role,
  deflate: NegotiatedDeflate | undefined,
  options: Partial<EngineOptions> = {},
) {
  const sink = new AsyncSink();
  const conn = new Connection(sink, {
    ...options,
    role,
    ...(deflate === undefined ? {} : { extensions: { deflate } }),
  });
  return { conn, sink };
}

/** Waits until no zlib work is in flight for `conn`. */
export async function settle(conn: Connection, sink: AsyncSink): Promise<void> {
  while (conn.busy) await sink.next();
}

/** RFC 7692 §6: RSV1 as the 3-bit RSV value of `peerFrame`. */
export const RSV1 = 0b100;

/** A server engine that negotiated with a client using `client` options. */
export function deflateServer(
  server: PerMessageDeflateOptions = {},
  client: PerMessageDeflateOptions = {},
  options: Partial<EngineOptions> = {},
) {
  return deflateEngine('server', negotiate(client, server).server, options);
}

/** A client engine that negotiated with a server using `server` options. */
export function deflateClient(
  client: PerMessageDeflateOptions = {},
  server: PerMessageDeflateOptions = {},
  options: Partial<EngineOptions> = {},
) {
  return deflateEngine('client', negotiate(client, server).client, options);
}

/** Records the `call` argument of every write the sink gets. */
export function recordCalls(sink: RecordingSink): (number | undefined)[] {
  const calls: (number | undefined)[] = [];
  const onWrite = sink.onWrite.bind(sink);
  sink.onWrite = (data: Buffer, call?: number) => {
    calls.push(call);
    onWrite(data);
  };
  return calls;
}

/** A client and a server engine that negotiated with these options. */
export function enginePair(
  client: PerMessageDeflateOptions = {},
  server: PerMessageDeflateOptions = {},
  options: Partial<EngineOptions> = {},
) {
  const params = negotiate(client, server);
  return {
    client: deflateEngine('client', params.client, options),
    server: deflateEngine('server', params.server, options),
  };
}

/** Carries what `from` wrote (after it settles) to `to`, and waits for `to` to settle. */
export async function pipe(
  from: ReturnType<typeof deflateEngine>,
  to: ReturnType<typeof deflateEngine>,
): Promise<void> {
  await settle(from.conn, from.sink);
  to.conn.receive(from.sink.takeWritten());
  await settle(to.conn, to.sink);
}

/** RFC 7692 §7.2.1 by zlib, in one go: a message's compressed payload (no context kept). */
export function compressed(data: Uint8Array | string, windowBits = 15): Buffer {
  const out = deflateRawSync(data, { windowBits, finishFlush: 2 /* Z_SYNC_FLUSH */ });
  assert.deepEqual([...out.subarray(-4)], [0, 0, 0xff, 0xff]);
  return out.subarray(0, -4);
}

/** `size` bytes of JSON-like ASCII text, as an application would send. */
export function jsonText(size: number): Buffer {
  const record = (i: number) => `{"id":${i},"user":"u${i % 97}","tags":["a","b"],"ok":true},`;
  let text = '[';
  for (let i = 0; text.length < size; i++) text += record(i);
  return Buffer.from(text.slice(0, size));
}

/** Message events among the recorded events, as [text, binary] pairs. */
export function messages(sink: RecordingSink): [string, boolean][] {
  return sink.events.flatMap((e) =>
    e.type === 'message' ? [[e.data.toString('latin1'), e.binary] as [string, boolean]] : [],
  );
}

export interface WireFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** Unmasked. */
  payload: Buffer;
}

/** Splits bytes an engine wrote into frames (unmasked), to look at their headers. */
export function parseFrames(bytes: Buffer): WireFrame[] {
  const frames: WireFrame[] = [];
  let current: WireFrame | null = null;
  const parts: Buffer[] = [];
  const decoder = new FrameDecoder({
    onFrameStart(fin, rsv, opcode, _length, masked) {
      current = { fin, rsv, opcode, masked, payload: Buffer.alloc(0) };
      return true;
    },
    onFrameData(data) {
      parts.push(Buffer.from(data));
    },
    onFrameEnd() {
      const frame = current!;
      frame.payload = Buffer.concat(parts.splice(0));
      frames.push(frame);
    },
    onHeaderError(kind) {
      throw new Error(kind);
    },
  });
  decoder.push(Buffer.from(bytes));
  return frames;
}
