// Memory per connection with permessage-deflate, engine level (no sockets).
//
//   node node_modules/typescript/bin/tsc -p tsconfig.json
//   node --expose-gc build/bench/deflate-memory.js [connections=1000]
//
// For each configuration, in a child process of its own: N server engines (or, for reference, N
// instances of ws's server-side PerMessageDeflate with the same parameters) each inflate K messages of
// 2 KB of JSON from the peer and compress K replies, K = 1 (a fresh connection) and K = 32
// (64 KB each way, so zlib's windows are touched through). Then, with all of them alive and
// after a full GC, the growth of RSS over a baseline taken before they were created, divided
// by N. zlib allocates with malloc, outside the JS heap: RSS is the figure that counts.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import {
  acceptDeflateOffer,
  acceptDeflateResponse,
  deflateOffer,
  type NegotiatedDeflate,
  type PerMessageDeflateOptions,
} from '../src/extensions/permessage-deflate.js';
import { parseExtensions } from '../src/handshake/header-grammar.js';
import { Connection } from '../src/protocol/connection.js';
import type { EngineSink } from '../src/protocol/types.js';

interface Configuration {
  readonly name: string;
  readonly engine: 'wskit' | 'ws';
  /** The options of both sides; absent: no permessage-deflate. */
  readonly options?: PerMessageDeflateOptions;
}

const CONFIGURATIONS: Configuration[] = [
  { name: 'no permessage-deflate', engine: 'wskit' },
  { name: 'defaults (the server resets, the client keeps)', engine: 'wskit', options: {} },
  {
    name: 'context takeover both ways',
    engine: 'wskit',
    options: { serverNoContextTakeover: false },
  },
  {
    name: 'no context takeover',
    engine: 'wskit',
    options: { serverNoContextTakeover: true, clientNoContextTakeover: true },
  },
  {
    name: 'context takeover, 10-bit windows, memLevel 4',
    engine: 'wskit',
    options: {
      serverNoContextTakeover: false,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 10,
      memLevel: 4,
    },
  },
  { name: 'ws: context takeover (defaults)', engine: 'ws', options: {} },
  {
    name: 'ws: no context takeover',
    engine: 'ws',
    options: { serverNoContextTakeover: true, clientNoContextTakeover: true },
  },
];

const MESSAGE = Buffer.from(
  JSON.stringify(Array.from({ length: 80 }, (_, i) => ({ id: i, name: `item ${i}` }))).slice(
    0,
    2048,
  ),
);

const require = createRequire(import.meta.url);

async function rss(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().rss;
}

