/**
 * What a command needs of its process, handed in by `main.ts`: the standard streams, the
 * environment and the termination signals. A command returns its exit status instead of
 * exiting, so that only the entry point ends the process.
 */
import type { Readable } from 'node:stream';
import type { OutputStream } from './output.js';

export interface CliIo {
  readonly stdin: Readable & { readonly isTTY?: boolean };
  readonly stdout: OutputStream & NodeJS.WritableStream;
  readonly stderr: OutputStream & NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Calls `handler` on SIGINT, SIGTERM or SIGHUP (instead of the default of dying at once).
   * Returns a function that removes it.
   */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
}

/** Exit statuses shared by every command (docs/cli.md lists them per command). */
export const EXIT = {
  ok: 0,
  /** Could not start: connection refused, handshake failed, address in use, unreadable file. */
  failure: 1,
  usage: 2,
  /** `connect`: the connection closed with a code other than 1000, 1001 or 1005, or abnormally. */
  abnormalClose: 3,
  /** A second Ctrl-C during a graceful shutdown: 128 + SIGINT, as shells report it. */
  interrupted: 130,
} as const;

/** Writes `wskit: message` as one line on stderr. */
export function reportError(io: CliIo, message: string): void {
  io.stderr.write(`wskit: ${message}\n`);
}
