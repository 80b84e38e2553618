/**
 * The command line, parsed without side effects: argv in, a typed command or an error out.
 * Nothing here reads a file or the environment; `main.ts` runs what this returns.
 */
import { assertFieldLine, isToken } from '../handshake/header-grammar.js';
import { checkProtocols, parseWebSocketURL } from '../whatwg/arguments.js';

export type Topic = 'wskit' | 'serve' | 'connect' | 'exec';

/** What `serve` and `exec` share: where to listen, and how. */
export interface ListenOptions {
  readonly port: number;
  readonly host: string;
  /** The path WebSocket upgrades are taken on. */
  readonly path: string;
  readonly tls: { readonly cert: string; readonly key: string } | null;
  /** The largest message accepted, in bytes. */
  readonly maxPayload: number;
}

export interface ServeCommand extends ListenOptions {
  readonly kind: 'serve';
  readonly mode: 'echo' | 'broadcast';
  /** A folder whose files are served for paths other than the page's. */
  readonly staticDir: string | null;
  readonly deflate: boolean;
  /** A Redis URL that joins several `serve --mode broadcast` processes into one room. */
  readonly redis: string | null;
}

export interface ExecCommand extends ListenOptions {
  readonly kind: 'exec';
  readonly command: string;
  readonly args: readonly string[];
  /** Programs that may run at once; Infinity for no limit. */
  readonly maxProcesses: number;
  /** Seconds between SIGTERM and SIGKILL when a connection ends before its program. */
  readonly grace: number;
}

export interface ConnectCommand {
  readonly kind: 'connect';
  /** The URL, parsed as the WebSocket constructor does (http(s) mapped to ws(s)). */
  readonly url: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly protocols: readonly string[];
  readonly deflate: boolean;
  /** Accept a server certificate that does not verify. */
  readonly insecure: boolean;
  /** A CA certificate file (PEM) to trust, instead of Node's roots. */
  readonly ca: string | null;
  /** Messages to send once open (`-x`); when any, the input is not read. */
  readonly execute: readonly string[];
  /** Seconds without a message, once everything is sent, before closing. */
  readonly wait: number;
  /** Seconds between pings; null without `--ping`. */
  readonly pingInterval: number | null;
  readonly json: boolean;
  /** Seconds allowed for the connection and the opening handshake; 0 for no limit. */
  readonly timeout: number;
}

export type Command =
  | { readonly kind: 'help'; readonly topic: Topic }
  | { readonly kind: 'version' }
  | ServeCommand
  | ConnectCommand
  | ExecCommand;

export type ParseResult =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly error: string; readonly topic: Topic };

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

/** An option's spelling: `--long`, maybe `-s`, and whether a value follows it. */
interface OptionSpec {
  readonly short?: string;
  readonly value: boolean;
}
type Spec = Readonly<Record<string, OptionSpec>>;

const FLAG = { value: false } as const;
const VALUE = { value: true } as const;

const LISTEN_SPEC: Spec = {
  help: { short: 'h', value: false },
  port: { short: 'p', value: true },
  host: VALUE,
  path: VALUE,
  'tls-cert': VALUE,
  'tls-key': VALUE,
  'max-payload': VALUE,
};
const SERVE_SPEC: Spec = {
  ...LISTEN_SPEC,
  mode: { short: 'm', value: true },
  static: VALUE,
  'no-deflate': FLAG,
  redis: VALUE,
};
const EXEC_SPEC: Spec = { ...LISTEN_SPEC, 'max-processes': VALUE, grace: VALUE };
const CONNECT_SPEC: Spec = {
  help: { short: 'h', value: false },
  header: { short: 'H', value: true },
  subprotocol: { short: 's', value: true },
  'no-deflate': FLAG,
  insecure: { short: 'k', value: false },
  ca: VALUE,
  execute: { short: 'x', value: true },
  wait: { short: 'w', value: true },
  ping: FLAG,
  'ping-interval': VALUE,
  json: FLAG,
  timeout: VALUE,
};

class UsageError extends Error {}

/** Options in the order given (a repeated option keeps every value), and the operands. */
interface Tokens {
  readonly options: ReadonlyArray<readonly [name: string, value: string]>;
  readonly operands: readonly string[];
}

/**
 * Splits argv by a spec: `--name value`, `--name=value`, `-n value`, `-nvalue`, `--` ends the
 * options. With `stopAtOperand`, the first operand ends them too (`exec`'s program and its own
 * options).
 */
