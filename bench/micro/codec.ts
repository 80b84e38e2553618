/**
 * Engine micro-benchmark: wskit's frame parser and encoder against ws's, in the same run.
 *
 * - parse: a stream of binary frames, fed in 64 KiB chunks (a socket's usual read), to wskit's
 *   `Connection` and to ws's `Receiver`, server side (masked client frames) and client side
 *   (unmasked server frames). Both are fed directly: `Connection.receive` and `Receiver._write`,
 *   which skips the Writable layer in front of ws's parser (ws's best case).
 * - serialize: wskit's `encodeFrame` against ws's `Sender.frame`, server side (unmasked) and
 *   client side (masked).
 *
 * Usage: node build/bench/micro/codec.js [--quick] [FILTER]
 *   --quick  fewer and shorter repetitions, smaller parse streams
 *   FILTER   run only the cases whose "case, payload" label contains it, e.g. "parse, client"
 */
import { randomFillSync } from 'node:crypto';
import { cpus } from 'node:os';
import { Connection } from '../../src/protocol/connection.js';
import { encodeFrame, type FrameOptions } from '../../src/protocol/frame-encoder.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import type { EngineSink } from '../../src/protocol/types.js';
import { type Comparison, compare, now, type Settings, type Subject } from './measure.js';
import {
  hasBufferUtil,
  Receiver,
  Sender,
  type WsFrameOptions,
  type WsReceiver,
  wsVersion,
} from './ws-internals.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES = [16, KiB, 64 * KiB, 16 * MiB];
/** A socket read: what net.Socket hands to its 'data' listeners. */
const CHUNK = 64 * KiB;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filter = args.find((arg) => !arg.startsWith('--')) ?? '';
const settings: Settings = quick
  ? { reps: 3, repMs: 40, warmupMs: 30 }
  : { reps: 5, repMs: 200, warmupMs: 100 };
/** Bytes of frames per parse pass. */
const PARSE_BYTES = quick ? 8 * MiB : 32 * MiB;
/** A serialize pass encodes enough frames to take about this long (hrtime's cost stays negligible). */
const SERIALIZE_PASS_NS = 2e6;

// ---- parse ----

/** Counts messages and their bytes; anything else from the engine means the input was wrong. */
class CountingSink implements EngineSink {
  messages = 0;
  bytes = 0;
  onWrite(): void {
    throw new Error('the engine wrote a frame: the input was not plain binary messages');
  }
  onMessage(data: Buffer): void {
    this.messages++;
    this.bytes += data.length;
  }
  onPing(): void {}
  onPong(): void {}
  onPeerClose(): void {
    throw new Error('unexpected Close frame');
  }
  onError(error: Error): void {
    throw error;
  }
  onState(): void {}
}

/** `frames` binary frames of `size` random bytes, each with its own mask key when `masked`. */
function frameStream(size: number, masked: boolean): { stream: Buffer; frames: number } {
  const options: FrameOptions = { fin: true, rsv: 0, mask: masked };
  const payload = randomFillSync(Buffer.allocUnsafe(size));
  const frameLength = encodeFrame(Opcode.Binary, payload, options).reduce(
    (n, b) => n + b.length,
    0,
  );
  const frames = Math.max(2, Math.floor(PARSE_BYTES / frameLength));
  const stream = Buffer.allocUnsafe(frames * frameLength);
  let offset = 0;
  for (let i = 0; i < frames; i++) {
    for (const part of encodeFrame(Opcode.Binary, payload, options)) {
      offset += part.copy(stream, offset);
    }
  }
  return { stream, frames };
}

/**
 * The stream as a socket would deliver it. Unmasking happens in place, so masked input is
 * copied afresh from the pristine stream before each pass, outside the timed region.
 */
class ParseInput {
  readonly frames: number;
  readonly chunks: Buffer[] = [];
  private readonly pristine: Buffer;
  private readonly work: Buffer;

