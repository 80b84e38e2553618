/**
 * The HTTP(S) server under `serve` and `exec`: TLS files read, the port opened, the URLs to
 * open, and the shutdown on a signal.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ListenOptions } from './args.js';
import { type CliIo, EXIT } from './io.js';
import { errorMessage, hostPort, type Style } from './output.js';

export interface Listener {
  readonly server: Server;
  readonly secure: boolean;
  /** The port listened on (the one the system chose for `--port 0`). */
  readonly port: number;
  /** The try-it page. */
  readonly pageUrl: string;
  /** Where WebSocket clients connect. */
  readonly wsUrl: string;
  /** Stops listening and ends every connection still open; resolves once closed. */
  close(): Promise<void>;
}

/** A reason the server could not start, worded for `wskit: …`. */
export class StartError extends Error {}

async function readPem(option: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new StartError(`cannot read ${option} ${file}: ${errorMessage(error)}`);
  }
}

/** Listens as the options say; throws a StartError when it cannot. */
export async function startListener(
  options: ListenOptions,
  onRequest: RequestListener,
): Promise<Listener> {
  let server: Server;
  if (options.tls === null) {
    server = createHttpServer(onRequest);
  } else {
    const cert = await readPem('--tls-cert', options.tls.cert);
    const key = await readPem('--tls-key', options.tls.key);
    try {
      // An https.Server is an http.Server to everything that attaches to it.
      server = createHttpsServer({ cert, key }, onRequest) as unknown as Server;
    } catch (error) {
      throw new StartError(`invalid TLS certificate or key: ${errorMessage(error)}`);
    }
  }
  server.listen(options.port, options.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new StartError(
      `cannot listen on ${hostPort(options.host, options.port)}: ${errorMessage(error)}`,
    );
  }
  const { port } = server.address() as AddressInfo;
  const secure = options.tls !== null;
  // An unspecified address listens everywhere; this machine's name is the one to open.
  const shown = ['0.0.0.0', '::', '::0'].includes(options.host) ? 'localhost' : options.host;
  const authority = hostPort(shown, port);
  return {
    server,
    secure,
    port,
    pageUrl: `${secure ? 'https' : 'http'}://${authority}/`,
    wsUrl: `${secure ? 'wss' : 'ws'}://${authority}${options.path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Waits for SIGINT, SIGTERM or SIGHUP, then runs `shutdown` and resolves with status 0. A
 * second signal during the shutdown gives up on it: status 130.
 */
export function exitOnSignal(
  io: CliIo,
  announce: (signal: NodeJS.Signals) => void,
  shutdown: () => Promise<void>,
): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const off = io.onSignal((signal) => {
      if (stopping) {
        off();
        resolve(EXIT.interrupted);
        return;
      }
      stopping = true;
      announce(signal);
      shutdown().then(
        () => {
          off();
          resolve(EXIT.ok);
        },
        () => {
          off();
          resolve(EXIT.failure);
        },
      );
    });
  });
}

/** The lines that tell where to point a browser and a client. */
export function banner(title: string, listener: Listener, style: Style): string {
  return (
    `${title}\n` +
    `  page:      ${style.bold(listener.pageUrl)}\n` +
    `  WebSocket: ${style.bold(listener.wsUrl)}\n` +
    'Ctrl-C to stop.\n'
  );
}

/** The client's address and port, for the log. */
export function peerOf(request: IncomingMessage): string {
  return hostPort(request.socket.remoteAddress ?? '?', request.socket.remotePort ?? 0);
}