function tokenize(argv: readonly string[], spec: Spec, stopAtOperand: boolean): Tokens {
  const options: [string, string][] = [];
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      if (spec[name] === undefined) throw new UsageError(`unknown option --${name}`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const short = arg[1]!;
      const found = Object.keys(spec).find((key) => spec[key]!.short === short);
      if (found === undefined) throw new UsageError(`unknown option -${short}`);
      name = found;
      inline = arg.length > 2 ? arg.slice(2) : undefined;
      if (inline !== undefined && !spec[name]!.value) {
        throw new UsageError(`-${short} takes no value (in ${arg})`);
      }
    } else {
      if (stopAtOperand) {
        operands.push(...argv.slice(i));
        break;
      }
      operands.push(arg);
      continue;
    }
    if (!spec[name]!.value) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      options.push([name, '']);
      continue;
    }
    if (inline === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      inline = argv[++i]!;
    }
    options.push([name, inline]);
  }
  return { options, operands };
}

/** The last value of an option, or undefined. */
function last(tokens: Tokens, name: string): string | undefined {
  let value: string | undefined;
  for (const [n, v] of tokens.options) if (n === name) value = v;
  return value;
}

function all(tokens: Tokens, name: string): string[] {
  return tokens.options.filter(([n]) => n === name).map(([, v]) => v);
}

function has(tokens: Tokens, name: string): boolean {
  return tokens.options.some(([n]) => n === name);
}

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port <= 65535))
    throw new UsageError(`--port must be a number from 0 to 65535, not ${text}`);
  return port;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A size in bytes: digits, optionally followed by K, M or G (binary multiples). */
function parseSize(name: string, text: string): number {
  const match = /^(\d+)([kmg]?)i?b?$/i.exec(text);
  const size = match === null ? 0 : Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!;
  if (!(size >= 1 && size <= 2 ** 53)) {
    throw new UsageError(
      `--${name} must be a positive size in bytes (e.g. 65536 or 64K), not ${text}`,
    );
  }
  return size;
}

/** Seconds, a decimal number of at least 0. */
function parseSeconds(name: string, text: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 0 && seconds <= 2_000_000)) {
    throw new UsageError(`--${name} must be a number of seconds, not ${text}`);
  }
  return seconds;
}

function parseCount(name: string, text: string): number {
  if (!/^[1-9]\d{0,8}$/.test(text)) {
    throw new UsageError(`--${name} must be a positive whole number, not ${text}`);
  }
  return Number(text);
}

function parsePath(text: string): string {
  if (!/^\/[\x21-\x7e]*$/.test(text) || text.includes('#') || text.includes('?')) {
    throw new UsageError(`--path must be a path such as / or /ws, not ${text}`);
  }
  return text;
}

/** `Name: value`, as curl's -H. */
function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon === -1 ? '' : text.slice(0, colon).trim();
  if (!isToken(name)) throw new UsageError(`-H wants "Name: value", not ${JSON.stringify(text)}`);
  const value = text.slice(colon + 1).trim();
  try {
    assertFieldLine(name, value);
  } catch {
    throw new UsageError(`-H ${JSON.stringify(text)}: the value may not contain CR, LF or NUL`);
  }
  return [name, value];
}

/**
 * A URL as the WebSocket constructor takes it; `host:port/path` without a scheme means `ws://`.
 * Returns the serialized URL.
 */
function parseURL(text: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `ws://${text}`;
  try {
    return parseWebSocketURL(withScheme).href;
  } catch (error) {
    throw new UsageError(`invalid URL ${JSON.stringify(text)}: ${(error as Error).message}`);
  }
}

function listenOptions(tokens: Tokens): ListenOptions {
  const cert = last(tokens, 'tls-cert');
  const key = last(tokens, 'tls-key');
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  const port = last(tokens, 'port');
  const host = last(tokens, 'host');
  const path = last(tokens, 'path');
  const maxPayload = last(tokens, 'max-payload');
  if (host === '') throw new UsageError('--host must not be empty');
  return {
    port: port === undefined ? DEFAULT_PORT : parsePort(port),
    host: host ?? DEFAULT_HOST,
    path: path === undefined ? '/' : parsePath(path),
    tls: cert === undefined || key === undefined ? null : { cert, key },
    maxPayload:
      maxPayload === undefined ? DEFAULT_MAX_PAYLOAD : parseSize('max-payload', maxPayload),
  };
}

function noOperands(tokens: Tokens): void {
  const extra = tokens.operands[0];
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
}

