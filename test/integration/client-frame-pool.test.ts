/**
 * Client frames of 4 KiB to 1 MiB are built in the frame pool (`src/transport/frame-pool.ts`):
 * against the `ws` server over real sockets, every message arrives intact while many are in
 * flight at once, and every block goes back to the pool, whether the writes finish or the
 * connection is dropped under them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FramePool } from '../../src/transport/frame-pool.js';
import { WebSocket } from '../../src/whatwg/websocket.js';
import { nextEvent } from '../helpers/ws-events.js';
import { type WsServer, wsServer } from '../helpers/ws-server.js';

const pool = FramePool.shared();

/** A payload whose every byte depends on its message number and position. */
function payload(n: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + n * 13) & 0xff;
  return bytes;
}

async function drained(): Promise<void> {
  for (let i = 0; i < 200 && pool!.outstanding > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('client frames from the frame pool, against ws', {
  skip: pool === null,
  timeout: 30_000,
}, () => {
  let server: WsServer;
  before(async () => {
    server = await wsServer({ maxPayload: 4 * 1024 * 1024 });
  });
  after(() => server.close());

  test('many pooled frames of several sizes in flight at once arrive intact, in order; every block comes back', async () => {
    const received: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      server.wss.once('connection', (socket) => {
        socket.on('message', (data) => {
          received.push(data as Buffer);
          if (received.length === 60) resolve();
        });
      });
    });
    const ws = new WebSocket(server.url);
    await nextEvent(ws, 'open');
    const sizes = [4096, 65536, 300_000, 1024 * 1024, 5000];
    const sent: Uint8Array[] = [];
    for (let n = 0; n < 60; n++) {
      const bytes = payload(n, sizes[n % sizes.length]!);
      sent.push(bytes);
      ws.send(bytes);
    }
    assert.ok(pool!.outstanding > 0, 'the frames were taken from the pool');
    await done;
    for (let n = 0; n < 60; n++) assert.ok(received[n]!.equals(sent[n]!), `message ${n}`);
    await drained();
    assert.equal(pool!.outstanding, 0);
    ws.close();
    await nextEvent(ws, 'close');
  });

  test('a connection dropped with pooled frames still queued gives every block back', async () => {
    const connected = server.nextConnection();
    const ws = new WebSocket(server.url);
    await nextEvent(ws, 'open');
    const peer = await connected;
    // The server stops reading; frames too large for the pool fill the kernel's buffers, so the
    // pooled frames after them wait in the client's socket.
    (peer as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let n = 0; n < 8; n++) ws.send(payload(n, 2 * 1024 * 1024));
    for (let n = 0; n < 20; n++) ws.send(payload(n, 64 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(ws.bufferedAmount > 0);
    assert.ok(pool!.outstanding > 0);
    const closed = nextEvent(ws, 'close');
    peer.terminate();
    await closed;
    await drained();
    assert.equal(pool!.outstanding, 0);
  });
});
