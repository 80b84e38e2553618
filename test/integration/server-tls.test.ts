// wss:// through an https server, with the self-signed test certificate in test/fixtures/.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ServerWebSocket, WebSocketServer } from '../../src/server/index.js';
import { closed, connect, nextMessage } from '../helpers/server.js';

const T = { timeout: 10_000 };
// Tests run from build/test/integration/; the fixtures stay in the source tree.
const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url)));
const cert = fixture('test-cert.pem');
const key = fixture('test-key.pem');

describe('TLS (wss://)', () => {
  test('messages both ways, verifyClient sees secure: true, close codes pass', T, async () => {
    const server = createServer({ cert, key });
    let secure: boolean | undefined;
    const wss = new WebSocketServer({
      server,
      verifyClient: (info) => {
        secure = info.secure;
        return true;
      },
    });
    wss.on('connection', (socket) =>
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    // The client trusts exactly the test certificate.
    const client = await connect(`wss://localhost:${port}`, [], { ca: cert });
    assert.equal(secure, true);
    client.send('over tls');
    assert.equal(String((await nextMessage(client)).data), 'over tls');
    const big = Buffer.alloc(256 * 1024, 7);
    client.send(big);
    assert.deepEqual((await nextMessage(client)).data, big);
    const accepted = [...wss.clients][0] as ServerWebSocket<undefined>;
    const seen = closed(client);
    accepted.close(4000, 'tls bye');
    assert.deepEqual(await seen, { code: 4000, reason: 'tls bye' });
    await wss.close();
    await new Promise((resolve) => server.close(resolve));
  });

  test(
    'a client that does not trust the certificate fails; the server keeps serving',
    T,
    async () => {
      const server = createServer({ cert, key });
      const wss = new WebSocketServer({ server });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      await assert.rejects(connect(`wss://localhost:${port}`), /self[- ]signed/);
      const client = await connect(`wss://127.0.0.1:${port}`, [], { ca: cert });
      client.terminate();
      await wss.close();
      await new Promise((resolve) => server.close(resolve));
    },
  );
});
