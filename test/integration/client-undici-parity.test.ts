/**
 * Side by side with undici's WebSocket, the implementation behind Node's own global WebSocket,
 * pinned as a devDependency (undici 7) so that the reference does not change with the Node
 * version (Node 20's bundled undici 6 never fires `close` after a failed handshake). The same
 * scenario against the same scripted server must show the same events, in the same order, with
 * the same readyState.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket as UndiciWebSocket } from 'undici';
import { SocketTransport } from '../../src/transport/socket-transport.js';
import { WebSocket } from '../../src/whatwg/websocket.js';
import { runScenario, SCENARIOS, type Scenario } from '../helpers/parity-scenarios.js';
import {
  acceptResponse,
  closeFrame,
  Opcode,
  type Script,
  serverFrame,
  trackedServers,
} from '../helpers/scripted-server.js';
import { handlerWith } from '../helpers/transport.js';
import type { WebSocketLike } from '../helpers/ws-events.js';

/** A server-role transport on the raw socket: echoes messages and answers the closing handshake. */
function echo(socket: Parameters<Script>[0], rest: Buffer): void {
  const transport: SocketTransport = new SocketTransport(
    socket,
    handlerWith({ onMessage: (data, binary) => transport.send(data, binary, true) }),
    { role: 'server' },
    rest,
  );
}

const scripts: Record<Scenario, Script> = {
  echo: (socket, request, rest) => {
    socket.write(acceptResponse(request));
    echo(socket, rest);
  },
  'server-close': (socket, request) => {
    socket.write(
      Buffer.concat([
        Buffer.from(acceptResponse(request)),
        serverFrame(Opcode.Text, 'bye'),
        closeFrame(4001, 'going'),
      ]),
    );
    setTimeout(() => socket.end(), 20);
  },
  abrupt: (socket, request) => {
    socket.write(
      Buffer.concat([Buffer.from(acceptResponse(request)), serverFrame(Opcode.Text, 'x')]),
    );
    setTimeout(() => socket.destroy(), 20);
  },
  'not-found': (socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'),
  'protocol-error': (socket, request) => {
    socket.write(
      Buffer.concat([Buffer.from(acceptResponse(request)), serverFrame(0x3, 'reserved opcode')]),
    );
    socket.on('error', () => {});
    setTimeout(() => socket.end(), 50);
  },
  'close-while-connecting': () => {},
};

describe("the same events as undici's WebSocket", { timeout: 20_000 }, () => {
  const start = trackedServers();

  for (const scenario of SCENARIOS) {
    test(scenario, async () => {
      const server = await start((socket, request, rest) =>
        scripts[scenario](socket, request, rest),
      );
      const url = `${server.url}/${scenario}`;
      const theirs = await runScenario(
        new UndiciWebSocket(url) as unknown as WebSocketLike,
        scenario,
      );
      const ours = await runScenario(new WebSocket(url), scenario);
      if (scenario === 'abrupt') {
        // undici fires `error` when TCP ends without a Close frame. The Standard fires it only
        // when the connection was failed (§4, close task step 2), and an abnormal closure is not
        // a failure (RFC 6455 §7.1.5: code 1006); Chromium fires no error there either. All else
        // must match.
        assert.deepEqual(
          ours,
          theirs.filter((entry) => !entry.startsWith('error')),
        );
        assert.ok(theirs.includes('error'));
      } else {
        assert.deepEqual(ours, theirs);
      }
    });
  }
});
