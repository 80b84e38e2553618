// An echo server with permessage-deflate, for bench/deflate-echo.ts: wskit's WebSocketServer or
// ws's, with the same compression settings.
//
//   PORT=9000 node build/bench/deflate-echo-server.js wskit|ws [defaults|context-takeover|no-context-takeover]
//
// ws is loaded from bench/.instruments (where bench/setup.sh installs it with bufferutil) when it
// is there, else from the project's node_modules. Prints one line once it listens.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as WsModule from 'ws';
import { WebSocketServer } from '../src/server/index.js';

/** Compression settings both servers get. */
const SETTINGS = {
  /**
   * Each library's own defaults: 15-bit windows, level 6, memLevel 8, threshold 1024, 10 zlib
   * jobs at once in both; ws keeps its compression context, wskit's server resets it after every
   * message (server_no_context_takeover, RFC 7692 §7.1.1.1).
   */
  defaults: {},
  /** As the defaults, with the server's context kept by both (wskit's `false` is ws's default). */
  'context-takeover': { serverNoContextTakeover: false },
  /** Contexts reset (ws) or released (wskit) after every message. */
  'no-context-takeover': { serverNoContextTakeover: true, clientNoContextTakeover: true },
} as const;

type Setting = keyof typeof SETTINGS;

const MAX_PAYLOAD = 64 * 1024 * 1024;
const root = fileURLToPath(new URL('../../', import.meta.url));

function loadWs(): { ws: typeof WsModule; from: string } {
  const instruments = `${root}bench/.instruments/node_modules/ws`;
  const require = createRequire(import.meta.url);
  const from = existsSync(instruments) ? instruments : 'ws';
  return { ws: require(from) as typeof WsModule, from };
}

function bufferutil(from: string): string {
  try {
    createRequire(`${from}/`).resolve('bufferutil');
    return 'on';
  } catch {
    return 'off';
  }
}

function main(): void {
  const [lib = 'wskit', name = 'defaults'] = process.argv.slice(2);
  if (!(name in SETTINGS)) throw new Error(`unknown setting ${name}`);
  const settings = SETTINGS[name as Setting];
  const port = Number(process.env.PORT ?? 9000);
  if (lib === 'wskit') {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port,
      backlog: 4096,
      maxPayload: MAX_PAYLOAD,
      perMessageDeflate: settings,
    });
    wss.on('connection', (socket) => {
      socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
    });
    wss.on('listening', () => console.log(`wskit deflate-echo ${name} on 127.0.0.1:${port}`));
  } else if (lib === 'ws') {
    const { ws, from } = loadWs();
    const wss = new ws.WebSocketServer({
      host: '127.0.0.1',
      port,
      backlog: 4096,
      maxPayload: MAX_PAYLOAD,
      clientTracking: false,
      perMessageDeflate: settings,
    });
    wss.on('connection', (socket) => {
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
      socket.on('error', () => socket.terminate());
    });
    wss.on('listening', () => {
      console.log(`ws deflate-echo ${name} on 127.0.0.1:${port} bufferutil=${bufferutil(from)}`);
    });
  } else {
    throw new Error(`unknown server ${lib}: wskit or ws`);
  }
}

main();
