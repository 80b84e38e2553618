/**
 * `wskit serve`: a WebSocket server that echoes, or relays between its clients, with the try-it
 * page at `/` and, optionally, a folder of static files.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRedisAdapter } from '../pubsub/redis-adapter.js';
import { WebSocketServer } from '../server/index.js';
import type { ServeCommand } from './args.js';
import { type CliIo, EXIT, reportError } from './io.js';
import { banner, exitOnSignal, peerOf, StartError, startListener } from './listener.js';
import { createLog, createStyle, describeClose, useColor } from './output.js';
import { createStaticHandler, notFound } from './static-files.js';
import { createPageHandler } from './static-page.js';

/** Broadcast mode's room: every client subscribes, every message is published to the others. */
export const ROOM = 'broadcast';

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
  if (command.redis !== null) {
    try {
      const adapter = await createRedisAdapter({ url: command.redis, connectTimeout: 5000 });
      adapter.on('error', (error) => reportError(io, `redis: ${error.message}`));
      await wss.useAdapter(adapter);
    } catch (error) {
      reportError(io, `cannot join the room on Redis: ${(error as Error).message}`);
      await wss.close({ timeout: 0 });
      await listener.close();
      return EXIT.failure;
    }
  }
  wss.on('connection', (socket, request) => {
    const peer = peerOf(request);
    log(`${style.green('+')} ${peer} connected (${wss.clients.size} open)`);
    if (command.mode === 'broadcast') socket.subscribe(ROOM);
    socket.on('message', (data, isBinary) => {
      if (command.mode === 'echo') socket.send(data, { binary: isBinary });
      // Framed once for the whole room; every other client, in every joined process.
      else socket.publish(ROOM, data, { binary: isBinary });
    });
    socket.on('close', (code, reason) => {
      log(`${style.yellow('-')} ${peer} closed ${describeClose(code, reason.toString())}`);
    });
  });

  const files = command.staticDir === null ? '' : `, files from ${command.staticDir}`;
  const room = command.redis === null ? '' : ', room shared on Redis';
  io.stdout.write(banner(`wskit serve (${command.mode}${room}${files})`, listener, style));

  return exitOnSignal(
    io,
    (signal) => log(`${signal}: closing ${wss.clients.size} connection(s) with 1001`),
    async () => {
      await wss.close({ timeout: 5000 });
      await listener.close();
    },
  );
}