  constructor(
    readonly size: number,
    private readonly masked: boolean,
  ) {
    const { stream, frames } = frameStream(size, masked);
    this.frames = frames;
    this.pristine = stream;
    this.work = masked ? Buffer.allocUnsafe(stream.length) : stream;
    for (let at = 0; at < stream.length; at += CHUNK) {
      this.chunks.push(this.work.subarray(at, Math.min(at + CHUNK, stream.length)));
    }
  }

  refresh(): void {
    if (this.masked) this.pristine.copy(this.work);
  }

  check(messages: number, bytes: number): void {
    if (messages !== this.frames || bytes !== this.frames * this.size) {
      throw new Error(`parsed ${messages} messages / ${bytes} bytes, expected ${this.frames}`);
    }
  }
}

class WskitParse implements Subject {
  private readonly sink = new CountingSink();
  private readonly connection: Connection;

  constructor(
    private readonly input: ParseInput,
    role: 'client' | 'server',
  ) {
    this.connection = new Connection(this.sink, { role, maxPayload: 2 ** 30 });
  }

  pass(): number {
    this.input.refresh();
    this.sink.messages = 0;
    this.sink.bytes = 0;
    const chunks = this.input.chunks;
    const connection = this.connection;
    const start = now();
    for (let i = 0; i < chunks.length; i++) connection.receive(chunks[i]!);
    const ns = now() - start;
    this.input.check(this.sink.messages, this.sink.bytes);
    return ns;
  }
}

function rethrow(error?: Error | null): void {
  if (error) throw error;
}

class WsParse implements Subject {
  private readonly receiver: WsReceiver;
  private messages = 0;
  private bytes = 0;

  constructor(
    private readonly input: ParseInput,
    isServer: boolean,
  ) {
    this.receiver = new Receiver({ isServer, maxPayload: 0 });
    this.receiver.on('message', (data) => {
      this.messages++;
      this.bytes += data.length;
    });
    this.receiver.on('error', rethrow);
  }

  pass(): number {
    this.input.refresh();
    this.messages = 0;
    this.bytes = 0;
    const chunks = this.input.chunks;
    const receiver = this.receiver;
    const start = now();
    for (let i = 0; i < chunks.length; i++) receiver._write(chunks[i]!, null, rethrow);
    const ns = now() - start;
    this.input.check(this.messages, this.bytes);
    return ns;
  }
}

// ---- serialize ----

/** Encodes `batch` frames per pass; `used` keeps the results observable. */
abstract class Serialize implements Subject {
  batch = 1;
  used = 0;

  constructor(
    protected readonly payload: Buffer,
    private readonly masked: boolean,
  ) {}

  pass(): number {
    const start = now();
    this.used += this.run(this.batch);
    return now() - start;
  }

  /** False when the frame is a header put before the caller's payload, which is never read. */
  get readsPayload(): boolean {
    const frame = this.encodeOne();
    return this.masked || frame[frame.length - 1] !== this.payload;
  }

  protected abstract run(frames: number): number;
  protected abstract encodeOne(): Buffer[];
}

class WskitSerialize extends Serialize {
  constructor(
    payload: Buffer,
    private readonly options: FrameOptions,
  ) {
    super(payload, options.mask);
  }

  protected encodeOne(): Buffer[] {
    return encodeFrame(Opcode.Binary, this.payload, this.options);
  }

  protected run(frames: number): number {
    let n = 0;
    for (let i = 0; i < frames; i++)
      n += encodeFrame(Opcode.Binary, this.payload, this.options)[0]!.length;
    return n;
  }
}

class WsSerialize extends Serialize {
  constructor(
    payload: Buffer,
    private readonly options: WsFrameOptions,
  ) {
    super(payload, options.mask);
  }

  protected encodeOne(): Buffer[] {
    return Sender.frame(this.payload, this.options);
  }

  protected run(frames: number): number {
    let n = 0;
    for (let i = 0; i < frames; i++) n += Sender.frame(this.payload, this.options)[0]!.length;
    return n;
  }
}

/** Doubles the batch until a pass of the first subject takes SERIALIZE_PASS_NS. */
function calibrate(a: Serialize, b: Serialize): number {
  let batch = 1;
  for (;;) {
    a.batch = batch;
    if (a.pass() >= SERIALIZE_PASS_NS || batch >= 1 << 24) break;
    batch *= 2;
  }
  b.batch = batch;
  return batch;
}

