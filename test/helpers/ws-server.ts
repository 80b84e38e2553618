/** The `ws` package's server on 127.0.0.1 and an ephemeral port, as a reference peer. */
import { once } from 'node:events';
import { type ServerOptions, WebSocketServer, type WebSocket as WsSocket } from 'ws';

export interface WsServer {
  readonly wss: WebSocketServer;
  readonly url: string;
  /** Resolves with the server side of the next connection. */
  nextConnection(): Promise<WsSocket>;
  close(): Promise<void>;
}

export async function wsServer(options: ServerOptions = {}): Promise<WsServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  await once(wss, 'listening');
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    wss,
    url: `ws://127.0.0.1:${address.port}`,
    nextConnection: async () => ((await once(wss, 'connection')) as [WsSocket])[0],
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Echoes every message back with its type. */
export function echo(wss: WebSocketServer): void {
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
}
