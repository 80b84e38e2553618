// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) opens a WebSocket
// to wskit's server from a page served over plain HTTP, exchanges text and binary messages, and
// closes with a code and reason that both sides see.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerWebSocket } from '../../src/server/index.js';
import { launchChromium, servePage, chromiumSkip as skip } from '../helpers/chromium.js';
import { listen, nextEvent } from '../helpers/server.js';

// The page's script: plain browser WebSocket API, results left on window for the test to read.
const PAGE = `<!doctype html><meta charset="utf-8"><title>wskit</title><script>
const result = { messages: [], protocol: null, close: null };
const ws = new WebSocket(location.hash.slice(1), ['wskit.test']);
ws.binaryType = 'arraybuffer';
ws.onopen = () => {
  result.protocol = ws.protocol;
  ws.send('héllo from chromium');
  ws.send(new Uint8Array([1, 2, 3, 255]).buffer);
};
ws.onmessage = (event) => {
  result.messages.push(typeof event.data === 'string' ? event.data : Array.from(new Uint8Array(event.data)));
  if (result.messages.length === 3) ws.close(4001, 'bye from chromium ✓');
};
ws.onclose = (event) => {
  result.close = { code: event.code, reason: event.reason, wasClean: event.wasClean };
  window.done = result;
};
</script>`;

test('Chromium talks to the server: text, binary, close code and reason', {
  timeout: 60_000,
  ...(skip === undefined ? {} : { skip }),
}, async () => {
  const pages = await servePage(PAGE);
  const { wss, url } = await listen();
  const serverSide = new Promise<{ socket: ServerWebSocket<undefined>; got: unknown[] }>(
    (resolve) => {
      wss.on('connection', (socket) => {
        const got: unknown[] = [];
        socket.on('message', (data, isBinary) => {
          got.push(isBinary ? [...(data as Buffer)] : String(data));
          socket.send(data, { binary: isBinary });
          if (got.length === 2) {
            socket.send('and one from the server');
            resolve({ socket, got });
          }
        });
      });
    },
  );
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const pageUrl = `${pages.origin}/#${url}`;
    await page.goto(pageUrl);
    const { socket, got } = await serverSide;
    const serverClosed = nextEvent(socket, 'close');
    await page.waitForFunction(() => 'done' in window, undefined, { timeout: 20_000 });
    const result = await page.evaluate(() => (window as unknown as { done: unknown }).done);
    assert.deepEqual(got, ['héllo from chromium', [1, 2, 3, 255]]);
    assert.deepEqual(result, {
      messages: ['héllo from chromium', [1, 2, 3, 255], 'and one from the server'],
      protocol: 'wskit.test',
      close: { code: 4001, reason: 'bye from chromium ✓', wasClean: true },
    });
    const [code, reason] = (await serverClosed) as [number, Buffer];
    assert.deepEqual([code, reason.toString()], [4001, 'bye from chromium ✓']);
  } finally {
    await browser.close();
    await wss.close({ timeout: 500 });
    await pages.close();
  }
});
