import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import {
  acceptDeflateOffer,
  acceptDeflateResponse,
  deflateOffer,
  type PerMessageDeflateOptions,
} from '../../../src/extensions/permessage-deflate.js';
import { parseExtensions } from '../../../src/handshake/header-grammar.js';
import type { Role } from '../../../src/protocol/types.js';
import { type AsyncSink, deflateEngine, settle } from '../../helpers/deflate.js';

// Cross-checks against ws 8's own permessage-deflate, Sender and Receiver, bytes in and out:
// the negotiation (each side reads the other's header), and compressed frames both ways.
// ws is untyped here: its internals are loaded with require and described below.

const require = createRequire(import.meta.url);
// ws exports only its entry point; its modules are loaded by path.
const wsLib = (name: string): unknown => require(join(dirname(require.resolve('ws')), 'lib', name));

type WsParams = Record<string, unknown>;
interface WsPerMessageDeflate {
  offer(): WsParams;
  accept(configurations: WsParams[]): WsParams;
}
interface WsSender {
  send(
    data: Buffer,
    options: { binary: boolean; compress: boolean; fin: boolean; mask: boolean },
    cb?: () => void,
  ): void;
}
interface WsReceiver extends EventEmitter {
  write(chunk: Buffer): boolean;
}
const PerMessageDeflate = wsLib('permessage-deflate.js') as new (
  options: object,
) => WsPerMessageDeflate;
const Sender = wsLib('sender.js') as new (socket: object, extensions: object) => WsSender;
const Receiver = wsLib('receiver.js') as new (options: object) => WsReceiver;
const extension = wsLib('extension.js') as {
  parse(header: string): Record<string, WsParams[]>;
  format(extensions: Record<string, WsParams[]>): string;
};

type WsOptions = PerMessageDeflateOptions & { threshold?: number };

/** ws on one side, a wskit engine on the other, negotiated through each other's headers. */
function pair(wskitRole: Role, wskitOptions: PerMessageDeflateOptions, wsOptions: WsOptions) {
  const wsIsServer = wskitRole === 'client';
  const pmd = new PerMessageDeflate({ ...wsOptions, isServer: wsIsServer, maxPayload: 0 });
  let header: string;
  let params: ReturnType<typeof acceptDeflateResponse>;
  if (wsIsServer) {
    const offers = extension.parse(deflateOffer(wskitOptions))['permessage-deflate']!;
    header = extension.format({ 'permessage-deflate': [pmd.accept(offers)] });
    params = acceptDeflateResponse(parseExtensions(header), wskitOptions);
  } else {
    const offer = extension.format({ 'permessage-deflate': [pmd.offer()] });
    const accepted = acceptDeflateOffer(parseExtensions(offer), wskitOptions);
    assert.ok(accepted !== null, offer);
    header = accepted.header;
    pmd.accept(extension.parse(header)['permessage-deflate']!);
    params = accepted.params;
  }
  assert.ok(params !== null, header);
  const extensions = { 'permessage-deflate': pmd };
  const written: Buffer[] = [];
  const socket = {
    cork() {},
    uncork() {},
    write(data: Buffer, cb?: () => void) {
      written.push(Buffer.from(data));
      if (cb) process.nextTick(cb);
      return true;
    },
  };
  const received: { data: Buffer; binary: boolean }[] = [];
  const receiver = new Receiver({ extensions, isServer: wsIsServer, maxPayload: 0 });
  receiver.on('message', (data: Buffer, binary: boolean) => received.push({ data, binary }));
  receiver.on('error', (error: Error) => assert.fail(error));
  return {
    header,
    wskit: deflateEngine(wskitRole, params),
    ws: { sender: new Sender(socket, extensions), receiver, written, received, wsIsServer },
  };
}

function messagesOf(sink: AsyncSink) {
  return sink.events.flatMap((e) => (e.type === 'message' ? [e] : []));
}

function samples(): Buffer[] {
  const json = Buffer.from(
    JSON.stringify(Array.from({ length: 1500 }, (_, i) => ({ i, tag: `t${i % 11}` }))),
  );
  return [json, Buffer.alloc(0), randomBytes(3000), json, Buffer.from('é'.repeat(5000)), json];
}

const configurations: [string, PerMessageDeflateOptions, WsOptions][] = [
  ['defaults', {}, {}],
  ['context takeover kept by a wskit server', { serverNoContextTakeover: false }, {}],
  ['no context takeover', { clientNoContextTakeover: true, serverNoContextTakeover: true }, {}],
  ['ws asks for 10-bit windows', {}, { serverMaxWindowBits: 10, clientMaxWindowBits: 10 }],
  ['wskit asks for 9-bit windows', { serverMaxWindowBits: 9, clientMaxWindowBits: 9 }, {}],
  ['8-bit windows', { serverMaxWindowBits: 8, clientMaxWindowBits: 8 }, {}],
];

for (const role of ['client', 'server'] as const) {
  describe(`wskit ${role}, ws ${role === 'client' ? 'server' : 'client'}`, () => {
    for (const [name, wskitOptions, wsOptions] of configurations) {
      test(`${name}: the same agreement on both sides`, () => {
        const { header } = pair(role, { ...wskitOptions, threshold: 0 }, { ...wsOptions });
        assert.match(header, /^permessage-deflate/);
      });

      test(`${name}: wskit's frames inflate in ws`, async () => {
        const { wskit, ws } = pair(role, { ...wskitOptions, threshold: 0 }, wsOptions);
        const sent = samples();
        for (const [i, data] of sent.entries()) wskit.conn.send(data, i % 2 === 0, true);
        await settle(wskit.conn, wskit.sink);
        assert.equal(wskit.sink.written[0]! & 0x40, 0x40, 'RSV1 is set');
        ws.receiver.write(wskit.sink.written);
        while (ws.received.length < sent.length) await new Promise((r) => setTimeout(r, 2));
        ws.received.forEach((m, i) => {
          assert.ok(m.data.equals(sent[i]!), `message ${i}`);
          assert.equal(m.binary, i % 2 === 0);
        });
      });

      test(`${name}: ws's frames inflate in wskit`, async () => {
        const { wskit, ws } = pair(role, wskitOptions, { ...wsOptions, threshold: 0 });
        const sent = samples();
        let done = 0;
        for (const data of sent) {
          ws.sender.send(
            data,
            { binary: true, compress: true, fin: true, mask: !ws.wsIsServer },
            () => done++,
          );
        }
        while (done < sent.length) await new Promise((r) => setTimeout(r, 2));
        const bytes = Buffer.concat(ws.written);
        assert.equal(bytes[0]! & 0x40, 0x40, 'RSV1 is set');
        wskit.conn.receive(bytes);
        await settle(wskit.conn, wskit.sink);
        const got = messagesOf(wskit.sink);
        assert.equal(got.length, sent.length);
        for (const [i, m] of got.entries()) assert.ok(m.data.equals(sent[i]!), `message ${i}`);
      });
    }
  });
}
