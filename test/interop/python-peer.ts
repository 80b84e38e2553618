// Python's websockets (Debian python3-websockets) as a peer: its client, driven through JSON
// lines by test/interop/peers/server_peer.py, for the shared server interop suite; its server,
// test/interop/peers/echo_server.py, for the client's tests.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface, type Interface } from 'node:readline';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CloseSeen, Described, InteropPeer, Kind } from './server-suite.js';

const PYTHON = '/usr/bin/python3';
// Tests run from build/test/interop/; the peer scripts stay in the source tree.
const SCRIPT = fileURLToPath(
  new URL('../../../test/interop/peers/server_peer.py', import.meta.url),
);
const ECHO_SERVER = fileURLToPath(
  new URL('../../../test/interop/peers/echo_server.py', import.meta.url),
);

export function skipReason(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import websockets'], { stdio: 'ignore' });
  if (probe.status === 0) return undefined;
  return `${PYTHON} cannot import websockets: install python3-websockets (npm test does, as root)`;
}

export class PythonPeer implements InteropPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((line: string) => void)[] = [];
  private stderr = '';
  /** Offer permessage-deflate with the library's defaults; otherwise offer nothing. */
  private readonly compression: 'deflate' | null;

  constructor(compression: 'deflate' | null = null) {
    this.compression = compression;
    this.child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.pending.shift()?.(line));
    this.child.on('exit', () => {
      for (const waiter of this.pending.splice(0))
        waiter(JSON.stringify({ error: `exited: ${this.stderr}` }));
    });
  }

  private async call<T>(command: Record<string, unknown>): Promise<T> {
    const line = new Promise<string>((resolve) => this.pending.push(resolve));
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    const result = JSON.parse(await line) as T & { error?: string };
    if (result.error !== undefined) throw new Error(`python peer: ${result.error}`);
    return result;
  }

  async open(url: string, protocols: string[] = []) {
    const command = { op: 'open', url, protocols, compression: this.compression };
    return (await this.call<{ protocol: string }>(command)).protocol;
  }

  echo(kind: Kind, size: number) {
    return this.call<{ sha256: string; equal: boolean }>({ op: 'echo', kind, size });
  }

  echoFragments(kind: Kind, sizes: number[]) {
    return this.call<{ sha256: string; equal: boolean }>({ op: 'echo_fragments', kind, sizes });
  }

  async sendText(text: string) {
    await this.call({ op: 'send_text', text });
  }

  receive() {
    return this.call<Described>({ op: 'receive' });
  }

  async ping(data: string) {
    await this.call({ op: 'ping', data });
  }

  close(code: number, reason: string) {
    return this.call<CloseSeen>({ op: 'close', code, reason });
  }

  closed() {
    return this.call<CloseSeen>({ op: 'wait_closed' });
  }

  async dispose() {
    this.lines.close();
    this.child.stdin.end();
    this.child.kill();
  }
}

/**
 * Runs echo_server.py (with `args`) around the tests of the calling suite; `base()` is its
 * `ws://127.0.0.1:PORT` once `before` has run.
 */
export function pythonEchoServer(args: string[] = []): { base(): string } {
  let peer: ChildProcessWithoutNullStreams;
  let base = '';
  before(async () => {
    peer = spawn(PYTHON, [ECHO_SERVER, ...args]);
    const [line] = (await once(createInterface({ input: peer.stdout }), 'line')) as [string];
    base = `ws://127.0.0.1:${Number(line)}`;
  });
  after(async () => {
    const exited = once(peer, 'exit');
    peer.stdin.end();
    const timer = setTimeout(() => peer.kill(), 2000);
    await exited;
    clearTimeout(timer);
  });
  return { base: () => base };
}
