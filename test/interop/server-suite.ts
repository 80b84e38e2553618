// One interop suite for wskit's server, run against each real client (ws, Python's websockets):
// messages from 0 bytes to 16 MiB, fragments both ways, pings both ways, every valid close code
// from either side. A peer generates its messages and checks their echoes itself; the server
// records a digest of everything it receives, and the two are compared here.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import type {
  ServerWebSocket,
  WebSocketServer,
  WebSocketServerOptions,
} from '../../src/server/index.js';
import { listen, nextConnection, nextEvent } from '../helpers/server.js';

export type Kind = 'text' | 'binary';

export interface Described {
  kind: Kind;
  size: number;
  sha256: string;
}

export interface CloseSeen {
  code: number;
  reason: string;
}

/** A WebSocket client under test, one connection at a time. */
export interface InteropPeer {
  /** Connects; resolves with the subprotocol the server chose ('' for none). */
  open(url: string, protocols?: string[]): Promise<string>;
  /** Sends a generated message and waits for its echo; `equal` tells whether it matched. */
  echo(kind: Kind, size: number): Promise<{ sha256: string; equal: boolean }>;
  /** The same, the message sent as fragments of these sizes. */
  echoFragments(kind: Kind, sizes: number[]): Promise<{ sha256: string; equal: boolean }>;
  sendText(text: string): Promise<void>;
  receive(): Promise<Described>;
  /** Sends a ping and waits for its pong. */
  ping(data: string): Promise<void>;
  /** Starts the closing handshake; resolves with the code and reason of the server's echo. */
  close(code: number, reason: string): Promise<CloseSeen>;
  /** Waits for the server to close; resolves with the code and reason it sent. */
  closed(): Promise<CloseSeen>;
  dispose(): Promise<void>;
}

const BASE = 'wskit é€😀 ';
const BLOCK = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 31 + 7) & 0xff));

/** A message of exactly `size` bytes: UTF-8 text with multi-byte characters, or bytes. */
export function generate(kind: Kind, size: number): Buffer {
  if (kind === 'binary') return Buffer.alloc(size, BLOCK);
  const bytes = Buffer.from(BASE.repeat(Math.ceil(size / Buffer.byteLength(BASE)) + 1)).subarray(
    0,
    size,
  );
  // Cut at a character boundary, then pad with ASCII to the exact size.
  let end = size;
  while (end > 0 && (bytes[end - 1]! & 0xc0) === 0x80) end--;
  if (end > 0 && bytes[end - 1]! >= 0xc0) end--;
  return Buffer.concat([bytes.subarray(0, end), Buffer.alloc(size - end, 'x')]);
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20, 16 << 20];
export const CLOSE_CODES = [
  1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
];

/** A configuration of the server under test, and what it must agree with the peer. */
export interface SuiteVariant {
  /** Added to the test names. */
  readonly label: string;
  readonly server: Pick<WebSocketServerOptions, 'perMessageDeflate'>;
  /** The `extensions` every connection must have. */
  readonly extensions: string;
}

/** The server under test: echoes messages, obeys `cmd:` text messages, records what it saw. */
async function interopServer(variant: SuiteVariant | undefined) {
  const { wss, url } = await listen({ maxPayload: 32 << 20, ...variant?.server });
  const received: Described[] = [];
  /** Each connection's TCP socket, for the bytes that crossed the wire. */
  const tcp: Socket[] = [];
  wss.on('connection', (socket, request) => {
    tcp.push(request.socket);
    if (variant !== undefined) assert.equal(socket.extensions, variant.extensions);
    socket.on('message', (data, isBinary) => {
      const bytes = data as Buffer;
      if (!isBinary && bytes.subarray(0, 4).toString() === 'cmd:') {
        command(socket, bytes.subarray(4).toString());
        return;
      }
      received.push({
        kind: isBinary ? 'binary' : 'text',
        size: bytes.length,
        sha256: sha256(bytes),
      });
      socket.send(bytes, { binary: isBinary });
    });
  });
  return { wss, url, received, tcp };
}

function command(socket: ServerWebSocket<undefined>, text: string): void {
  const [name, arg = '', reason = ''] = text.split(':');
  if (name === 'fragments-text') {
    // "fragé!" in three frames; the é is split between the second and the third (§5.4, §8.1).
    socket.send(Buffer.from('frag'), { binary: false, fin: false });
    socket.send(Buffer.from([0xc3]), { fin: false });
    socket.send(Buffer.from([0xa9, 0x21]), { fin: true });
  } else if (name === 'fragments-binary') {
    socket.send(Buffer.from([1, 2]), { fin: false });
    socket.send(Buffer.alloc(0), { binary: true, fin: false });
    socket.send(Buffer.alloc(70_000, 3), { fin: true });
  } else if (name === 'ping') {
    socket.ping(arg);
  } else if (name === 'close') {
    socket.close(Number(arg), reason);
  }
}

/** Opens the peer's connection; resolves with the server's socket for it. */
async function openAccepted(
  peer: InteropPeer,
  wss: WebSocketServer,
  url: string,
): Promise<ServerWebSocket<undefined>> {
  const accepted = nextConnection(wss);
  await peer.open(url);
  return accepted;
}

