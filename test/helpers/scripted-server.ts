/**
 * A raw TCP server for client edge cases: it reads the HTTP request head, then hands the socket
 * to a script that writes whatever bytes the case needs (a 101 or not, frames, a reset).
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { after } from 'node:test';
import { computeAcceptKey } from '../../src/handshake/accept-key.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { engine, type RecordingSink } from './recording-sink.js';

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  /** Lower-case names; a repeated field keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request head as received, for assertions on exact bytes. */
  readonly raw: string;
}

export type Script = (socket: Socket, request: RawRequest, rest: Buffer) => void;

export interface ScriptedServer {
  readonly port: number;
  readonly url: string;
  readonly requests: RawRequest[];
  close(): Promise<void>;
}

function parseHead(raw: string): RawRequest {
  const [requestLine = '', ...lines] = raw.split('\r\n');
  const [method = '', path = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { method, path, headers, raw };
}

/** Starts a server on 127.0.0.1 and an ephemeral port; each connection runs `script`. */
export async function scriptedServer(script: Script): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const requests: RawRequest[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const request = parseHead(buffered.subarray(0, end).toString('latin1'));
      requests.push(request);
      script(socket, request, buffered.subarray(end + 4));
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    url: `ws://127.0.0.1:${address.port}`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A `scriptedServer` factory for a test file: every server it starts is closed after the file. */
export function trackedServers(): (script: Script) => Promise<ScriptedServer> {
  const servers: ScriptedServer[] = [];
  after(() => Promise.all(servers.map((server) => server.close())));
  return async (script) => {
    const server = await scriptedServer(script);
    servers.push(server);
    return server;
  };
}

/** A 101 response that accepts `request`, with extra header lines. */
export function acceptResponse(request: RawRequest, extra: readonly string[] = []): string {
  const key = request.headers['sec-websocket-key'] ?? '';
  return [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${computeAcceptKey(key)}`,
    ...extra,
    '',
    '',
  ].join('\r\n');
}

/** One unmasked frame, as a server sends it. */
export function serverFrame(opcode: number, payload: Uint8Array | string = ''): Buffer {
  return Buffer.concat(encodeFrame(opcode, payload, { fin: true, rsv: 0, mask: false }));
}

/** A Close frame with a code and a reason. */
export function closeFrame(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return serverFrame(Opcode.Close, payload);
}

export { Opcode };

/**
 * Reads what the client sends after the handshake with a server-role engine that writes nothing
 * back; resolves once the client ends the TCP connection.
 */
export function readClientFrames(socket: Socket, rest: Buffer): Promise<RecordingSink> {
  const { conn, sink } = engine('server');
  conn.receive(rest);
  socket.on('data', (chunk: Buffer) => conn.receive(chunk));
  return new Promise((resolve) => socket.on('close', () => resolve(sink)));
}
