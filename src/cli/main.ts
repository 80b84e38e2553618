#!/usr/bin/env node
/**
 * The `wskit` command. The only module that touches `process`: it parses the arguments, runs the
 * command with the process's streams, and exits with the status the command returns.
 */
import { parseArgs } from './args.js';
import { runConnect } from './connect.js';
import { runExec } from './exec.js';
import { helpText } from './help.js';
import { type CliIo, EXIT, reportError } from './io.js';
import { errorMessage } from './output.js';
import { runServe } from './serve.js';
import { packageVersion } from './version.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const io: CliIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  onSignal(handler) {
    for (const name of SIGNALS) process.on(name, handler);
    return () => {
      for (const name of SIGNALS) process.off(name, handler);
    };
  },
};

async function run(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    const more = parsed.topic === 'wskit' ? 'wskit --help' : `wskit ${parsed.topic} --help`;
    reportError(io, `${parsed.error} (see '${more}')`);
    return EXIT.usage;
  }
  const { command } = parsed;
  switch (command.kind) {
    case 'help':
      io.stdout.write(helpText(command.topic));
      return EXIT.ok;
    case 'version':
      io.stdout.write(`wskit ${packageVersion()}\n`);
      return EXIT.ok;
    case 'serve':
      return runServe(command, io);
    case 'connect':
      return runConnect(command, io);
    case 'exec':
      return runExec(command, io);
  }
}

/** Exits once what was written to stdout and stderr has been handed over. */
function exit(status: number): void {
  process.stdout.write('', () => {
    process.stderr.write('', () => process.exit(status));
  });
}

run(process.argv.slice(2)).then(exit, (error: unknown) => {
  reportError(io, `internal error: ${errorMessage(error)}`);
  if (error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
  exit(EXIT.failure);
});
