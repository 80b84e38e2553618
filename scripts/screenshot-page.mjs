#!/usr/bin/env node
// Draws docs/images/try-it-page.png: the try-it page after a short session against an echo server.
// Usage: npm run build && node scripts/screenshot-page.mjs [OUT.png] [--dark] [--narrow]
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const dark = args.includes('--dark');
const narrow = args.includes('--narrow');
const out = resolve(args.find((a) => !a.startsWith('--')) ?? `${root}docs/images/try-it-page.png`);

const { createPageHandler } = await import(`${root}dist/cli/static-page.js`).catch(() => {
  process.stderr.write('dist/ is missing or stale: run `npm run build` first\n');
  process.exit(1);
});

// An echo server that also sends one binary greeting, so both directions show each type.
const page = createPageHandler({ wsPath: '/' });
const server = createServer((req, res) => {
  if (!page(req, res)) res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, handleProtocols: (protocols) => [...protocols][0] });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
// Port 8080 when free, so that the picture shows a plausible URL; any port otherwise.
await new Promise((done, fail) => {
  server.once('error', (err) =>
    err.code === 'EADDRINUSE' ? server.listen(0, '127.0.0.1') : fail(err),
  );
  server.once('listening', done);
  server.listen(8080, '127.0.0.1');
});
const { port } = server.address();

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const tab = await browser.newPage({
    viewport: narrow ? { width: 420, height: 1400 } : { width: 1200, height: 800 },
    colorScheme: dark ? 'dark' : 'light',
  });
  await tab.goto(`http://127.0.0.1:${port}/`);
  await tab.fill('#protocols', 'chat.v1');
  await tab.click('#connect');
  await tab.waitForSelector('#status[data-state="open"]');

  async function send(mode, text, encoding) {
    await tab.click(`label[for=mode-${mode}]`);
    if (encoding) await tab.click(`label[for=enc-${encoding}]`);
    await tab.fill('#message', text);
    await tab.click('#send');
    await tab.waitForFunction(
      (n) => document.querySelectorAll('.entry[data-dir="received"]').length >= n,
      await tab.locator('.entry[data-dir="sent"]').count(),
    );
  }
  await send('text', 'Hello, wskit!');
  await send('json', '{"op":"subscribe","topic":"prices","depth":5}');
  await send('binary', '48 65 6c 6c 6f 00 ff 10 20 7f', 'hex');
  await send('binary', 'AAECAwQFBgcICQoLDA0ODw==', 'base64');
  // A close with a code and a reason, then a new connection.
  await tab.fill('#close-code', '4000');
  await tab.fill('#close-reason', 'bye');
  await tab.click('#disconnect');
  await tab.waitForSelector('#status[data-state="closed"]');
  await tab.click('#connect');
  await tab.waitForSelector('#status[data-state="open"]');
  // Leave the composer showing a JSON error, the way a session usually looks.
  await tab.click('label[for=mode-json]');
  await tab.fill('#message', '{"op": "publish", "topic": "chat", "data": ');
  await tab.locator('#message').blur();

  mkdirSync(dirname(out), { recursive: true });
  await tab.screenshot({ path: out, type: 'png' });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  server.close();
}
