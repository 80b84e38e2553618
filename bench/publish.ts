// Publish benchmark: one 128-byte message to every one of 10,000 subscribers, wskit's
// `server.publish` next to ws's `for (const c of wss.clients) c.send(m)` loop and a raw ceiling
// (one pre-built frame, `socket.write(frame)` on every net.Socket), in interleaved repetitions of
// one run; then two wskit processes on Redis. Deliveries are counted by the receiving side,
// `wsload --sink --stamp` (the C instruments: run bench/setup.sh first).
//
//   node build/bench/publish.js [--reps 3] [--duration 4] [--warmup 1] [--conns 10000]
//                               [--bursts 1,4,16] [--libs wskit,ws,raw] [--no-redis]
//                               [--prof DIR]
//
// The Redis scenarios run the same bursts, and one paced publish every 250 ms for latency.
// `--prof DIR` runs every server under `node --cpu-prof` and writes its profile into DIR.
//
// Each server runs in a process of its own, pinned to CPU 1, and wsload to CPU 0. A server
// publishes `burst` messages per event-loop turn for as long as the sinks keep up: before each
// turn it looks at the send buffers of 100 of its sockets and waits while one holds over 256 KiB,
// so that no publisher queues without bound. Every payload begins with the time it was
// published (CLOCK_MONOTONIC, 8 bytes little-endian), from which wsload measures latency.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const SIZE = 128;
const TOPIC = 'bench';
const HIGH_WATER = 256 * 1024;
/** The paced Redis scenario: one publish every this many ms, for latency below saturation. */
const PACED_INTERVAL = 250;
const wsload = fileURLToPath(new URL('../../bench/.instruments/wsload', import.meta.url));

// ---- the server process: `publish.js serve LIB PORT BURST [REDIS_URL]` ----

interface Publisher {
  /** Publishes one message to every client. */
  publish(message: Buffer): void;
  /** Some sockets' buffered bytes, to pace the publisher. */
  backlog(): number;
}

async function serve(
  lib: string,
  port: number,
  burst: number,
  interval: number,
  redisUrl?: string,
): Promise<void> {
  const publisher =
    lib === 'ws'
      ? await wsPublisher(port)
      : lib === 'raw'
        ? await rawPublisher(port)
        : await wskitPublisher(port, redisUrl);
  let running = false;
  const turn = (): void => {
    if (!running) return;
    if (publisher.backlog() > HIGH_WATER) {
      setTimeout(turn, 1);
      return;
    }
    for (let i = 0; i < burst; i++) {
      const message = Buffer.alloc(SIZE, 0x61);
      message.writeBigUInt64LE(process.hrtime.bigint(), 0);
      publisher.publish(message);
    }
    setImmediate(turn);
  };
  // Paced: `burst` messages every `interval` ms, well below saturation, for latency alone.
  const paced = (): void => {
    for (let i = 0; i < burst; i++) {
      const message = Buffer.alloc(SIZE, 0x61);
      message.writeBigUInt64LE(process.hrtime.bigint(), 0);
      publisher.publish(message);
    }
  };
  process.on('message', (command: string) => {
    if (command === 'go' && !running) {
      running = true;
      if (interval > 0) setInterval(paced, interval);
      else turn();
    } else if (command === 'stop') {
      process.exit(0);
    }
  });
  process.send!('listening');
}

async function wskitPublisher(port: number, redisUrl?: string): Promise<Publisher> {
  const { WebSocketServer, createRedisAdapter } = await import('../src/index.js');
  const wss = new WebSocketServer({ port, host: '127.0.0.1', backlog: 4096 });
  const listening = once(wss, 'listening');
  if (redisUrl !== undefined) await wss.useAdapter(await createRedisAdapter({ url: redisUrl }));
  const sample: { bufferedAmount: number }[] = [];
  wss.on('connection', (socket) => {
    socket.subscribe(TOPIC);
    if (wss.clients.size % 100 === 0) sample.push(socket);
  });
  await listening;
  return {
    publish: (message) => wss.publish(TOPIC, message),
    backlog: () => maxBuffered(sample),
  };
}

async function wsPublisher(port: number): Promise<Publisher> {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({
    port,
    host: '127.0.0.1',
    backlog: 4096,
    perMessageDeflate: false,
  });
  const sample: { bufferedAmount: number }[] = [];
  wss.on('connection', (socket) => {
    if (wss.clients.size % 100 === 0) sample.push(socket);
  });
  await once(wss, 'listening');
  return {
    publish: (message) => {
      for (const client of wss.clients) client.send(message);
    },
    backlog: () => maxBuffered(sample),
  };
}

/**
 * The ceiling: no WebSocket library at all once the handshake is done. The upgrade is answered
 * with wskit's handshake functions; then each message is framed once (one unmasked frame) and
 * written with a plain `socket.write(frame)` to every `net.Socket`, one write per socket and
 * message: what any Node library pays at the least for one message per turn.
 */
