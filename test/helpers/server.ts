// Helpers for server tests over real sockets on 127.0.0.1: a server on a free port, a ws client,
// and a raw TCP client that speaks exactly the bytes a test gives it.
import { type EventEmitter, once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import WebSocket, { type ClientOptions } from 'ws';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import {
  type ServerWebSocket,
  WebSocketServer,
  type WebSocketServerOptions,
} from '../../src/server/index.js';

export { Opcode };

export interface Listening<Data> {
  wss: WebSocketServer<Data>;
  port: number;
  url: string;
}

type StandaloneOptions<Data> = Omit<WebSocketServerOptions<Data>, 'port' | 'server' | 'noServer'>;

/** A standalone server on 127.0.0.1 and a free port, once it listens. */
export async function listen<Data = undefined>(
  options: StandaloneOptions<Data> = {},
): Promise<Listening<Data>> {
  const wss = new WebSocketServer<Data>({ ...options, port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { wss, port: address.port, url: `ws://127.0.0.1:${address.port}` };
}

export interface Received {
  data: Buffer;
  isBinary: boolean;
}

interface Inbox {
  queue: Received[];
  waiting: ((message: Received) => void)[];
}

// Messages a client got before the test asked for them: a server may send in its connection
// handler, and that message can arrive in the same chunk as the 101 response.
const inboxes = new WeakMap<WebSocket, Inbox>();

/** The client's next message (including ones that arrived before the call). */
export function nextMessage(ws: WebSocket): Promise<Received> {
  const inbox = inboxes.get(ws);
  if (inbox === undefined) throw new Error('not a client made by connect()');
  const queued = inbox.queue.shift();
  if (queued !== undefined) return Promise.resolve(queued);
  return new Promise((resolve) => inbox.waiting.push(resolve));
}

/** The arguments of the emitter's next `name` event; unlike events.once, an 'error' does not reject. */
export function nextEvent(emitter: EventEmitter, name: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(name, (...args: unknown[]) => resolve(args)));
}

/** The server's socket for its next connection. */
export async function nextConnection<Data>(
  wss: WebSocketServer<Data>,
): Promise<ServerWebSocket<Data>> {
  const [socket] = await nextEvent(wss, 'connection');
  return socket as ServerWebSocket<Data>;
}

/** A raw client after its handshake, and the server's socket for it. */
export async function rawPair<Data>(
  wss: WebSocketServer<Data>,
  port: number,
  extra: Record<string, string> = {},
): Promise<{ raw: RawClient; socket: ServerWebSocket<Data> }> {
  const accepted = nextConnection(wss);
  const raw = await rawUpgrade(port, '/', extra);
  return { raw, socket: await accepted };
}

/** A ws client, once open. Rejects on a failed handshake. Read messages with `nextMessage`. */
export async function connect(
  url: string,
  protocols: string[] = [],
  options: ClientOptions = {},
): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, options);
  const inbox: Inbox = { queue: [], waiting: [] };
  inboxes.set(ws, inbox);
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const message = { data, isBinary };
    const waiter = inbox.waiting.shift();
    if (waiter !== undefined) waiter(message);
    else inbox.queue.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`unexpected response ${res.statusCode}`));
    });
  });
  return ws;
}

/** Resolves with the close code and reason a ws client saw. */
export async function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('already closed');
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { code, reason: reason.toString() };
}

/** A raw TCP connection to the server. */
export async function rawConnect(port: number): Promise<Socket> {
  const socket = netConnect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Everything the server sends until it ends the connection. */
export async function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  await once(socket, 'close');
  return Buffer.concat(chunks);
}

/**
 * Sends `request` on a fresh connection and returns the response head (and what came with it)
 * as text, once the head is complete or the server has ended the connection.
 */
export async function rawHead(port: number, request: string | Buffer): Promise<string> {
  const socket = await rawConnect(port);
  socket.on('error', () => {});
  let text = '';
  await new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\n')) resolve();
    });
    socket.on('close', () => resolve());
    socket.write(request);
  });
  socket.destroy();
  return text;
}

/** Sends `request` on a fresh connection and returns the whole response, as text. */
export async function rawRequest(port: number, request: string | Buffer): Promise<string> {
  const socket = await rawConnect(port);
  const response = readAll(socket);
  socket.write(request);
  return (await response).toString('latin1');
}

export const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A valid handshake request (RFC 6455 §1.3's example key); `extra` adds header lines. */
export function upgradeRequest(path = '/', extra: Record<string, string> = {}): string {
  let out =
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n`;
  for (const [name, value] of Object.entries(extra)) out += `${name}: ${value}\r\n`;
  return `${out}\r\n`;
}

/** The status code of a raw HTTP response. */
export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

/** A raw client after a successful handshake; `data` collects all later bytes. */
export interface RawClient {
  socket: Socket;
  /** The 101 response's head, without the blank line. */
  head: string;
  /** Bytes after the 101 response. */
  received(): Buffer;
  /** Resolves when the server has ended the connection. */
  closed: Promise<void>;
}

/** A raw client's handshake; `extra` adds header lines to the request. */
export async function rawUpgrade(
  port: number,
  path = '/',
  extra: Record<string, string> = {},
): Promise<RawClient> {
  const socket = await rawConnect(port);
  socket.on('error', () => {});
  let buffer = Buffer.alloc(0);
  let headEnd = -1;
  const upgraded = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (headEnd < 0) {
        headEnd = buffer.indexOf('\r\n\r\n');
        if (headEnd >= 0) {
          const status = statusOf(buffer.toString('latin1'));
          if (status === 101) resolve();
          else reject(new Error(`status ${status}`));
        }
      }
    });
  });
  const closed = once(socket, 'close').then(() => undefined);
  socket.write(upgradeRequest(path, extra));
  await upgraded;
  return {
    socket,
    head: buffer.subarray(0, headEnd).toString('latin1'),
    received: () => buffer.subarray(headEnd + 4),
    closed,
  };
}

/** A client frame, masked unless told otherwise. */
export function clientFrame(
  opcode: number,
  payload: Buffer | string = Buffer.alloc(0),
  options: { fin?: boolean; mask?: boolean; rsv?: number } = {},
): Buffer {
  const parts = encodeFrame(opcode, payload, {
    fin: options.fin ?? true,
    rsv: options.rsv ?? 0,
    mask: options.mask ?? true,
  });
  return Buffer.concat(parts);
}

export interface ParsedFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Parses the unmasked frames a server sent (complete ones only). */
export function parseFrames(data: Buffer): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  let p = 0;
  while (p + 2 <= data.length) {
    const b0 = data[p]!;
    let length = data[p + 1]! & 0x7f;
    let q = p + 2;
    if (length === 126) {
      length = data.readUInt16BE(q);
      q += 2;
    } else if (length === 127) {
      length = Number(data.readBigUInt64BE(q));
      q += 8;
    }
    if (q + length > data.length) break;
    frames.push({
      fin: (b0 & 0x80) !== 0,
      opcode: b0 & 0x0f,
      payload: data.subarray(q, q + length),
    });
    p = q + length;
  }
  return frames;
}

/** The code of the Close frame among the server's frames (0 if none, 1005 if empty). */
export function closeCodeOf(data: Buffer): number {
  const close = parseFrames(data).find((f) => f.opcode === Opcode.Close);
  if (close === undefined) return 0;
  return close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005;
}

/** Closes a server, whatever state it is in. */
export async function shut<Data>(wss: WebSocketServer<Data>): Promise<void> {
  await wss.close({ timeout: 200 });
}