// ---- the run ----

interface Row {
  name: string;
  size: number;
  result: Comparison;
  /** Whether each side reads the payload at all (MB/s means nothing otherwise). */
  reads: { wskit: boolean; ws: boolean };
}

const READS_BOTH = { wskit: true, ws: true };

function parseCase(name: string, size: number, role: 'client' | 'server'): Row {
  const input = new ParseInput(size, role === 'server');
  const result = compare(
    new WskitParse(input, role),
    new WsParse(input, role === 'server'),
    input.frames,
    input.frames * size,
    settings,
  );
  return { name, size, result, reads: READS_BOTH };
}

function serializeCase(name: string, size: number, mask: boolean, readOnly: boolean): Row {
  const payload = randomFillSync(Buffer.allocUnsafe(size));
  const wskit = new WskitSerialize(payload, { fin: true, rsv: 0, mask });
  const ws = new WsSerialize(Buffer.from(payload), {
    fin: true,
    opcode: Opcode.Binary,
    mask,
    readOnly,
    rsv1: false,
  });
  const batch = calibrate(wskit, ws);
  const result = compare(wskit, ws, batch, batch * size, settings);
  return { name, size, result, reads: { wskit: wskit.readsPayload, ws: ws.readsPayload } };
}

const CASES: { name: string; run(size: number, name: string): Row }[] = [
  { name: 'parse, server (masked)', run: (size, name) => parseCase(name, size, 'server') },
  { name: 'parse, client (unmasked)', run: (size, name) => parseCase(name, size, 'client') },
  {
    name: 'serialize, server (unmasked)',
    run: (size, name) => serializeCase(name, size, false, false),
  },
  {
    name: 'serialize, client (masked; ws readOnly: true)',
    run: (size, name) => serializeCase(name, size, true, true),
  },
  {
    name: 'serialize, client (masked; ws readOnly: false)',
    run: (size, name) => serializeCase(name, size, true, false),
  },
];

function formatSize(bytes: number): string {
  if (bytes >= MiB) return `${bytes / MiB} MiB`;
  if (bytes >= KiB) return `${bytes / KiB} KiB`;
  return `${bytes} B`;
}

function formatRate(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(1);
}

function formatMB(value: number, read: boolean): string {
  if (!read) return '—';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function main(): void {
  const started = now();
  const rows: Row[] = [];
  for (const c of CASES) {
    for (const size of SIZES) {
      const label = `${c.name}, ${formatSize(size)}`;
      if (!label.includes(filter)) continue;
      process.stderr.write(`${label} ...\n`);
      rows.push(c.run(size, c.name));
    }
  }
  const seconds = (now() - started) / 1e9;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const out = [
    `wskit vs ws ${wsVersion} — Node ${process.version}, ${cpus().length} × ${cpu}`,
    `bufferutil: ${hasBufferUtil ? 'installed' : 'not installed (ws masks and unmasks in plain JS)'}`,
    `${settings.reps} interleaved repetitions of ~${settings.repMs} ms per side${quick ? ' (--quick)' : ''}; ${seconds.toFixed(0)} s in all`,
    '',
    '| case | payload | wskit frames/s | ws frames/s | wskit MB/s | ws MB/s | wskit/ws (median) | range |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { name, size, result, reads } of rows) {
    out.push(
      `| ${name} | ${formatSize(size)} | ${formatRate(result.wskit.framesPerSecond)} | ${formatRate(result.ws.framesPerSecond)} | ${formatMB(result.wskit.megabytesPerSecond, reads.wskit)} | ${formatMB(result.ws.megabytesPerSecond, reads.ws)} | **${result.ratio.toFixed(2)}** | ${result.ratioMin.toFixed(2)}–${result.ratioMax.toFixed(2)} |`,
    );
  }
  out.push(
    '',
    'MB/s counts payload bytes (10^6 a second); — where the payload is not read. wskit/ws > 1: wskit is faster.',
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