function parseServe(tokens: Tokens): ServeCommand {
  noOperands(tokens);
  const mode = last(tokens, 'mode') ?? 'echo';
  if (mode !== 'echo' && mode !== 'broadcast') {
    throw new UsageError(`--mode must be echo or broadcast, not ${mode}`);
  }
  const staticDir = last(tokens, 'static');
  if (staticDir === '') throw new UsageError('--static must name a folder');
  const redis = last(tokens, 'redis');
  if (redis !== undefined && !/^rediss?:\/\//.test(redis)) {
    throw new UsageError(
      `--redis must be a redis:// or rediss:// URL, not ${JSON.stringify(redis)}`,
    );
  }
  if (redis !== undefined && mode !== 'broadcast') {
    throw new UsageError('--redis joins broadcast rooms: use it with --mode broadcast');
  }
  return {
    kind: 'serve',
    ...listenOptions(tokens),
    mode,
    staticDir: staticDir ?? null,
    deflate: !has(tokens, 'no-deflate'),
    redis: redis ?? null,
  };
}

function parseExec(tokens: Tokens): ExecCommand {
  const [command, ...args] = tokens.operands;
  if (command === undefined || command === '') {
    throw new UsageError('a program to run is missing: wskit exec [options] -- COMMAND [ARGS...]');
  }
  const max = last(tokens, 'max-processes');
  const grace = last(tokens, 'grace');
  return {
    kind: 'exec',
    ...listenOptions(tokens),
    command,
    args,
    maxProcesses: max === undefined ? Number.POSITIVE_INFINITY : parseCount('max-processes', max),
    grace: grace === undefined ? 5 : parseSeconds('grace', grace),
  };
}

function parseConnect(tokens: Tokens): ConnectCommand {
  const [url, extra] = tokens.operands;
  if (url === undefined)
    throw new UsageError('a URL is missing: wskit connect [options] ws://host:port/path');
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
  const protocols = all(tokens, 'subprotocol');
  try {
    checkProtocols(protocols);
  } catch (error) {
    throw new UsageError(`-s: ${(error as Error).message}`);
  }
  const insecure = has(tokens, 'insecure');
  const ca = last(tokens, 'ca');
  if (insecure && ca !== undefined) throw new UsageError('--insecure and --ca exclude each other');
  const wait = last(tokens, 'wait');
  const interval = last(tokens, 'ping-interval');
  const timeout = last(tokens, 'timeout');
  return {
    kind: 'connect',
    url: parseURL(url),
    headers: all(tokens, 'header').map(parseHeader),
    protocols,
    deflate: !has(tokens, 'no-deflate'),
    insecure,
    ca: ca ?? null,
    execute: all(tokens, 'execute'),
    wait: wait === undefined ? 2 : parseSeconds('wait', wait),
    pingInterval:
      interval !== undefined
        ? positiveSeconds('ping-interval', interval)
        : has(tokens, 'ping')
          ? 1
          : null,
    json: has(tokens, 'json'),
    timeout: timeout === undefined ? 10 : parseSeconds('timeout', timeout),
  };
}

function positiveSeconds(name: string, text: string): number {
  const seconds = parseSeconds(name, text);
  if (seconds === 0) throw new UsageError(`--${name} must be more than 0 seconds`);
  return seconds;
}

const COMMANDS = {
  serve: { spec: SERVE_SPEC, stopAtOperand: false, build: parseServe },
  connect: { spec: CONNECT_SPEC, stopAtOperand: false, build: parseConnect },
  exec: { spec: EXEC_SPEC, stopAtOperand: true, build: parseExec },
} as const;

function isCommandName(name: string): name is keyof typeof COMMANDS {
  return Object.hasOwn(COMMANDS, name);
}

/** Parses the arguments after `wskit`. Never throws. */
export function parseArgs(argv: readonly string[]): ParseResult {
  const [first, ...rest] = argv;
  if (first === undefined) return { ok: false, error: 'no command given', topic: 'wskit' };
  if (first === '--help' || first === '-h') return help('wskit');
  if (first === '--version' || first === '-V') return { ok: true, command: { kind: 'version' } };
  if (first === 'help') {
    const topic = rest[0] ?? 'wskit';
    if (topic === 'wskit' || isCommandName(topic)) return help(topic);
    return { ok: false, error: `no help for ${JSON.stringify(topic)}`, topic: 'wskit' };
  }
  if (!isCommandName(first)) {
    const what = first.startsWith('-') ? 'option' : 'command';
    return { ok: false, error: `unknown ${what} ${JSON.stringify(first)}`, topic: 'wskit' };
  }
  const { spec, stopAtOperand, build } = COMMANDS[first];
  try {
    const tokens = tokenize(rest, spec, stopAtOperand);
    if (has(tokens, 'help')) return help(first);
    return { ok: true, command: build(tokens) };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { ok: false, error: `${first}: ${error.message}`, topic: first };
  }
}

function help(topic: Topic): ParseResult {
  return { ok: true, command: { kind: 'help', topic } };
}
