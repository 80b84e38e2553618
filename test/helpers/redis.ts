// A real redis-server for the cross-process tests: on 127.0.0.1 and a free port, nothing saved to
// disk, stopped by its PID. And wskit server processes (test/helpers/pubsub-node.ts) driven over
// IPC.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REDIS_SERVER = '/usr/bin/redis-server';
/** The reason to skip, or false when redis-server is there. */
export const skipWithoutRedis: string | false = existsSync(REDIS_SERVER)
  ? false
  : 'redis-server is not installed (Debian: apt-get install redis-server)';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export class RedisServer {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server on `port` and resolves once it accepts connections. */
  async start(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start: ${output}`)),
        5000,
      );
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${output}`));
      });
    });
    child.stdout!.resume();
    child.removeAllListeners('exit');
  }

  /** Kills it by its PID (SIGKILL: a crash, nothing said to the clients) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(child.pid!, signal);
    await exited;
  }
}

/** Messages a wskit server process sends its parent. */
export type NodeEvent =
  | { type: 'ready'; port: number; processId: string }
  | { type: 'event'; name: 'down' | 'up' | 'error'; code?: string }
  | { type: 'reply'; id: number; value: unknown };

const script = fileURLToPath(new URL('./pubsub-node.js', import.meta.url));

/** A wskit server process on Redis, driven over IPC. */
export class WskitNode {
  readonly events: NodeEvent[] = [];
  port = 0;
  processId = '';
  private nextId = 0;
  private readonly waiting = new Map<number, (value: unknown) => void>();
  private readonly child: ChildProcess;

  private constructor(redisUrl: string, presenceTtl: number) {
    this.child = fork(script, [redisUrl, String(presenceTtl)], { stdio: 'inherit' });
    this.child.on('message', (message: NodeEvent) => {
      if (message.type === 'reply') {
        this.waiting.get(message.id)?.(message.value);
        this.waiting.delete(message.id);
      } else {
        this.events.push(message);
      }
    });
  }

  static async start(redisUrl: string, presenceTtl: number): Promise<WskitNode> {
    const node = new WskitNode(redisUrl, presenceTtl);
    const ready = await node.waitFor((e) => e.type === 'ready', 10_000);
    if (ready.type === 'ready') {
      node.port = ready.port;
      node.processId = ready.processId;
    }
    return node;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Runs a command in the process: publish, presence, stats, count. */
  call<T>(cmd: string, ...args: unknown[]): Promise<T> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as (value: unknown) => void);
      this.child.send({ id, cmd, args });
    });
  }

  /** The first event (seen or to come) that matches. */
  async waitFor(match: (event: NodeEvent) => boolean, timeout = 10_000): Promise<NodeEvent> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = this.events.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error('event not seen in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Kills the process at once (no clean-up: presence must expire by itself). */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    process.kill(this.child.pid!, 'SIGKILL');
    await exited;
  }

  /** Asks the process to close its server (and adapter) and exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.send({ id: 0, cmd: 'exit', args: [] });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
