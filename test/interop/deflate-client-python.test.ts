/**
 * The wskit client with permessage-deflate (RFC 7692) against Python's websockets server
 * (test/interop/peers/echo_server.py --deflate), which answers the default offer with windows of
 * 12 bits both ways: text and binary, small and large, both directions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PerMessageDeflateOptions } from '../../src/extensions/permessage-deflate.js';
import { WebSocket } from '../../src/whatwg/websocket.js';
import { jsonText } from '../helpers/deflate.js';
import { nextEvent, record } from '../helpers/ws-events.js';
import { pythonEchoServer, skipReason } from './python-peer.js';

const MiB = 1024 * 1024;
const skip = skipReason();

/** What the client and the server each say was agreed (the server sends its response header). */
async function agreed(base: string, options: boolean | PerMessageDeflateOptions) {
  const ws = new WebSocket(`${base}/extensions`, { perMessageDeflate: options });
  const message = (await nextEvent(ws, 'message')) as MessageEvent;
  const closed = nextEvent(ws, 'close');
  ws.close();
  await closed;
  return { client: ws.extensions, server: message.data as string };
}

describe('client with compression against Python websockets', {
  timeout: 30_000,
  ...(skip ? { skip } : {}),
}, () => {
  const peer = pythonEchoServer(['--deflate']);

  test('the default offer: both agree on 12-bit windows', async () => {
    const header = 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12';
    assert.deepEqual(await agreed(peer.base(), true), { client: header, server: header });
  });

  test('no context takeover and a 10-bit server window, asked for by the client', async () => {
    const header =
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12';
    const options = {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
    };
    assert.deepEqual(await agreed(peer.base(), options), { client: header, server: header });
  });

  for (const [name, options] of [
    ['defaults', true],
    ['no context takeover', { serverNoContextTakeover: true, clientNoContextTakeover: true }],
    [
      '9-bit windows, threshold 0',
      { serverMaxWindowBits: 9, clientMaxWindowBits: 9, threshold: 0 },
    ],
  ] as const) {
    test(`${name}: text and binary echoed, small and large, in order`, async () => {
      const ws = new WebSocket(`${peer.base()}/echo`, { perMessageDeflate: options });
      ws.binaryType = 'arraybuffer';
      const { messages, closed } = record(ws);
      await nextEvent(ws, 'open');
      assert.match(ws.extensions, /^permessage-deflate/);
      const json = jsonText(4 * MiB).toString();
      const random = new Uint8Array(MiB).map(() => Math.floor(Math.random() * 256));
      const pattern = new Uint8Array(4 * MiB).map((_, i) => (i * 7) % 251);
      const sent = ['', 'héllo 😀', json, new Uint8Array(0), random, pattern, json.slice(0, 1500)];
      for (const data of sent) ws.send(data);
      while (messages.length < sent.length) await nextEvent(ws, 'message');
      ws.close(1000, 'done');
      assert.deepEqual(await closed, { code: 1000, reason: 'done', wasClean: true });
      for (const [i, data] of sent.entries()) {
        const got = messages[i];
        if (typeof data === 'string') assert.ok(got === data, `message ${i}: text`);
        else assert.ok(Buffer.from(got as ArrayBuffer).equals(data), `message ${i}: bytes`);
      }
    });
  }

  test('perMessageDeflate: false: the server answers without the extension', async () => {
    assert.deepEqual(await agreed(peer.base(), false), { client: '', server: '' });
  });
});
