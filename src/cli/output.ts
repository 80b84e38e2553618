/**
 * How the command prints: timestamps, bytes in hex, close codes by name, one-line JSON, and
 * colours only on a terminal (and never when NO_COLOR is set, https://no-color.org).
 */
import { CloseCode } from '../protocol/close-codes.js';

/** What output needs of a stream: where it goes and whether a person is looking at it. */
export interface OutputStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** Colour functions; each returns its text unchanged when colours are off. */
export interface Style {
  readonly enabled: boolean;
  dim(text: string): string;
  bold(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/** Colours when the stream is a terminal and NO_COLOR is unset or empty. */
export function useColor(stream: OutputStream, env: Readonly<Record<string, string | undefined>>) {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const plain = (text: string) => text;

export function createStyle(enabled: boolean): Style {
  return {
    enabled,
    dim: enabled ? sgr(2, 22) : plain,
    bold: enabled ? sgr(1, 22) : plain,
    red: enabled ? sgr(31, 39) : plain,
    green: enabled ? sgr(32, 39) : plain,
    yellow: enabled ? sgr(33, 39) : plain,
    cyan: enabled ? sgr(36, 39) : plain,
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local time as HH:MM:SS.mmm, as the try-it page's log shows it. */
export function timestamp(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Bytes as hex pairs separated by spaces; past `limit` bytes, the rest is counted. */
export function hex(bytes: Uint8Array, limit = Number.POSITIVE_INFINITY): string {
  const shown = bytes.length > limit ? bytes.subarray(0, limit) : bytes;
  const pairs = Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
  return bytes.length > limit ? `${pairs} … (+${bytes.length - limit} bytes)` : pairs;
}

const CODE_NAMES = new Map<number, string>(
  Object.entries(CloseCode).map(([name, code]) => [
    code,
    name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase(),
  ]),
);

/** A close code's meaning in a few words, from RFC 6455 §7.4 and the IANA registry. */
export function closeCodeName(code: number): string {
  const known = CODE_NAMES.get(code);
  if (known !== undefined) return known;
  if (code >= 3000 && code <= 3999) return 'registered';
  if (code >= 4000 && code <= 4999) return 'private use';
  return 'unknown';
}

/** `1000 (normal) "bye"`: a close code, its name and the reason if there is one. */
export function describeClose(code: number, reason: string): string {
  const text = `${code} (${closeCodeName(code)})`;
  return reason === '' ? text : `${text} ${JSON.stringify(reason)}`;
}

/** A function that writes a timestamped line to `stream`: a server's log. */
export function createLog(stream: OutputStream, style: Style): (line: string) => void {
  return (line) => stream.write(`${style.dim(timestamp(new Date()))} ${line}\n`);
}

/** One JSON object on one line, for scripts (`--json`). */
export function jsonLine(value: Readonly<Record<string, unknown>>): string {
  return `${JSON.stringify(value)}\n`;
}

/** `host:port`, with brackets around an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The message of an error, for a one-line report. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n', 1)[0]!;
  return String(error);
}
