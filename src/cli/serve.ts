/**
 * `wskit serve`: a WebSocket server that echoes, or relays between its clients, with the try-it
 * page at `/` and, optionally, a folder of static files.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RawData, type ServerWebSocket, WebSocketServer } from '../server/index.js';
import type { ServeCommand } from './args.js';
import { type CliIo, EXIT, reportError } from './io.js';
import { banner, exitOnSignal, peerOf, StartError, startListener } from './listener.js';
import { createLog, createStyle, describeClose, useColor } from './output.js';
import { createStaticHandler, notFound } from './static-files.js';
import { createPageHandler } from './static-page.js';

/**
 * Broadcast mode: a message goes to every other open client, as it came (text or binary).
 * Kept apart so that it can become a topic publish once the server has one.
 */
export function relay(
  clients: Iterable<ServerWebSocket<unknown>>,
  from: ServerWebSocket<unknown>,
  data: RawData,
  isBinary: boolean,
): void {
  for (const client of clients) {
    if (client !== from && client.readyState === client.OPEN)
      client.send(data, { binary: isBinary });
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The HTTP side: the page at `/`, then the static folder, then 404. */
function requestHandler(command: ServeCommand): Handler {
  const page = createPageHandler({ wsPath: command.path });
  let files: Handler = (_req, res) => notFound(res);
  if (command.staticDir !== null) {
    try {
      files = createStaticHandler(command.staticDir);
    } catch (error) {
      throw new StartError(
        `cannot serve --static ${command.staticDir}: ${(error as Error).message}`,
      );
    }
  }
  return (req, res) => {
    if (!page(req, res)) files(req, res);
  };
}

export async function runServe(command: ServeCommand, io: CliIo): Promise<number> {
  const style = createStyle(useColor(io.stdout, io.env));
  const log = createLog(io.stdout, style);
  let listener: Awaited<ReturnType<typeof startListener>>;
  try {
    listener = await startListener(command, requestHandler(command));
  } catch (error) {
    if (!(error instanceof StartError)) throw error;
    reportError(io, error.message);
    return EXIT.failure;
  }
  const wss = new WebSocketServer({
    server: listener.server,
    path: command.path,
    maxPayload: command.maxPayload,
    perMessageDeflate: command.deflate,
  });
  wss.on('error', (error) => reportError(io, `server error: ${error.message}`));
  wss.on('connection', (socket, request) => {
    const peer = peerOf(request);
    log(`${style.green('+')} ${peer} connected (${wss.clients.size} open)`);
    socket.on('message', (data, isBinary) => {
      if (command.mode === 'echo') socket.send(data, { binary: isBinary });
      else relay(wss.clients, socket, data, isBinary);
    });
    socket.on('close', (code, reason) => {
      log(`${style.yellow('-')} ${peer} closed ${describeClose(code, reason.toString())}`);
    });
  });

  const files = command.staticDir === null ? '' : `, files from ${command.staticDir}`;
  io.stdout.write(banner(`wskit serve (${command.mode}${files})`, listener, style));

  return exitOnSignal(
    io,
    (signal) => log(`${signal}: closing ${wss.clients.size} connection(s) with 1001`),
    async () => {
      await wss.close({ timeout: 5000 });
      await listener.close();
    },
  );
}