/** An engine sink that drops everything; `settled` waits until the engine's zlib work is done. */
class Sink implements EngineSink {
  conn: Connection | null = null;
  private waiting: (() => void) | null = null;
  onWrite(_data: Buffer): void {}
  onMessage(): void {}
  onPing(): void {}
  onPong(): void {}
  onPeerClose(): void {}
  onError(error: Error): void {
    throw error;
  }
  onState(): void {}
  onAsyncComplete(): void {
    if (this.waiting !== null && this.conn?.busy === false) this.waiting();
  }
  settled(): Promise<void> {
    if (this.conn?.busy !== true) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}

/** An engine with a sink that drops everything. */
function engine(role: 'client' | 'server', deflate: NegotiatedDeflate | undefined) {
  const sink = new Sink();
  const conn = new Connection(sink, {
    role,
    ...(deflate === undefined ? {} : { extensions: { deflate } }),
  });
  sink.conn = conn;
  return { conn, sink };
}

/**
 * The bytes a wskit client sends for `k` messages, compressed as negotiated, and the server's
 * parameters. Every server engine can read the same masked bytes.
 */
async function clientBytes(options: PerMessageDeflateOptions | undefined, k: number) {
  let server: NegotiatedDeflate | undefined;
  let client: NegotiatedDeflate | undefined;
  if (options !== undefined) {
    const both = { ...options, threshold: 0 };
    const accepted = acceptDeflateOffer(parseExtensions(deflateOffer(both)), both);
    server = accepted!.params;
    client = acceptDeflateResponse(parseExtensions(accepted!.header), both) ?? undefined;
  }
  const written: Buffer[] = [];
  const c = engine('client', client);
  c.sink.onWrite = (data: Buffer) => written.push(Buffer.from(data));
  for (let i = 0; i < k; i++) c.conn.send(MESSAGE, false);
  await c.sink.settled();
  return { bytes: Buffer.concat(written), server };
}

/** N server engines, each having read the client's `k` messages and answered each. */
async function runWskit(config: Configuration, n: number, k: number): Promise<unknown[]> {
  const { bytes, server } = await clientBytes(config.options, k);
  const engines = Array.from({ length: n }, () => engine('server', server));
  for (const { conn } of engines) {
    conn.receive(Buffer.from(bytes)); // a server unmasks in place
    for (let j = 0; j < k; j++) conn.send(MESSAGE, false);
  }
  await Promise.all(engines.map(({ sink }) => sink.settled()));
  return engines;
}

interface WsPerMessageDeflate {
  accept(configurations: Record<string, unknown>[]): unknown;
  compress(data: Buffer, fin: boolean, cb: (error: Error | null) => void): void;
  decompress(data: Buffer, fin: boolean, cb: (error: Error | null) => void): void;
}

async function runWs(config: Configuration, n: number, k: number): Promise<unknown[]> {
  const lib = (name: string): unknown => require(join(dirname(require.resolve('ws')), 'lib', name));
  const PerMessageDeflate = lib('permessage-deflate.js') as new (
    options: object,
  ) => WsPerMessageDeflate;
  const extension = lib('extension.js') as {
    parse(header: string): Record<string, Record<string, unknown>[]>;
  };
  const offer = extension.parse(deflateOffer(config.options))['permessage-deflate']!;
  // Each message compressed on its own: valid with or without context takeover.
  const payload = deflateRawSync(MESSAGE, { finishFlush: 2 }).subarray(0, -4);
  const step = (f: (cb: (error: Error | null) => void) => void) =>
    new Promise<void>((resolve, reject) => f((error) => (error ? reject(error) : resolve())));
  const instances = Array.from({ length: n }, () => {
    const pmd = new PerMessageDeflate({ ...config.options, isServer: true, threshold: 0 });
    pmd.accept(structuredClone(offer));
    return pmd;
  });
  await Promise.all(
    instances.map(async (pmd) => {
      for (let j = 0; j < k; j++) {
        await step((cb) => pmd.decompress(payload, true, cb));
        await step((cb) => pmd.compress(MESSAGE, true, cb));
      }
    }),
  );
  return instances;
}

async function child(index: number, n: number, k: number): Promise<void> {
  const config = CONFIGURATIONS[index]!;
  const before = await rss();
  const alive = config.engine === 'ws' ? await runWs(config, n, k) : await runWskit(config, n, k);
  const after = await rss();
  process.stdout.write(JSON.stringify({ n: alive.length, rss: (after - before) / n }));
}

function main(): void {
  const n = Number(process.argv[2] ?? 1000);
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`.padStart(14);
  const measure = (i: number, k: number): number => {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--child', String(i), String(n), String(k)],
      { encoding: 'utf8' },
    );
    return (JSON.parse(out) as { rss: number }).rss;
  };
  console.log(
    `RSS per connection, ${n} connections, Node ${process.version}, zlib ${process.versions.zlib}`,
  );
  console.log(
    `${'configuration'.padEnd(46)}${'1 message'.padStart(14)}${'32 messages'.padStart(14)}`,
  );
  for (let i = 0; i < CONFIGURATIONS.length; i++) {
    console.log(`${CONFIGURATIONS[i]!.name.padEnd(46)}${kib(measure(i, 1))}${kib(measure(i, 32))}`);
  }
}

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
} else {
  main();
}
