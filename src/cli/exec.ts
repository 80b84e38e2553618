/**
 * `wskit exec -- COMMAND [ARGS...]`: every connection runs the program (no shell). Each line it
 * writes to stdout is a text message; each text message received is a line on its stdin. The
 * program's end closes the connection (1000 after exit status 0, 1011 otherwise); the
 * connection's end stops the program (SIGTERM, then SIGKILL after `--grace` seconds).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { type ServerWebSocket, UpgradeRejection, WebSocketServer } from '../server/index.js';
import type { ExecCommand } from './args.js';
import { cgiEnvironment } from './cgi-env.js';
import { type CliIo, EXIT, reportError } from './io.js';
import { LineSplitter } from './lines.js';
import { banner, exitOnSignal, peerOf, StartError, startListener } from './listener.js';
import { createLog, createStyle, describeClose, type Style, useColor } from './output.js';
import { notFound } from './static-files.js';
import { createPageHandler } from './static-page.js';
import { packageVersion } from './version.js';

/** The longest stderr line passed through before it is cut. */
const MAX_STDERR_LINE = 64 * 1024;

/** A place for one program, taken during the handshake and given back when it is over. */
interface Slot {
  started: boolean;
  release(): void;
}

/** Counts programs against `--max-processes`; upgrades past it get 503. */
class Slots {
  private running = 0;
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** The `authenticate` hook: a slot, or a 503 rejection. */
  reserve(request: IncomingMessage): Slot {
    if (this.running >= this.max) {
      throw new UpgradeRejection(503, {
        headers: { 'Retry-After': '1' },
        body: `Too many processes (--max-processes ${this.max})`,
      });
    }
    this.running++;
    let released = false;
    const slot: Slot = {
      started: false,
      release: () => {
        if (released) return;
        released = true;
        this.running--;
      },
    };
    // A handshake that fails after this hook never starts a program.
    request.socket.once('close', () => {
      if (!slot.started) slot.release();
    });
    return slot;
  }
}

/** Signals the program's process group (it leads one), so that what it started stops too. */
function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, name);
  } catch {
    child.kill(name);
  }
}

interface Session {
  readonly command: ExecCommand;
  readonly io: CliIo;
  readonly style: Style;
  readonly log: (line: string) => void;
  readonly env: Record<string, string>;
}

/** Runs the program for one connection and ties their ends together. */
function runProgram(session: Session, socket: ServerWebSocket<Slot>, peer: string): ChildProcess {
  const { command, io, style, log } = session;
  const slot = socket.data;
  slot.started = true;
  // Its own process group: Ctrl-C on wskit's terminal reaches wskit, which closes the
  // connections (1001) and then stops the programs.
  const child = spawn(command.command, command.args, {
    env: session.env,
    stdio: 'pipe',
    detached: true,
  });
  const tag = style.dim(`[${peer} pid ${child.pid ?? '-'}]`);
  let exited = false;
  let startError: Error | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  if (child.pid !== undefined) log(`${style.green('+')} ${peer} started pid ${child.pid}`);

  const out = new LineSplitter(command.maxPayload);
  const sendLine = (line: string) => {
    if (socket.readyState === socket.OPEN && !socket.send(line)) child.stdout.pause();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    for (const line of out.push(chunk)) sendLine(line);
  });
  child.stdout.on('end', () => {
    const rest = out.end();
    if (rest !== null) sendLine(rest);
  });
  socket.on('drain', () => child.stdout.resume());

  const err = new LineSplitter(MAX_STDERR_LINE);
  child.stderr.on('data', (chunk: Buffer) => {
    for (const line of err.push(chunk)) io.stderr.write(`${tag} ${line}\n`);
  });
  child.stderr.on('end', () => {
    const rest = err.end();
    if (rest !== null) io.stderr.write(`${tag} ${rest}\n`);
  });

  // The program may stop reading (or exit) while messages still arrive: EPIPE is expected.
  child.stdin.on('error', () => {});
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      // RFC 6455 §7.4.1: 1003, "an endpoint that understands only text data".
      socket.close(1003, 'Only text messages are accepted');
      return;
    }
    if (!child.stdin.writable) return;
    child.stdin.write(data as Buffer);
    if (!child.stdin.write('\n')) {
      socket.pause();
      child.stdin.once('drain', () => socket.resume());
    }
  });

  child.on('error', (error) => {
    startError ??= error;
    reportError(io, `cannot run ${command.command}: ${error.message}`);
  });
  child.on('close', (code, killedBy) => {
    exited = true;
    clearTimeout(killTimer);
    slot.release();
    const how =
      startError !== null
        ? 'could not start'
        : code !== null
          ? `exit status ${code}`
          : `killed by ${killedBy}`;
    if (child.pid !== undefined) log(`${style.yellow('-')} ${peer} pid ${child.pid}: ${how}`);
    if (socket.readyState === socket.OPEN) {
      socket.close(code === 0 ? 1000 : 1011, code === 0 ? '' : `Program ${how}`);
    }
  });

  socket.on('close', (code, reason) => {
    log(`${style.yellow('-')} ${peer} closed ${describeClose(code, reason.toString())}`);
    if (exited) return;
    child.stdin.end();
    signal(child, 'SIGTERM');
    killTimer = setTimeout(() => signal(child, 'SIGKILL'), command.grace * 1000);
  });
  return child;
}

/** The environment given to every program, before the request's own variables. */
function baseEnvironment(io: CliIo): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(io.env)) if (value !== undefined) env[name] = value;
  return env;
}

export async function runExec(command: ExecCommand, io: CliIo): Promise<number> {
  const style = createStyle(useColor(io.stdout, io.env));
  const log = createLog(io.stdout, style);
  const page = createPageHandler({ wsPath: command.path });
  let listener: Awaited<ReturnType<typeof startListener>>;
  try {
    listener = await startListener(command, (req, res) => {
      if (!page(req, res)) notFound(res);
    });
  } catch (error) {
    if (!(error instanceof StartError)) throw error;
    reportError(io, error.message);
    return EXIT.failure;
  }
  const slots = new Slots(command.maxProcesses);
  const wss = new WebSocketServer<Slot>({
    server: listener.server,
    path: command.path,
    maxPayload: command.maxPayload,
    authenticate: (request) => slots.reserve(request),
  });
  wss.on('error', (error) => reportError(io, `server error: ${error.message}`));
  const base = baseEnvironment(io);
  const server = { host: command.host, port: listener.port, software: `wskit/${packageVersion()}` };
  const running = new Set<Promise<unknown>>();
  wss.on('connection', (socket, request) => {
    const cgi = cgiEnvironment(
      {
        url: request.url ?? '/',
        headers: request.headers,
        remoteAddress: request.socket.remoteAddress ?? '',
        remotePort: request.socket.remotePort ?? 0,
        secure: (request.socket as TLSSocket).encrypted === true,
      },
      server,
    );
    const session = { command, io, style, log, env: { ...base, ...cgi } };
    const child = runProgram(session, socket, peerOf(request));
    const ended = once(child, 'close').catch(() => {});
    running.add(ended);
    void ended.then(() => running.delete(ended));
  });

  const what = [command.command, ...command.args].join(' ');
  io.stdout.write(banner(`wskit exec: ${what}`, listener, style));

  return exitOnSignal(
    io,
    (name) => log(`${name}: closing ${wss.clients.size} connection(s) with 1001`),
    async () => {
      await wss.close({ timeout: 5000 });
      await listener.close();
      // Programs end after their connections: SIGTERM at once, SIGKILL after the grace period.
      await Promise.all(running);
    },
  );
}
