// The `wskit` command as a child process: spawned with the compiled entry point, its output
// collected, every wait bounded in time, and killed by PID when a test is done with it.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** build/src/cli/main.js, next to this compiled helper's build/test/helpers/. */
export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A file in test/fixtures/ (the source tree's: tests run from build/). */
export const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** Extra environment variables; NO_COLOR is always set. */
  env?: Record<string, string>;
}

/** A running `wskit`. */
export class Cli {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  private readonly exit: Promise<Exit>;
  private readonly listeners = new Set<() => void>();

  constructor(args: readonly string[], options: SpawnOptions = {}) {
    this.child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...options.env },
    });
    this.child.stdout.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
      for (const listener of this.listeners) listener();
    });
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
      for (const listener of this.listeners) listener();
    });
    this.child.stdin.on('error', () => {});
    this.exit = new Promise((resolve) => {
      this.child.on('close', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      );
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first match of `pattern` in the output so far or to come. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, ms = 5000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this[stream].match(pattern);
        if (match === null) return;
        done();
        resolve(match);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no ${pattern} on ${stream} within ${ms} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
          ),
        );
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** The exit, within `ms`. */
  exited(ms = 5000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `still running after ${ms} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
            ),
          ),
        ms,
      );
    });
    return Promise.race([this.exit, timeout]).finally(() => clearTimeout(timer));
  }

  /** Sends a signal by PID if the process is still running. */
  signal(name: NodeJS.Signals): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(this.pid, name);
    } catch {
      // Already gone.
    }
  }

  /** For `finally`: ends the process by PID if it still runs. */
  kill(): void {
    this.signal('SIGKILL');
  }
}

/** Runs `wskit` to the end with `input` on stdin (closed after it); killed after `ms`. */
export async function runCli(
  args: readonly string[],
  input = '',
  ms = 8000,
  options: SpawnOptions = {},
): Promise<Exit> {
  const cli = new Cli(args, options);
  try {
    cli.child.stdin.end(input);
    return await cli.exited(ms);
  } finally {
    cli.kill();
  }
}

/** A `wskit serve` or `exec` on a free port, once it prints its URLs. */
export async function startServer(
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<{ cli: Cli; wsUrl: string; pageUrl: string }> {
  const cli = new Cli([...args.slice(0, 1), '--port', '0', ...args.slice(1)], options);
  try {
    const [, pageUrl] = await cli.waitFor('stdout', /page: +(\S+)/);
    const [, wsUrl] = await cli.waitFor('stdout', /WebSocket: +(\S+)/);
    return { cli, wsUrl: wsUrl!, pageUrl: pageUrl! };
  } catch (error) {
    cli.kill();
    throw error;
  }
}

/** The JSON lines of `connect --json` output. */
export function jsonEvents(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
