/**
 * The wskit echo server for `bench/run-server.sh` (the instruments' `run-echo`): every message is
 * sent back as it came, text as text and binary as binary. Configured as the instruments'
 * ws-echo.js configures ws: 127.0.0.1:$PORT, backlog 4096, permessage-deflate off, 64 MiB
 * messages. Only `maxBufferedAmount` differs, raised so that the backpressure policy (ws has
 * none) never closes a connection of the benchmark.
 */
import { WebSocketServer } from '../../src/index.js';

const port = Number(process.env.PORT ?? 9003);
const server = new WebSocketServer({
  host: '127.0.0.1',
  port,
  backlog: 4096,
  perMessageDeflate: false,
  maxPayload: 64 * 1024 * 1024,
  maxBufferedAmount: 1024 * 1024 * 1024,
});
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on('error', () => socket.terminate());
});
server.on('listening', () => {
  console.log(`wskit echo server listening on 127.0.0.1:${port}`);
});
