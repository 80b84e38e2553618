// End-to-end benchmark of permessage-deflate on the server: wskit's WebSocketServer against ws's,
// both echoing with compression on, driven by the C load generator. Settings: `defaults` (each
// library's own: ws keeps its compression context, wskit's server resets it), `context-takeover`
// (both keep it), `no-context-takeover` (both reset it, both ways).
//
//   bash bench/setup.sh                         # builds bench/.instruments/wsload (with zlib)
//   node node_modules/typescript/bin/tsc -p tsconfig.json
//   ulimit -n 8192 && node build/bench/deflate-echo.js [--reps 5] [--duration 10] [--warmup 3]
//       [--conns 1000] [--size 1k] [--payload json|alphabet]
//       [--setting defaults|context-takeover|no-context-takeover|all]
//       [--load-cpu 0] [--server-cpu 1]
//
// For each setting and repetition, wskit then ws (interleaved: wskit, ws, wskit, ws, ...): a fresh
// server process (bench/deflate-echo-server.ts) pinned to --server-cpu, then
// `wsload -c CONNS -s SIZE -w 1 --json-text --deflate` (`-t` with --payload alphabet) pinned to
// --load-cpu: every connection keeps one text message of JSON-like records (random values; see
// bench/instruments/wsload-json-text.patch) in flight; wsload sends it uncompressed (RFC 7692
// allows it) and inflates the
// compressed echo. Measured: echoed messages per second, the server's peak RSS (VmHWM from
// /proc/PID/status: the kernel's high-water mark over the whole run, handshakes included), its
// CPU use, and wsload's (1.0 would mean wsload, not the server, was the limit). Each repetition
// gives the ratios wskit/ws of the pair run back to back; the medians of those are the result.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The parts of bench/.instruments/lib.js (the shared drivers' helpers) used here. */
interface ServerProcess {
  readonly pid: number;
  output(): string;
}

interface InstrumentLib {
  startServer(cmd: string, options: { port: number; cpu: string }): ServerProcess;
  waitPort(port: number, child: ServerProcess): Promise<void>;
  stop(child: ServerProcess): Promise<void>;
  sleep(ms: number): Promise<void>;
  cpuSeconds(pid: number): number;
  rssKiB(pid: number): number;
  run(argv: string[], options: { timeoutMs: number }): Promise<{ code: number; stdout: string }>;
  pinned(cpu: string, argv: string[]): string[];
  median(values: number[]): number;
  freshPort(): number;
}

interface Options {
  reps: number;
  duration: number;
  warmup: number;
  conns: number;
  size: string;
  /** wsload's text: `json` (JSON-like records, --json-text) or `alphabet` (-t). */
  payload: 'json' | 'alphabet';
  settings: string[];
  loadCpu: string;
  serverCpu: string;
}

interface Run {
  msgsPerSecond: number;
  /** KiB. */
  peakRss: number;
  /** KiB, once listening, before any connection. */
  idleRss: number;
  serverCpu: number;
  loadCpu: number;
  errors: number;
  open: number;
  deflateConns: number;
}

const SERVERS = ['wskit', 'ws'] as const;
const ALL_SETTINGS = ['defaults', 'context-takeover', 'no-context-takeover'];
const root = fileURLToPath(new URL('../../', import.meta.url));
const instruments = `${root}bench/.instruments`;

