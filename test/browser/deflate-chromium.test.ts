// Headless Chromium, which always offers permessage-deflate, against wskit's server with
// compression on (RFC 7692): the page sees the agreed element in `extensions`, and text and
// binary messages, a large compressible one included, round trip both ways compressed.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import type { PerMessageDeflateOptions } from '../../src/extensions/permessage-deflate.js';
import { launchChromium, servePage, chromiumSkip as skip } from '../helpers/chromium.js';
import { jsonText } from '../helpers/deflate.js';
import { listen } from '../helpers/server.js';

const BIG = 2 * 1024 * 1024;

// The page's script: it sends, checks each echo against what it sent, and reports. The server
// also sends a large message of its own, which the page describes by length and a checksum.
const PAGE = `<!doctype html><meta charset="utf-8"><title>wskit deflate</title><script>
const big = JSON.stringify(Array.from({ length: 60000 }, (_, i) => ({ id: i, name: 'item ' + (i % 13) })));
const pattern = new Uint8Array(${BIG}).map((_, i) => (i * 7) % 251);
const sent = ['héllo from chromium', new Uint8Array([1, 2, 3, 255]), big, pattern, ''];
const result = { extensions: null, echoes: [], pushed: null, close: null };
const same = (a, b) => typeof a === 'string' ? a === b
  : b instanceof ArrayBuffer && a.length === b.byteLength && new Uint8Array(b).every((x, i) => x === a[i]);
const ws = new WebSocket(location.hash.slice(1));
ws.binaryType = 'arraybuffer';
ws.onopen = () => {
  result.extensions = ws.extensions;
  for (const data of sent) ws.send(data);
};
ws.onmessage = (event) => {
  const i = result.echoes.length;
  if (i === sent.length) {
    let sum = 0;
    for (let j = 0; j < event.data.length; j++) sum = (sum + event.data.charCodeAt(j)) % 65521;
    result.pushed = { length: event.data.length, sum };
    ws.close(1000, 'done');
    return;
  }
  result.echoes.push(same(sent[i], event.data));
};
ws.onclose = (event) => {
  result.close = { code: event.code, reason: event.reason, wasClean: event.wasClean };
  window.done = result;
};
</script>`;

const CONFIGURATIONS: [boolean | PerMessageDeflateOptions, string][] = [
  [true, 'permessage-deflate; server_no_context_takeover'],
  [{ serverNoContextTakeover: false }, 'permessage-deflate'],
  [
    { serverNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 },
    'permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11',
  ],
];

test('Chromium and the server agree on permessage-deflate and compress both ways', {
  timeout: 90_000,
  ...(skip === undefined ? {} : { skip }),
}, async () => {
  const pages = await servePage(PAGE);
  const browser = await launchChromium();
  const pushed = jsonText(BIG).toString();
  let expectedSum = 0;
  for (let j = 0; j < pushed.length; j++)
    expectedSum = (expectedSum + pushed.charCodeAt(j)) % 65521;
  try {
    for (const [perMessageDeflate, header] of CONFIGURATIONS) {
      const { wss, url } = await listen({ perMessageDeflate });
      const seen: { extensions: string; tcp: Socket }[] = [];
      let received = 0;
      wss.on('connection', (socket, request: IncomingMessage) => {
        seen.push({ extensions: socket.extensions, tcp: request.socket });
        socket.on('message', (data, isBinary) => {
          const bytes = data as Buffer;
          received += bytes.length;
          socket.send(bytes, { binary: isBinary });
          // The page's last message is empty text: then the server sends one of its own.
          if (!isBinary && bytes.length === 0) socket.send(pushed);
        });
      });
      try {
        const page = await browser.newPage();
        await page.goto(`${pages.origin}/#${url}`);
        await page.waitForFunction(() => 'done' in window, undefined, { timeout: 30_000 });
        const result = await page.evaluate(() => (window as unknown as { done: unknown }).done);
        await page.close();
        assert.deepEqual(result, {
          extensions: header,
          echoes: [true, true, true, true, true],
          pushed: { length: pushed.length, sum: expectedSum },
          close: { code: 1000, reason: 'done', wasClean: true },
        });
        assert.deepEqual(
          seen.map((s) => s.extensions),
          [header],
        );
        // Over 3.5 MiB came from the page and over 5.5 MiB went back, all of it compressible:
        // far fewer bytes on the wire.
        const { tcp } = seen[0]!;
        assert.ok(received > 3.5 * 1024 * 1024, `${received} bytes received`);
        assert.ok(tcp.bytesRead < 1024 * 1024, `Chromium compressed: ${tcp.bytesRead} read`);
        assert.ok(tcp.bytesWritten < 1024 * 1024, `the server compressed: ${tcp.bytesWritten}`);
      } finally {
        await wss.close({ timeout: 500 });
      }
    }
  } finally {
    await browser.close();
    await pages.close();
  }
});