async function rawPublisher(port: number): Promise<Publisher> {
  const { createServer: createHttpServer } = await import('node:http');
  const { validateClientRequest, buildAcceptResponse } = await import('../src/handshake/server.js');
  const { encodeFrame, Opcode } = await import('../src/index.js');
  const sockets: Socket[] = [];
  const sample: { bufferedAmount: number }[] = [];
  const server = createHttpServer();
  server.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    const check = validateClientRequest(request);
    if (!check.ok) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.resume(); // the sinks send nothing but their close; it is not read
    socket.write(buildAcceptResponse({ key: check.key }));
    sockets.push(socket);
    if (sockets.length % 100 === 0) {
      sample.push({
        get bufferedAmount() {
          return socket.writableLength;
        },
      });
    }
  });
  server.listen({ port, host: '127.0.0.1', backlog: 4096 });
  await once(server, 'listening');
  const options = { fin: true, rsv: 0, mask: false };
  return {
    publish: (message) => {
      const frame = encodeFrame(Opcode.Binary, message, options)[0]!;
      for (const socket of sockets) socket.write(frame);
    },
    backlog: () => maxBuffered(sample),
  };
}

function maxBuffered(sockets: { bufferedAmount: number }[]): number {
  let max = 0;
  for (const s of sockets) if (s.bufferedAmount > max) max = s.bufferedAmount;
  return max;
}

// ---- the driver ----