/**
 * The shared suite; `skip` is a reason to skip it (the peer is not installed). With a `variant`
 * the server runs with its options, and every connection must agree on its extensions.
 */
export function serverInteropSuite(
  peerName: string,
  makePeer: () => Promise<InteropPeer>,
  skip?: string,
  variant?: SuiteVariant,
): void {
  const options = { timeout: 60_000, ...(skip === undefined ? {} : { skip }) };

  async function session(
    run: (peer: InteropPeer, server: Awaited<ReturnType<typeof interopServer>>) => Promise<void>,
  ) {
    const server = await interopServer(variant);
    const peer = await makePeer();
    try {
      await run(peer, server);
    } finally {
      await peer.dispose();
      await server.wss.close({ timeout: 500 });
    }
  }

  describe(`wskit server ↔ ${peerName}${variant === undefined ? '' : `, ${variant.label}`}`, () => {
    if (variant?.extensions) {
      test(`${variant.extensions} is agreed, and both sides compress`, options, () =>
        session(async (peer, server) => {
          await peer.open(server.url);
          // 1 MiB of text that repeats every 19 bytes each way: far fewer bytes on the wire. (The
          // binary pattern repeats every 256 bytes, beyond the reach of a 9-bit window: zlib
          // matches at most 250 bytes back there.)
          assert.ok((await peer.echo('text', 1 << 20)).equal, 'the echo differs');
          const tcp = server.tcp[0]!;
          assert.ok(tcp.bytesRead < 1 << 16, `the peer compressed: ${tcp.bytesRead} read`);
          assert.ok(tcp.bytesWritten < 1 << 16, `the server compressed: ${tcp.bytesWritten}`);
          assert.ok((await peer.echo('binary', 1 << 20)).equal, 'the binary echo differs');
        }),
      );
    }

    for (const kind of ['text', 'binary'] as const) {
      test(`${kind} messages from 0 bytes to 16 MiB are echoed intact`, options, () =>
        session(async (peer, server) => {
          await peer.open(server.url);
          for (const size of SIZES) {
            const { sha256: sent, equal } = await peer.echo(kind, size);
            assert.ok(equal, `${kind} ${size}: the echo differs`);
            assert.deepEqual(server.received.at(-1), { kind, size, sha256: sent });
          }
        }),
      );
    }

    test('fragmented messages from the client are assembled', options, () =>
      session(async (peer, server) => {
        await peer.open(server.url);
        for (const kind of ['text', 'binary'] as const) {
          const sizes = [3, 0, 5, 70_000, 1];
          const { sha256: sent, equal } = await peer.echoFragments(kind, sizes);
          assert.ok(equal, `${kind}: the echo differs`);
          assert.deepEqual(server.received.at(-1), { kind, size: 70_009, sha256: sent });
        }
      }),
    );

    test('fragmented messages from the server are assembled by the client', options, () =>
      session(async (peer, server) => {
        await peer.open(server.url);
        await peer.sendText('cmd:fragments-text');
        assert.deepEqual(await peer.receive(), {
          kind: 'text',
          size: 7,
          sha256: sha256(Buffer.from('fragé!')),
        });
        await peer.sendText('cmd:fragments-binary');
        const expected = Buffer.concat([Buffer.from([1, 2]), Buffer.alloc(70_000, 3)]);
        assert.deepEqual(await peer.receive(), {
          kind: 'binary',
          size: expected.length,
          sha256: sha256(expected),
        });
      }),
    );

    test('pings both ways are answered with the same payload', options, () =>
      session(async (peer, server) => {
        const socket = await openAccepted(peer, server.wss, server.url);
        const pinged = nextEvent(socket, 'ping');
        await peer.ping('from the client');
        assert.equal(String((await pinged)[0]), 'from the client');
        const ponged = nextEvent(socket, 'pong');
        await peer.sendText('cmd:ping:from the server');
        assert.equal(String((await ponged)[0]), 'from the server');
      }),
    );

    test('the server chooses the first subprotocol offered', options, () =>
      session(async (peer, server) => {
        assert.equal(await peer.open(server.url, ['v2.wskit', 'v1.wskit']), 'v2.wskit');
      }),
    );

    test('every valid close code, client-initiated', options, () =>
      session(async (peer, server) => {
        for (const code of CLOSE_CODES) {
          const socket = await openAccepted(peer, server.wss, server.url);
          const serverSaw = nextEvent(socket, 'close');
          const reason = `client ${code} ✓`;
          assert.deepEqual(await peer.close(code, reason), { code, reason }, 'the echo');
          const [seenCode, seenReason] = (await serverSaw) as [number, Buffer];
          assert.deepEqual([seenCode, seenReason.toString()], [code, reason]);
        }
      }),
    );

    test('every valid close code, server-initiated', options, () =>
      session(async (peer, server) => {
        for (const code of CLOSE_CODES) {
          const socket = await openAccepted(peer, server.wss, server.url);
          const serverSaw = nextEvent(socket, 'close');
          const reason = `server ${code}`;
          await peer.sendText(`cmd:close:${code}:${reason}`);
          assert.deepEqual(await peer.closed(), { code, reason });
          assert.equal((await serverSaw)[0], code, 'the client echoed the code');
        }
      }),
    );
  });
}