function parseArgs(argv: string[]): Options {
  const options: Options = {
    reps: 5,
    duration: 10,
    warmup: 3,
    conns: 1000,
    size: '1k',
    payload: 'json',
    settings: ALL_SETTINGS,
    loadCpu: '0',
    serverCpu: '1',
  };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${argv[i]} needs a value`);
    i++;
    switch (argv[i - 1]) {
      case '--reps':
        options.reps = Number(value);
        break;
      case '--duration':
        options.duration = Number(value);
        break;
      case '--warmup':
        options.warmup = Number(value);
        break;
      case '--conns':
        options.conns = Number(value);
        break;
      case '--size':
        options.size = value;
        break;
      case '--payload':
        if (value !== 'json' && value !== 'alphabet') throw new Error('--payload json|alphabet');
        options.payload = value;
        break;
      case '--setting':
        options.settings = value === 'all' ? ALL_SETTINGS : [value];
        break;
      case '--load-cpu':
        options.loadCpu = value;
        break;
      case '--server-cpu':
        options.serverCpu = value;
        break;
      default:
        throw new Error(`unknown option ${argv[i - 1]}`);
    }
  }
  return options;
}

function highWaterKiB(pid: number): number {
  const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]);
}

async function once(lib: InstrumentLib, o: Options, server: string, setting: string) {
  const port = lib.freshPort();
  const script = `${root}build/bench/deflate-echo-server.js`;
  const child = lib.startServer(`node ${script} ${server} ${setting}`, { port, cpu: o.serverCpu });
  try {
    await lib.waitPort(port, child);
    await lib.sleep(300);
    const idleRss = lib.rssKiB(child.pid);
    const cpu0 = lib.cpuSeconds(child.pid);
    const t0 = process.hrtime.bigint();
    const text = o.payload === 'json' ? '--json-text' : '-t';
    const args = ['-p', String(port), '-c', String(o.conns), '-s', o.size, '-w', '1', text];
    args.push('--deflate', '-d', String(o.duration), '-W', String(o.warmup), '--json');
    const load = await lib.run(lib.pinned(o.loadCpu, [`${instruments}/wsload`, ...args]), {
      timeoutMs: (o.duration + o.warmup + 60) * 1000,
    });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const serverCpu = (lib.cpuSeconds(child.pid) - cpu0) / wall;
    const peakRss = highWaterKiB(child.pid);
    const line = load.stdout.split('\n').find((l) => l.startsWith('{'));
    if (line === undefined) throw new Error(`wsload printed no result:\n${load.stdout}`);
    const r = JSON.parse(line) as Record<string, number>;
    return {
      msgsPerSecond: r.msgs_per_s ?? Number.NaN,
      peakRss,
      idleRss,
      serverCpu,
      loadCpu: r.cpu ?? Number.NaN,
      errors: r.errors ?? Number.NaN,
      open: r.open ?? Number.NaN,
      deflateConns: r.deflate_conns ?? Number.NaN,
    } satisfies Run;
  } finally {
    await lib.stop(child);
  }
}

const mib = (kib: number) => (kib / 1024).toFixed(0);
const k = (n: number) => `${(n / 1000).toFixed(1)} k`;

function summary(lib: InstrumentLib, runs: Record<string, Run[]>) {
  const pick = (server: string, f: (r: Run) => number) => lib.median(runs[server]!.map(f));
  const ratios = (f: (r: Run) => number) => {
    const values = runs.wskit!.map((r, i) => f(r) / f(runs.ws![i]!)).sort((a, b) => a - b);
    return { median: lib.median(values), min: values[0]!, max: values.at(-1)! };
  };
  return { pick, ratios };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(`${instruments}/wsload`)) {
    throw new Error('bench/.instruments/wsload is missing: run bash bench/setup.sh first');
  }
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString());
  if (limit < o.conns + 64) {
    throw new Error(`ulimit -n is ${limit}: raise it above ${o.conns + 64} (ulimit -n 8192)`);
  }
  const lib = createRequire(import.meta.url)(`${instruments}/lib.js`) as InstrumentLib;
  console.error(
    `deflate-echo: ${o.conns} connections, ${o.size} text, window 1, ${o.reps} × (${o.warmup} s warm-up + ${o.duration} s)`,
  );
  for (const setting of o.settings) {
    const runs: Record<string, Run[]> = { wskit: [], ws: [] };
    for (let rep = 0; rep < o.reps; rep++) {
      for (const server of SERVERS) {
        const run = await once(lib, o, server, setting);
        runs[server]!.push(run);
        console.error(
          `  ${setting} rep ${rep + 1} ${server}: ${k(run.msgsPerSecond)} msgs/s, peak RSS ${mib(run.peakRss)} MiB, server cpu ${run.serverCpu.toFixed(2)}, wsload cpu ${run.loadCpu.toFixed(2)}, errors ${run.errors}, deflate ${run.deflateConns}/${run.open}`,
        );
      }
    }
    const { pick, ratios } = summary(lib, runs);
    console.log(`\n### ${setting}\n`);
    console.log(
      '| server | msgs/s | peak RSS (MiB) | idle RSS (MiB) | server cpu | wsload cpu | errors |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const server of SERVERS) {
      console.log(
        `| ${server} | ${k(pick(server, (r) => r.msgsPerSecond))} | ${mib(pick(server, (r) => r.peakRss))} | ${mib(pick(server, (r) => r.idleRss))} | ${pick(server, (r) => r.serverCpu).toFixed(2)} | ${pick(server, (r) => r.loadCpu).toFixed(2)} | ${pick(server, (r) => r.errors)} |`,
      );
    }
    const speed = ratios((r) => r.msgsPerSecond);
    const memory = ratios((r) => r.peakRss);
    const met = speed.median >= 1 && memory.median <= 0.7;
    console.log(
      `\nwskit/ws msgs/s: **${speed.median.toFixed(2)}** (${speed.min.toFixed(2)}–${speed.max.toFixed(2)}); ` +
        `peak RSS: **${memory.median.toFixed(2)}** (${memory.min.toFixed(2)}–${memory.max.toFixed(2)}). ` +
        `Target (≥ 1.00 and ≤ 0.70): ${met ? 'met' : 'not met'}.`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