interface Result {
  msgs_per_s: number;
  p50_us: number;
  p99_us: number;
  errors: number;
  cpu: number;
  open: number;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A server process; `pin` moves it to its CPU once it listens. */
function startServer(args: string[], prof?: string): ChildProcess {
  return fork(fileURLToPath(import.meta.url), ['serve', ...args], {
    execArgv: prof === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Runs one wsload --sink; resolves once it printed `ready`, and with its result at the end. */
function sink(port: number, conns: number, duration: number, warmup: number) {
  const child = spawn(
    'taskset',
    [
      '-c',
      '0',
      wsload,
      '-p',
      String(port),
      '-c',
      String(conns),
      '--sink',
      '--stamp',
      '-d',
      String(duration),
      '-W',
      String(warmup),
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    readyResolve = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('ready ')) readyResolve();
  });
  const result = once(child, 'exit').then(() => {
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (line === undefined) throw new Error(`wsload printed no result: ${out}`);
    return JSON.parse(line) as Result;
  });
  return { ready, result };
}

/** Ends a server; with --prof it exits by itself, which writes its profile. */
async function stop(server: ChildProcess, opts: Options): Promise<void> {
  if (opts.prof === undefined) {
    server.kill('SIGKILL');
    return;
  }
  const exited = once(server, 'exit');
  server.send('stop');
  await exited;
}

async function pin(child: ChildProcess, cpu: string): Promise<void> {
  const tasks = spawn('taskset', ['-a', '-p', '-c', cpu, String(child.pid)], { stdio: 'ignore' });
  await once(tasks, 'exit');
}

async function single(lib: string, burst: number, opts: Options): Promise<Result> {
  const port = await freePort();
  const server = startServer([lib, String(port), String(burst), '0'], opts.prof);
  await once(server, 'message');
  await pin(server, '1');
  const { ready, result } = sink(port, opts.conns, opts.duration, opts.warmup);
  await ready;
  server.send('go');
  const r = await result;
  await stop(server, opts);
  return r;
}

async function onRedis(
  burst: number,
  interval: number,
  opts: Options,
): Promise<Result & { a: Result; b: Result }> {
  const redisPort = await freePort();
  const redis = spawn(
    'taskset',
    [
      '-c',
      '1',
      '/usr/bin/redis-server',
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const url = `redis://127.0.0.1:${redisPort}`;
  const [pa, pb] = [await freePort(), await freePort()];
  // A publishes; B only relays what comes from Redis to its own subscribers.
  const a = startServer(['wskit', String(pa), String(burst), String(interval), url]);
  const b = startServer(['wskit', String(pb), '0', '0', url]);
  await Promise.all([once(a, 'message'), once(b, 'message')]);
  await Promise.all([pin(a, '1'), pin(b, '1')]);
  const half = Math.floor(opts.conns / 2);
  const sa = sink(pa, half, opts.duration, opts.warmup);
  const sb = sink(pb, opts.conns - half, opts.duration, opts.warmup);
  await Promise.all([sa.ready, sb.ready]);
  a.send('go');
  const [ra, rb] = await Promise.all([sa.result, sb.result]);
  a.kill('SIGKILL');
  b.kill('SIGKILL');
  redis.kill('SIGKILL');
  return {
    msgs_per_s: ra.msgs_per_s + rb.msgs_per_s,
    p50_us: rb.p50_us,
    p99_us: rb.p99_us,
    errors: ra.errors + rb.errors,
    cpu: Math.max(ra.cpu, rb.cpu),
    open: ra.open + rb.open,
    a: ra,
    b: rb,
  };
}

interface Options {
  reps: number;
  duration: number;
  warmup: number;
  conns: number;
  bursts: number[];
  redis: boolean;
  libs: string[];
  /** Write each server's CPU profile (`node --cpu-prof`) into this folder. */
  prof: string | undefined;
}

function parse(argv: string[]): Options {
  const value = (name: string, fallback: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  return {
    reps: Number(value('--reps', '3')),
    duration: Number(value('--duration', '4')),
    warmup: Number(value('--warmup', '1')),
    conns: Number(value('--conns', '10000')),
    bursts: value('--bursts', '1,4,16').split(',').map(Number),
    redis: !argv.includes('--no-redis') && existsSync('/usr/bin/redis-server'),
    libs: value('--libs', 'wskit,ws,raw').split(','),
    prof: argv.includes('--prof') ? value('--prof', '') : undefined,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor((s.length - 1) / 2)]!;
};
const k = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`;
const ms = (us: number): string => (us / 1000).toFixed(1);

async function drive(opts: Options): Promise<void> {
  if (!existsSync(wsload))
    throw new Error('bench/.instruments/wsload is missing: run bench/setup.sh');
  const libs = opts.libs;
  // Every library against ws and against the raw ceiling, when they run.
  const pairs: [string, string][] = [];
  for (const a of libs) {
    for (const b of ['ws', 'raw']) {
      if (a !== b && libs.includes(b) && !(a === 'ws' && b === 'raw')) pairs.push([a, b]);
    }
  }
  const rows: string[] = [
    `| burst | ${libs.map((l) => `${l} deliveries/s`).join(' | ')} | ${pairs.map(([a, b]) => `${a}/${b} (range)`).join(' | ')} | ${libs.map((l) => `${l} p50 / p99 ms`).join(' | ')} |`,
    `| ---: | ${[...libs, ...pairs, ...libs].map(() => '---:').join(' | ')} |`,
  ];
  for (const burst of opts.bursts) {
    const results = new Map<string, Result[]>(libs.map((l) => [l, []]));
    const ratios = pairs.map((): number[] => []);
    for (let rep = 0; rep < opts.reps; rep++) {
      const run = new Map<string, Result>();
      for (const lib of libs) {
        const r = await single(lib, burst, opts);
        run.set(lib, r);
        results.get(lib)!.push(r);
      }
      pairs.forEach(([a, b], i) => {
        ratios[i]!.push(run.get(a)!.msgs_per_s / run.get(b)!.msgs_per_s);
      });
      const line = libs.map((l) => {
        const r = run.get(l)!;
        return `${l} ${k(r.msgs_per_s)} (open ${r.open}, errors ${r.errors}, sink cpu ${r.cpu.toFixed(2)})`;
      });
      process.stderr.write(`burst ${burst} rep ${rep + 1}: ${line.join(', ')}\n`);
    }
    const of = (lib: string, field: keyof Result): number =>
      median(results.get(lib)!.map((r) => r[field]));
    const cells = [
      ...libs.map((l) => k(of(l, 'msgs_per_s'))),
      ...ratios.map(
        (r) =>
          `**${median(r).toFixed(2)}** (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`,
      ),
      ...libs.map((l) => `${ms(of(l, 'p50_us'))} / ${ms(of(l, 'p99_us'))}`),
    ];
    rows.push(`| ${burst} | ${cells.join(' | ')} |`);
  }
  console.log(`${opts.conns} subscribers, one process:\n`);
  console.log(rows.join('\n'));
  if (!opts.redis) return;
  const redisRows = [
    '| scenario | burst | deliveries/s (A + B) | A (publisher) | B (via Redis) | B p50 / p99 ms | A p50 / p99 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const scenarios = [
    ...opts.bursts.map((burst) => ({ burst, interval: 0, label: `${burst}` })),
    { burst: 1, interval: PACED_INTERVAL, label: `1 every ${PACED_INTERVAL} ms (paced)` },
  ];
  for (const { burst, interval, label } of scenarios) {
    const runs = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      const r = await onRedis(burst, interval, opts);
      runs.push(r);
      process.stderr.write(
        `redis burst ${label} rep ${rep + 1}: ${k(r.msgs_per_s)} (A ${k(r.a.msgs_per_s)}, B ${k(r.b.msgs_per_s)}, errors ${r.errors})\n`,
      );
    }
    redisRows.push(
      `| 2 processes × ${opts.conns / 2} subscribers, Redis | ${label} | ${k(median(runs.map((r) => r.msgs_per_s)))} | ${k(median(runs.map((r) => r.a.msgs_per_s)))} | ${k(median(runs.map((r) => r.b.msgs_per_s)))} | ${ms(median(runs.map((r) => r.b.p50_us)))} / ${ms(median(runs.map((r) => r.b.p99_us)))} | ${ms(median(runs.map((r) => r.a.p50_us)))} / ${ms(median(runs.map((r) => r.a.p99_us)))} |`,
    );
  }
  console.log(`\n${redisRows.join('\n')}`);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'serve') {
  const [lib, port, burst, interval, redisUrl] = rest;
  await serve(lib!, Number(port), Number(burst), Number(interval), redisUrl);
} else {
  await drive(parse(process.argv.slice(2)));
}
