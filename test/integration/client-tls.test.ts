/** wss: over TLS with the test-only self-signed certificate in test/fixtures/client-tls/. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { WebSocket } from '../../src/whatwg/websocket.js';
import { nextEvent, record } from '../helpers/ws-events.js';

const fixture = (name: string) =>
  readFileSync(
    fileURLToPath(new URL(`../../../test/fixtures/client-tls/${name}`, import.meta.url)),
  );
const cert = fixture('cert.pem');
const key = fixture('key.pem');

describe('wss: (TLS)', { timeout: 10_000 }, () => {
  let server: Server;
  let port = 0;
  /** The SNI name of each TLS connection, false when none was sent. */
  const servernames: Array<string | false> = [];
  /** Every SNI name offered, also in handshakes the client then rejects. */
  const offered: string[] = [];

  before(async () => {
    server = createServer({
      cert,
      key,
      SNICallback: (name, done) => {
        offered.push(name);
        done(null);
      },
    });
    server.on('secureConnection', (socket: TLSSocket) =>
      servernames.push(socket.servername ?? false),
    );
    const wss = new WebSocketServer({ server });
    wss.on('connection', (peer) =>
      peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary })),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  async function echoOnce(url: string, options: ConstructorParameters<typeof WebSocket>[1]) {
    const ws = new WebSocket(url, options);
    const { log, closed } = record(ws);
    await nextEvent(ws, 'open');
    ws.send('over tls');
    await nextEvent(ws, 'message');
    ws.close(1000);
    await closed;
    return log;
  }

  test('a host name: verified against tls.ca, sent as SNI', async () => {
    const log = await echoOnce(`wss://localhost:${port}/`, { tls: { ca: cert } });
    assert.deepEqual(log, ['open', 'text:over tls', 'close:1000::true']);
    assert.equal(servernames.at(-1), 'localhost');
  });

  test('an IP address: verified against the certificate, no SNI (RFC 6066 §3)', async () => {
    const log = await echoOnce(`wss://127.0.0.1:${port}/`, { tls: { ca: [cert] } });
    assert.deepEqual(log, ['open', 'text:over tls', 'close:1000::true']);
    assert.equal(servernames.at(-1), false);
  });

  test('https: is mapped to wss:', async () => {
    const ws = new WebSocket(`https://localhost:${port}/x`, { tls: { ca: cert } });
    assert.equal(ws.url, `wss://localhost:${port}/x`);
    await nextEvent(ws, 'open');
    const closed = nextEvent(ws, 'close');
    ws.close();
    await closed;
  });

  test('rejectUnauthorized: false accepts the unverified certificate', async () => {
    const log = await echoOnce(`wss://127.0.0.1:${port}/`, { tls: { rejectUnauthorized: false } });
    assert.deepEqual(log, ['open', 'text:over tls', 'close:1000::true']);
  });

  test('an untrusted certificate fails the connection; the TLS error only reaches onDiagnostic', async () => {
    let diagnostic: Error | undefined;
    const ws = new WebSocket(`wss://localhost:${port}/`, {
      onDiagnostic: (error) => (diagnostic = error),
    });
    const { log, closed } = record(ws);
    await closed;
    assert.deepEqual(log, ['error', 'close:1006::false']);
    assert.match(String((diagnostic as NodeJS.ErrnoException | undefined)?.code), /SELF_SIGNED/);
  });

  test('tls.servername that the certificate does not name fails the connection', async () => {
    let diagnostic: Error | undefined;
    const ws = new WebSocket(`wss://localhost:${port}/`, {
      tls: { ca: cert, servername: 'example.com' },
      onDiagnostic: (error) => (diagnostic = error),
    });
    const { log, closed } = record(ws);
    await closed;
    assert.deepEqual(log, ['error', 'close:1006::false']);
    assert.equal(
      (diagnostic as NodeJS.ErrnoException | undefined)?.code,
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
    assert.equal(offered.at(-1), 'example.com');
  });
});
