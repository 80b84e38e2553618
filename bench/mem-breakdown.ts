// Where the memory of idle connections is: the servers of `bench/run-mem.sh` (and the bare
// node:http upgrade of bench/servers/http-upgrade.ts), each holding N idle connections, with
// the growth of RSS split into V8's young generation, its old generation, the rest of the V8
// heap and what lies outside it, per connection, at given times after the last handshake.
//
//   bash bench/setup.sh && node node_modules/typescript/bin/tsc -p tsconfig.json
//   ulimit -n 20000 && node build/bench/mem-breakdown.js [--conns 10000] [--at 3,20]
//       [--servers raw-tcp,http-upgrade,ws,wskit] [--gc] [--alloc N]
//
// As run-mem does: start the server, 100 connections for 0.5 s, 1 s of rest, a first sample,
// then `wsload --idle -c N`, and a sample at each --at second after wsload reports them open.
// Samples come from bench/mem-probe.ts inside the server (SIGUSR2). --gc runs a full garbage
// collection before each sample after the first (node --expose-gc): what stays is not garbage.
// --alloc N runs V8's sampling heap profiler from the first sample to the second and prints the
// bytes allocated per connection, garbage included, and the N functions that allocate most (the
// profiler costs memory of its own: the RSS columns of such a run are not comparable).
// "committed" is what V8 has reserved and may have touched; "outside" is RSS minus all that V8
// has committed (native socket state, malloc), negative when committed pages were never touched.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ServerProcess {
  readonly pid: number;
}

interface InstrumentLib {
  startServer(
    cmd: string,
    options: { port: number; cpu: string; extraEnv: Record<string, string> },
  ): ServerProcess;
  waitPort(port: number, child: ServerProcess): Promise<void>;
  stop(child: ServerProcess): Promise<void>;
  sleep(ms: number): Promise<void>;
  rssKiB(pid: number): number;
  freshPort(): number;
}

interface Sample {
  rss: number;
  memory: NodeJS.MemoryUsage;
  spaces: Record<string, { committed: number; used: number }>;
  /** Sampled bytes allocated by each function (`--alloc`). */
  alloc?: Record<string, number>;
}

interface Options {
  conns: number;
  at: number[];
  servers: string[];
  gc: boolean;
  alloc: number;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const instruments = `${root}bench/.instruments`;
const SERVERS: Record<string, { cmd: string; raw?: boolean }> = {
  'raw-tcp': { cmd: `${instruments}/servers/raw-echo.js`, raw: true },
  'http-upgrade': { cmd: `${root}build/bench/servers/http-upgrade.js` },
  ws: { cmd: `${instruments}/servers/ws-echo.js` },
  wskit: { cmd: `${root}build/bench/servers/echo-server.js` },
};

function parseArgs(argv: string[]): Options {
  const options: Options = {
    conns: 10000,
    at: [3, 20],
    servers: Object.keys(SERVERS),
    gc: false,
    alloc: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--gc') {
      options.gc = true;
      continue;
    }
    const value = argv[++i] ?? '';
    if (arg === '--conns') options.conns = Number(value);
    else if (arg === '--at') options.at = value.split(',').map(Number);
    else if (arg === '--servers') options.servers = value.split(',');
    else if (arg === '--alloc') options.alloc = Number(value);
    else throw new Error(`unknown argument ${arg}`);
  }
  for (const name of options.servers) if (!(name in SERVERS)) throw new Error(`no server ${name}`);
  return options;
}

