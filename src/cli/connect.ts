/**
 * `wskit connect URL`: a terminal client. Lines typed (or piped) are sent as text messages;
 * messages received are printed with the time, binary ones in hex; `--json` prints one JSON
 * object per event for scripts. The exit status says how the connection ended (see
 * {@link closeStatus}).
 */
import { readFile } from 'node:fs/promises';
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { WebSocketOptions } from '../client/options.js';
import type { ConnectCommand } from './args.js';
import { type CliIo, EXIT, reportError } from './io.js';
import { type Link, type LinkEvents, openEngineLink, openWebSocketLink } from './link.js';
import {
  createStyle,
  describeClose,
  errorMessage,
  hex,
  jsonLine,
  type OutputStream,
  timestamp,
  useColor,
} from './output.js';

/** Bytes of a binary message shown in hex before the rest is only counted (not with --json). */
const HEX_LIMIT = 256;

/**
 * The exit status for how the connection ended: 0 for a close with 1000, 1001 or 1005 (a Close
 * frame without a code) from either side, 1 when it never opened, 3 for any other code or an
 * abnormal end (1006).
 */
export function closeStatus(code: number, opened: boolean): number {
  if (!opened) return EXIT.failure;
  return code === 1000 || code === 1001 || code === 1005 ? EXIT.ok : EXIT.abnormalClose;
}

async function linkOptions(command: ConnectCommand): Promise<WebSocketOptions> {
  const headers = command.headers.map(([name, value]) => [name, value] as const);
  const tls = command.insecure
    ? { rejectUnauthorized: false }
    : command.ca === null
      ? undefined
      : { ca: await readFile(command.ca) };
  return {
    headers,
    perMessageDeflate: command.deflate,
    handshakeTimeout: command.timeout * 1000,
    ...(tls === undefined ? {} : { tls }),
  };
}

/** Prints lines without breaking the prompt of an interactive session. */
class Printer {
  private prompt: Interface | null = null;
  private readonly io: CliIo;

  constructor(io: CliIo) {
    this.io = io;
  }

  attach(prompt: Interface): void {
    this.prompt = prompt;
  }

  /** Stops redrawing the prompt, and clears it with what was typed and not sent. */
  detach(): void {
    if (this.prompt === null) return;
    this.prompt = null;
    clearLine(this.io.stdout, 0);
    cursorTo(this.io.stdout, 0);
  }

  write(stream: OutputStream & NodeJS.WritableStream, text: string): void {
    const prompt = this.prompt;
    if (prompt === null) {
      stream.write(text);
      return;
    }
    clearLine(this.io.stdout, 0);
    cursorTo(this.io.stdout, 0);
    stream.write(text);
    prompt.prompt(true);
  }
}

