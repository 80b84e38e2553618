/**
 * The floor under any server with ws's API, for `bench/run-mem.sh`: node:http parses each
 * upgrade request into the IncomingMessage that `verifyClient` and `'connection'` receive, the
 * 101 response is written by hand, and the socket keeps a 'data' and an 'error' listener. No
 * WebSocket at all: what a connection costs here, every such server pays.
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { computeAcceptKey } from '../../src/handshake/accept-key.js';

const port = Number(process.env.PORT ?? 9004);
const sockets = new Set<Socket>();
const ignore = (): void => {};
const server = createServer((_request, response) => response.end());
server.on('upgrade', (request, duplex) => {
  const socket = duplex as Socket;
  const key = String(request.headers['sec-websocket-key']);
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`,
  );
  socket.on('data', ignore);
  socket.on('error', ignore);
  socket.on('close', () => sockets.delete(socket));
  sockets.add(socket);
});
server.listen(port, '127.0.0.1', 4096, () => {
  console.log(`http-upgrade server listening on 127.0.0.1:${port}`);
});