/** `wsload --idle`: resolves `ready` with the number of open connections. */
function idle(port: number, conns: number, raw: boolean, seconds: number) {
  const args = ['-p', String(port), '-c', String(conns), '--idle', '-d', String(seconds)];
  const child = spawn(`${instruments}/wsload`, raw ? [...args, '--raw'] : args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const ready = new Promise<number>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      const m = /ready (\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.on('exit', () => resolve(0));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { child, ready, exited };
}

async function measure(lib: InstrumentLib, name: string, options: Options) {
  const { conns, at, gc } = options;
  const server = SERVERS[name]!;
  const file = join(tmpdir(), `mem-probe-${process.pid}-${name}.jsonl`);
  rmSync(file, { force: true });
  const port = lib.freshPort();
  const flags = gc ? '--expose-gc ' : '';
  const child = lib.startServer(
    `node ${flags}--import ${root}build/bench/mem-probe.js ${server.cmd}`,
    {
      port,
      cpu: '',
      extraEnv: {
        MEM_PROBE_FILE: file,
        ...(gc ? { MEM_PROBE_GC: '1' } : {}),
        ...(options.alloc > 0 ? { MEM_PROBE_ALLOC: '1' } : {}),
      },
    },
  );
  const samples: Sample[] = [];
  const sample = async (): Promise<void> => {
    process.kill(child.pid, 'SIGUSR2');
    for (;;) {
      await lib.sleep(50);
      const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
      if (lines.length > samples.length && lines[samples.length] !== '') {
        const parsed = JSON.parse(lines[samples.length]!) as Omit<Sample, 'rss'>;
        samples.push({ ...parsed, rss: lib.rssKiB(child.pid) * 1024 });
        return;
      }
    }
  };
  try {
    await lib.waitPort(port, child);
    await idle(port, 100, server.raw === true, 0.5).exited;
    await lib.sleep(1000);
    await sample();
    const load = idle(port, conns, server.raw === true, 600);
    const open = await load.ready;
    const ready = Date.now();
    for (const t of at) {
      await lib.sleep(Math.max(0, ready + t * 1000 - Date.now()));
      await sample();
    }
    load.child.kill('SIGTERM');
    await load.exited;
    return { open, samples };
  } finally {
    await lib.stop(child);
    rmSync(file, { force: true });
  }
}

function row(name: string, t: number, open: number, base: Sample, s: Sample): string {
  const per = (bytes: number) => Math.round(bytes / open);
  const space = (n: string, k: 'committed' | 'used') =>
    (s.spaces[n]?.[k] ?? 0) - (base.spaces[n]?.[k] ?? 0);
  const young = ['new_space', 'new_large_object_space'];
  const old = ['old_space'];
  const sum = (names: string[], k: 'committed' | 'used') =>
    names.reduce((total, n) => total + space(n, k), 0);
  const heap = s.memory.heapTotal - base.memory.heapTotal;
  const other = heap - sum(young, 'committed') - sum(old, 'committed');
  const cells = [
    name,
    String(t),
    String(per(s.rss - base.rss)),
    `${per(sum(young, 'committed'))} / ${per(sum(young, 'used'))}`,
    `${per(sum(old, 'committed'))} / ${per(sum(old, 'used'))}`,
    String(per(other)),
    String(per(s.rss - base.rss - heap)),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** What one server allocated per connection while they opened, and where, from the profiler. */
function allocationTable(name: string, open: number, alloc: Record<string, number>, top: number) {
  const entries = Object.entries(alloc).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, bytes]) => sum + bytes, 0);
  const lines = [
    `${name}: ${Math.round(total / open)} bytes allocated per connection (sampled)`,
    '| function | bytes/conn |',
    '| --- | --: |',
    ...entries.slice(0, top).map(([fn, bytes]) => `| ${fn} | ${Math.round(bytes / open)} |`),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const lib = createRequire(import.meta.url)(`${instruments}/lib.js`) as InstrumentLib;
  console.log(
    `${options.conns} idle connections; bytes per connection, growth since before them` +
      (options.gc ? '; a full GC before each sample' : ''),
  );
  console.log(
    '| server | s after | RSS | young gen. committed / used | old gen. committed / used | rest of V8 heap | outside V8 heap |',
  );
  console.log('| --- | --: | --: | --: | --: | --: | --: |');
  const allocations: string[] = [];
  for (const name of options.servers) {
    const { open, samples } = await measure(lib, name, options);
    options.at.forEach((t, i) => {
      console.log(row(name, t, open, samples[0]!, samples[i + 1]!));
    });
    const alloc = samples[1]?.alloc;
    if (alloc !== undefined) allocations.push(allocationTable(name, open, alloc, options.alloc));
  }
  for (const table of allocations) console.log(`\n${table}`);
}

await main();