export async function runConnect(command: ConnectCommand, io: CliIo): Promise<number> {
  let options: WebSocketOptions;
  try {
    options = await linkOptions(command);
  } catch (error) {
    reportError(io, `cannot read --ca ${command.ca}: ${errorMessage(error)}`);
    return EXIT.failure;
  }
  const interactive =
    io.stdin.isTTY === true &&
    io.stdout.isTTY === true &&
    !command.json &&
    command.execute.length === 0;
  const out = createStyle(useColor(io.stdout, io.env));
  const err = createStyle(useColor(io.stderr, io.env));
  const printer = new Printer(io);
  const now = () => new Date();
  const status = (text: string) =>
    printer.write(io.stderr, `${err.dim(timestamp(now()))} ${err.yellow('*')} ${text}\n`);
  const emit = (event: string, fields: Record<string, unknown>) =>
    printer.write(io.stdout, jsonLine({ event, time: now().toISOString(), ...fields }));

  return new Promise<number>((settle) => {
    let off = () => {};
    const resolve = (code: number) => {
      off();
      settle(code);
    };
    let link: Link;
    let inputDone = false;
    let interrupted = false;
    let quiet: NodeJS.Timeout | undefined;
    let pinger: NodeJS.Timeout | undefined;
    let input: Interface | null = null;
    let nextPing = 0;
    const pings = new Map<number, bigint>();

    // Once everything is sent, close after `--wait` seconds in which no message arrived.
    const waitForReplies = () => {
      if (!inputDone) return;
      clearTimeout(quiet);
      if (command.wait === 0) link.close(1000);
      else quiet = setTimeout(() => link.close(1000), command.wait * 1000);
    };
    const endInput = () => {
      if (inputDone) return;
      inputDone = true;
      waitForReplies();
    };
    const sendPing = () => {
      const id = nextPing++ % 0x1_0000_0000;
      const data = Buffer.alloc(4);
      data.writeUInt32BE(id);
      pings.set(id, process.hrtime.bigint());
      link.ping?.(data);
    };
    const readInput = () => {
      const rl = createInterface({
        input: io.stdin,
        ...(interactive ? { output: io.stdout, terminal: true } : { terminal: false }),
      });
      input = rl;
      rl.on('line', (line) => link.send(line));
      rl.on('close', () => {
        if (input === rl) endInput();
      });
      if (interactive) {
        rl.on('SIGINT', () => onInterrupt());
        rl.setPrompt(out.dim('> '));
        printer.attach(rl);
        rl.prompt();
      }
    };

    const events: LinkEvents = {
      open: (protocol, extensions) => {
        if (command.json) emit('open', { url: command.url, protocol, extensions });
        else {
          const details = [
            protocol === '' ? '' : `subprotocol ${protocol}`,
            extensions === '' ? '' : `extensions ${extensions}`,
          ].filter((part) => part !== '');
          status(
            `connected to ${command.url}${details.length > 0 ? ` (${details.join(', ')})` : ''}`,
          );
          if (interactive) status('type a line to send it; Ctrl-D or Ctrl-C closes');
        }
        if (command.pingInterval !== null) {
          sendPing();
          pinger = setInterval(sendPing, command.pingInterval * 1000);
        }
        if (command.execute.length > 0) {
          for (const message of command.execute) link.send(message);
          endInput();
        } else {
          readInput();
        }
      },
      message: (data) => {
        const text = typeof data === 'string';
        if (command.json) {
          emit('message', {
            type: text ? 'text' : 'binary',
            data: text ? data : data.toString('hex'),
          });
        } else {
          const body = text
            ? data
            : `${out.cyan(`[binary, ${data.length} bytes]`)} ${hex(data, HEX_LIMIT)}`;
          printer.write(io.stdout, `${out.dim(timestamp(now()))} ${out.green('<')} ${body}\n`);
        }
        waitForReplies();
      },
      pong: (data) => {
        const id = data.length === 4 ? data.readUInt32BE(0) : -1;
        const start = pings.get(id);
        if (start === undefined) {
          if (command.json) emit('pong', { data: data.toString('hex') });
          else status(`pong (unsolicited, ${data.length} bytes)`);
          return;
        }
        pings.delete(id);
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (command.json) emit('pong', { rtt_ms: Math.round(ms * 1000) / 1000 });
        else status(`pong: ${ms.toFixed(3)} ms`);
      },
      ping: (data) => {
        if (command.json) emit('ping', { data: data.toString('hex') });
        else status(`ping from the server (${data.length} bytes), answered`);
      },
      close: (code, reason, opened, cause) => {
        clearTimeout(quiet);
        clearInterval(pinger);
        printer.detach();
        const rl = input;
        input = null;
        rl?.close();
        if (!opened) {
          if (interrupted) return resolve(EXIT.interrupted);
          const why = cause === null ? 'the connection failed' : errorMessage(cause);
          reportError(io, `cannot connect to ${command.url}: ${why}`);
          return resolve(EXIT.failure);
        }
        const result = closeStatus(code, true);
        if (result !== EXIT.ok && cause !== null)
          reportError(io, `connection failed: ${errorMessage(cause)}`);
        if (command.json) emit('close', { code, reason });
        else status(`closed: ${describeClose(code, reason)}`);
        resolve(result);
      },
    };

    const onInterrupt = () => {
      if (interrupted) {
        resolve(EXIT.interrupted);
        return;
      }
      interrupted = true;
      link.close(1000);
    };

    try {
      link = (command.pingInterval === null ? openWebSocketLink : openEngineLink)(
        { url: command.url, protocols: command.protocols, options },
        events,
      );
    } catch (error) {
      // The request cannot be made: a header the handshake owns, say.
      reportError(io, `connect: ${errorMessage(error)}`);
      resolve(EXIT.usage);
      return;
    }
    off = io.onSignal(onInterrupt);
    io.stdout.on('error', () => link.close(1000)); // a closed pipe (`| head -1`)
  });
}
